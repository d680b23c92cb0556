/* sniff's output formats.  The library decodes and names the fields; this
 * file only lays them out. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sniff_out.h"
#include "sockit/error.h"
#include "sockit/hexdump.h"

static const char *timestamp(struct sniff_fmt *f, const struct timeval *ts, char *buf,
			     size_t cap)
{
	if (ts->tv_sec != f->last_sec || !f->sec_text[0]) {
		struct tm tm;
		time_t t = ts->tv_sec;
		localtime_r(&t, &tm);
		strftime(f->sec_text, sizeof f->sec_text, "%H:%M:%S", &tm);
		f->last_sec = ts->tv_sec;
	}
	snprintf(buf, cap, "%s.%06ld", f->sec_text, (long)ts->tv_usec);
	return buf;
}

/* Values that read better in hex: EtherTypes and checksums. */
static bool hex_field(const struct sk_layer *l, const char *name)
{
	if (!strcmp(name, "checksum") || !strcmp(name, "ptype") || !strcmp(name, "protocol"))
		return true;
	return !strcmp(name, "type") &&
	       (l->proto == SK_P_ETH || l->proto == SK_P_VLAN);
}

static const char *status_word(int status)
{
	return status == SK_ETRUNCATED ? "truncated" : status == SK_EMALFORMED ? "malformed" : "ok";
}

/* Why a padding layer is there, in the lesson's words. */
static void padding_note(FILE *out, const struct sk_dissection *d, const struct sk_layer *l)
{
	if (d->link < 0 || d->layer[d->link].proto != SK_P_ETH)
		return;
	if (l->offset + l->hdr_len == 60) {
		unsigned used = l->offset - 14;
		fprintf(out, "    note       Ethernet's payload is at least 46 bytes: %u bytes of "
			     "%s + %u of padding = 46\n",
			used, d->net >= 0 ? sk_layer_name(&d->layer[d->net]) : "data",
			l->hdr_len);
	} else {
		fprintf(out, "    note       bytes after the end the headers declare (trailer)\n");
	}
}

static void layers_view(FILE *out, const struct sk_dissection *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		const struct sk_layer *l = &d->layer[i];
		unsigned first = l->offset, last = l->offset + l->hdr_len;
		fprintf(out, "  %-13s bytes %u-%u", sk_layer_name(l), first,
			last ? last - 1 : 0);
		if (l->proto == SK_P_DATA || l->proto == SK_P_PADDING)
			fprintf(out, " (%u bytes)", l->hdr_len);
		else
			fprintf(out, " (header %u, payload %u)", l->hdr_len, l->payload_len);
		if (l->status)
			fprintf(out, " %s", l->status == SK_ETRUNCATED
						  ? "TRUNCATED: the capture ends inside this header"
						  : "MALFORMED: the header contradicts itself");
		fputc('\n', out);
		struct sk_field fs[SK_FIELDS_MAX];
		int nf = sk_layer_fields(d, i, fs, SK_FIELDS_MAX);
		for (int k = 0; k < nf; k++) {
			const struct sk_field *f = &fs[k];
			if (l->proto == SK_P_DATA || (l->proto == SK_P_PADDING && !strcmp(f->name, "length")))
				continue;
			fprintf(out, "    %-10s ", f->name);
			switch (f->kind) {
			case SK_FIELD_STR: fprintf(out, "%s", f->str); break;
			case SK_FIELD_BOOL: fprintf(out, "%s", f->num ? "yes" : "no"); break;
			case SK_FIELD_UINT:
				if (hex_field(l, f->name))
					fprintf(out, "0x%04" PRIx64, f->num);
				else
					fprintf(out, "%" PRIu64, f->num);
				break;
			}
			/* "type 0x0806 (ARP)": a number and its name on one line. */
			if (k + 1 < nf && fs[k + 1].kind == SK_FIELD_STR &&
			    !strncmp(fs[k + 1].name, f->name, strlen(f->name)) &&
			    !strcmp(fs[k + 1].name + strlen(f->name), "_name")) {
				fprintf(out, " (%s)", fs[k + 1].str);
				k++;
			}
			if (!strcmp(f->name, "checksum_ok") && !f->num)
				fprintf(out, "  BAD CHECKSUM");
			fputc('\n', out);
		}
		if (l->proto == SK_P_PADDING)
			padding_note(out, d, l);
	}
	/* Bytes no layer accounts for: after a header that could not be read. */
	if (d->n) {
		const struct sk_layer *l = &d->layer[d->n - 1];
		size_t end = (size_t)l->offset + l->hdr_len;
		if (end < d->caplen)
			fprintf(out, "  %-13s bytes %zu-%zu (%zu bytes)\n", "undecoded", end,
				d->caplen - 1, d->caplen - end);
	}
	if (d->caplen < d->wirelen)
		fprintf(out, "  (%zu bytes on the wire were not captured: snap length)\n",
			d->wirelen - d->caplen);
}

