/* sniff's output formats.  The library decodes and names the fields; this
 * file only lays them out. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sniff_out.h"
#include "sockit/error.h"
#include "sockit/hexdump.h"

/* pcap's classic header holds unsigned 32-bit seconds that libpcap reads
 * as signed: a time after 2038-01-19 arrives negative. */
static time_t capture_seconds(const struct timeval *ts)
{
	return ts->tv_sec < 0 ? (time_t)(uint32_t)ts->tv_sec : ts->tv_sec;
}

/* A fraction outside 0-999999 µs is the file's nonsense: flagged, never
 * printed as a number. */
static bool fraction_ok(const struct timeval *ts)
{
	return ts->tv_usec >= 0 && ts->tv_usec < 1000000;
}

static void usec6(struct sk_str *s, long usec)
{
	char d[6];
	for (int i = 5; i >= 0; i--, usec /= 10)
		d[i] = (char)('0' + usec % 10);
	sk_str_append(s, d, 6);
}

static void timestamp(struct sk_str *s, struct sniff_fmt *f, const struct timeval *ts)
{
	time_t sec = capture_seconds(ts);
	if (sec != f->last_sec || !f->sec_text[0]) {
		struct tm tm;
		localtime_r(&sec, &tm);
		strftime(f->sec_text, sizeof f->sec_text, "%H:%M:%S", &tm);
		f->last_sec = sec;
	}
	sk_str_puts(s, f->sec_text);
	sk_str_putc(s, '.');
	if (fraction_ok(ts))
		usec6(s, ts->tv_usec);
	else
		sk_str_puts(s, "??????");
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
static void padding_note(struct sk_str *s, const struct sk_dissection *d,
			 const struct sk_layer *l)
{
	if (d->link < 0 || d->layer[d->link].proto != SK_P_ETH)
		return;
	if (l->offset + l->hdr_len != 60) {
		sk_str_puts(s, "    note       bytes after the end the headers declare (trailer)\n");
		return;
	}
	sk_str_puts(s, "    note       Ethernet's payload is at least 46 bytes: ");
	sk_str_u64(s, l->offset - 14);
	sk_str_puts(s, " bytes of ");
	sk_str_puts(s, d->net >= 0 ? sk_layer_name(&d->layer[d->net]) : "data");
	sk_str_puts(s, " + ");
	sk_str_u64(s, l->hdr_len);
	sk_str_puts(s, " of padding = 46\n");
}

/* Where the bytes no layer accounts for begin: the end of the last layer
 * (after a header that could not be read, the rest is not decoded). */
static size_t undecoded_from(const struct sk_dissection *d)
{
	if (!d->n)
		return 0;
	const struct sk_layer *l = &d->layer[d->n - 1];
	return (size_t)l->offset + l->hdr_len;
}

/* "  tcp           bytes 34-53 (header 20, payload 0)" */
static void layer_heading(struct sk_str *s, const struct sk_layer *l)
{
	unsigned last = l->offset + l->hdr_len;
	sk_str_puts(s, "  ");
	sk_str_pad(s, sk_layer_name(l), 13);
	sk_str_puts(s, " bytes ");
	sk_str_u64(s, l->offset);
	sk_str_putc(s, '-');
	sk_str_u64(s, last ? last - 1 : 0);
	if (l->proto == SK_P_DATA || l->proto == SK_P_PADDING) {
		sk_str_puts(s, " (");
		sk_str_u64(s, l->hdr_len);
		sk_str_puts(s, " bytes)");
	} else {
		sk_str_puts(s, " (header ");
		sk_str_u64(s, l->hdr_len);
		sk_str_puts(s, ", payload ");
		sk_str_u64(s, l->payload_len);
		sk_str_putc(s, ')');
	}
	if (l->status)
		sk_str_puts(s, l->status == SK_ETRUNCATED
				       ? " TRUNCATED: the capture ends inside this header"
				       : " MALFORMED: the header contradicts itself");
	sk_str_putc(s, '\n');
}

/* Whether field k+1 names field k's value ("type 0x0806 (ARP)"). */
static bool named_by_next(const struct sk_field *fs, int k, int nf)
{
	size_t len = strlen(fs[k].name);
	return k + 1 < nf && fs[k + 1].kind == SK_FIELD_STR &&
	       !strncmp(fs[k + 1].name, fs[k].name, len) &&
	       !strcmp(fs[k + 1].name + len, "_name");
}

static void layer_fields(struct sk_str *s, const struct sk_dissection *d, unsigned i)
{
	const struct sk_layer *l = &d->layer[i];
	struct sk_field fs[SK_FIELDS_MAX];
	int nf = sk_layer_fields(d, i, fs, SK_FIELDS_MAX);
	for (int k = 0; k < nf; k++) {
		const struct sk_field *f = &fs[k];
		if (l->proto == SK_P_DATA || (l->proto == SK_P_PADDING && !strcmp(f->name, "length")))
			continue;
		sk_str_puts(s, "    ");
		sk_str_pad(s, f->name, 10);
		sk_str_putc(s, ' ');
		switch (f->kind) {
		case SK_FIELD_STR: sk_str_puts(s, f->str); break;
		case SK_FIELD_BOOL: sk_str_puts(s, f->num ? "yes" : "no"); break;
		case SK_FIELD_UINT:
			if (hex_field(l, f->name))
				sk_str_hex(s, f->num, 4);
			else
				sk_str_u64(s, f->num);
			break;
		}
		if (named_by_next(fs, k, nf)) {
			sk_str_puts(s, " (");
			sk_str_puts(s, fs[++k].str);
			sk_str_putc(s, ')');
		}
		if (!strcmp(f->name, "checksum_ok") && !f->num)
			sk_str_puts(s, "  BAD CHECKSUM");
		sk_str_putc(s, '\n');
	}
	if (l->proto == SK_P_PADDING)
		padding_note(s, d, l);
}

static void layers_view(struct sk_str *s, const struct sk_dissection *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		layer_heading(s, &d->layer[i]);
		layer_fields(s, d, i);
	}
	/* Bytes no layer accounts for: after a header that could not be read. */
	if (d->n) {
		size_t end = undecoded_from(d);
		if (end < d->caplen) {
			sk_str_puts(s, "  undecoded     bytes ");
			sk_str_u64(s, end);
			sk_str_putc(s, '-');
			sk_str_u64(s, d->caplen - 1);
			sk_str_puts(s, " (");
			sk_str_u64(s, d->caplen - end);
			sk_str_puts(s, " bytes)\n");
		}
	}
	if (d->caplen < d->wirelen) {
		sk_str_puts(s, "  (");
		sk_str_u64(s, d->wirelen - d->caplen);
		sk_str_puts(s, " bytes on the wire were not captured: snap length)\n");
	}
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

static void json_fields(struct sk_str *s, const struct sk_dissection *d, unsigned i)
{
	struct sk_field fs[SK_FIELDS_MAX];
	int nf = sk_layer_fields(d, i, fs, SK_FIELDS_MAX);
	for (int k = 0; k < nf; k++) {
		if (k)
			sk_str_putc(s, ',');
		sk_json_key(s, fs[k].name);
		switch (fs[k].kind) {
		case SK_FIELD_UINT: sk_str_u64(s, fs[k].num); break;
		case SK_FIELD_BOOL: sk_str_puts(s, fs[k].num ? "true" : "false"); break;
		case SK_FIELD_STR:
			sk_json_string(s, (const uint8_t *)fs[k].str, strlen(fs[k].str));
			break;
		}
	}
}

static void json_time(struct sk_str *s, const struct timeval *ts)
{
	sk_str_puts(s, ",\"time\":");
	sk_str_u64(s, (uint64_t)capture_seconds(ts));
	if (fraction_ok(ts)) {
		sk_str_putc(s, '.');
		usec6(s, ts->tv_usec);
	} else {
		sk_str_puts(s, ",\"time_fraction_bad\":true");
	}
}

static void json_view(struct sk_str *s, struct sniff_fmt *f, unsigned long long n,
		      const struct timeval *ts, const struct sk_dissection *d)
{
	char line[1024];
	size_t len = sk_dissect_summary(d, f->link, line, sizeof line);
	sk_str_puts(s, "{\"n\":");
	sk_str_u64(s, n);
	json_time(s, ts);
	sk_str_puts(s, ",\"caplen\":");
	sk_str_u64(s, d->caplen);
	sk_str_puts(s, ",\"len\":");
	sk_str_u64(s, d->wirelen);
	sk_str_puts(s, ",\"linktype\":");
	sk_str_u64(s, (uint64_t)(unsigned)d->linktype);
	sk_str_puts(s, ",\"summary\":");
	sk_json_string(s, (const uint8_t *)line, len < sizeof line ? len : sizeof line - 1);
	sk_str_puts(s, ",\"layers\":[");
	for (unsigned i = 0; i < d->n; i++) {
		const struct sk_layer *l = &d->layer[i];
		sk_str_puts(s, i ? ",{\"name\":\"" : "{\"name\":\"");
		sk_str_puts(s, sk_layer_name(l));
		sk_str_puts(s, "\",\"offset\":");
		sk_str_u64(s, l->offset);
		sk_str_puts(s, ",\"length\":");
		sk_str_u64(s, l->hdr_len);
		sk_str_puts(s, ",\"payload\":");
		sk_str_u64(s, l->payload_len);
		sk_str_puts(s, ",\"status\":\"");
		sk_str_puts(s, status_word(l->status));
		sk_str_puts(s, "\",\"fields\":{");
		json_fields(s, d, i);
		sk_str_puts(s, "}}");
	}
	/* The bytes after a header that could not be read belong to no
	 * decoded layer: listed as such, so that every byte is in one. */
	size_t end = undecoded_from(d);
	if (end < d->caplen) {
		sk_str_puts(s, d->n ? "," : "");
		sk_str_puts(s, "{\"name\":\"undecoded\",\"offset\":");
		sk_str_u64(s, end);
		sk_str_puts(s, ",\"length\":");
		sk_str_u64(s, d->caplen - end);
		sk_str_puts(s, ",\"payload\":0,\"status\":\"ok\",\"fields\":{}}");
	}
	sk_str_puts(s, "]}\n");
}

void sniff_print(FILE *out, struct sniff_fmt *f, unsigned long long n,
		 const struct timeval *ts, const struct sk_dissection *d)
{
	/* Each frame is laid out in one reused buffer and written at once. */
	struct sk_str *s = &f->js;
	sk_str_clear(s);
	if (f->json) {
		json_view(s, f, n, ts, d);
		fwrite(s->p, 1, s->len, out);
		return;
	}
	char line[1024];
	size_t len = sk_dissect_summary(d, f->link, line, sizeof line);
	if (len >= sizeof line)
		len = sizeof line - 1;
	if (!f->no_time) {
		timestamp(s, f, ts);
		sk_str_putc(s, ' ');
	}
	if (f->layers) {
		sk_str_puts(s, "frame ");
		sk_str_u64(s, n);
		sk_str_puts(s, ": ");
		sk_str_u64(s, d->wirelen);
		sk_str_puts(s, " bytes on the wire, ");
		sk_str_u64(s, d->caplen);
		sk_str_puts(s, " captured: ");
	}
	sk_str_append(s, line, len);
	sk_str_putc(s, '\n');
	if (f->layers)
		layers_view(s, d);
	fwrite(s->p, 1, s->len, out);
	if (f->hex)
		hex_view(out, d);
}

void sniff_fmt_free(struct sniff_fmt *f)
{
	sk_str_free(&f->js);
}