static void hex_range(FILE *out, const uint8_t *p, size_t off, size_t n, const char *name)
{
	char buf[SK_HEXDUMP_SIZE(1600)];
	fprintf(out, "  -- %s: bytes %zu-%zu --\n", name, off, off + n - 1);
	size_t left = n;
	while (left) {
		size_t chunk = left > 1600 ? 1600 : left;
		sk_hexdump(p + off + (n - left), chunk, off + (n - left), buf, sizeof buf);
		/* Drop the trailing end-offset line hexdump -C adds. */
		char *endl = strrchr(buf, '\n');
		if (endl) {
			*endl = 0;
			char *prev = strrchr(buf, '\n');
			if (prev)
				prev[1] = 0;
		}
		fputs(buf, out);
		left -= chunk;
	}
}

static void hex_view(FILE *out, const struct sk_dissection *d)
{
	size_t covered = 0;
	for (unsigned i = 0; i < d->n; i++) {
		const struct sk_layer *l = &d->layer[i];
		if (l->hdr_len)
			hex_range(out, d->frame, l->offset, l->hdr_len, sk_layer_name(l));
		covered = (size_t)l->offset + l->hdr_len;
	}
	if (covered < d->caplen)
		hex_range(out, d->frame, covered, d->caplen - covered, "undecoded");
}

static void json_view(FILE *out, struct sniff_fmt *f, unsigned long long n,
		      const struct timeval *ts, const struct sk_dissection *d)
{
	struct sk_str *s = &f->js;
	sk_str_clear(s);
	char line[1024];
	sk_dissect_summary(d, f->link, line, sizeof line);
	sk_str_printf(s, "{\"n\":%llu,\"time\":%lld.%06ld,\"caplen\":%zu,\"len\":%zu,"
			 "\"linktype\":%d,\"summary\":",
		      n, (long long)ts->tv_sec, (long)ts->tv_usec, d->caplen, d->wirelen,
		      d->linktype);
	sk_json_string(s, (const uint8_t *)line, strlen(line));
	sk_str_puts(s, ",\"layers\":[");
	for (unsigned i = 0; i < d->n; i++) {
		const struct sk_layer *l = &d->layer[i];
		sk_str_printf(s, "%s{\"name\":\"%s\",\"offset\":%u,\"length\":%u,"
				 "\"payload\":%u,\"status\":\"%s\",\"fields\":{",
			      i ? "," : "", sk_layer_name(l), l->offset, l->hdr_len,
			      l->payload_len, status_word(l->status));
		struct sk_field fs[SK_FIELDS_MAX];
		int nf = sk_layer_fields(d, i, fs, SK_FIELDS_MAX);
		for (int k = 0; k < nf; k++) {
			if (k)
				sk_str_puts(s, ",");
			sk_json_key(s, fs[k].name);
			switch (fs[k].kind) {
			case SK_FIELD_UINT: sk_str_printf(s, "%" PRIu64, fs[k].num); break;
			case SK_FIELD_BOOL: sk_str_puts(s, fs[k].num ? "true" : "false"); break;
			case SK_FIELD_STR:
				sk_json_string(s, (const uint8_t *)fs[k].str, strlen(fs[k].str));
				break;
			}
		}
		sk_str_puts(s, "}}");
	}
	sk_str_puts(s, "]}\n");
	fwrite(s->p, 1, s->len, out);
}

void sniff_print(FILE *out, struct sniff_fmt *f, unsigned long long n,
		 const struct timeval *ts, const struct sk_dissection *d)
{
	if (f->json) {
		json_view(out, f, n, ts, d);
		return;
	}
	char line[1024], tbuf[32];
	size_t len = sk_dissect_summary(d, f->link, line, sizeof line);
	if (len >= sizeof line)
		len = sizeof line - 1;
	if (!f->no_time) {
		fputs(timestamp(f, ts, tbuf, sizeof tbuf), out);
		fputc(' ', out);
	}
	if (f->layers)
		fprintf(out, "frame %llu: %zu bytes on the wire, %zu captured: ", n,
			d->wirelen, d->caplen);
	fwrite(line, 1, len, out);
	fputc('\n', out);
	if (f->layers)
		layers_view(out, d);
	if (f->hex)
		hex_view(out, d);
}

void sniff_fmt_free(struct sniff_fmt *f)
{
	sk_str_free(&f->js);
}
