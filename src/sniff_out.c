/* sniff's output: the frames of a run gathered in one buffer and written
 * in large pieces; the summary line and the hexdump here, the other views
 * in sniff_json.c and sniff_layers.c.  The library decodes and names the
 * fields; these files only lay them out. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sniff_view.h"
#include "sockit/hexdump.h"

/* Written out once this much is gathered (and after each frame of a live
 * capture): larger than the stdio buffer, so fwrite passes it straight to
 * write(2) instead of copying it once more. */
#define FLUSH_AT (256u << 10)

time_t sniff_capture_seconds(const struct timeval *ts)
{
	return ts->tv_sec < 0 ? (time_t)(uint32_t)ts->tv_sec : ts->tv_sec;
}

bool sniff_fraction_ok(const struct timeval *ts)
{
	return ts->tv_usec >= 0 && ts->tv_usec < 1000000;
}

char *sniff_put_usec(char *p, long usec)
{
	unsigned u = (unsigned)usec; /* 0-999999: 32-bit division is enough */
	for (int i = 5; i >= 0; i--, u /= 10)
		p[i] = (char)('0' + u % 10);
	return p + 6;
}

size_t sniff_undecoded_from(const struct sk_dissection *d)
{
	if (!d->n)
		return 0;
	const struct sk_layer *l = &d->layer[d->n - 1];
	return (size_t)l->offset + l->hdr_len;
}

static void timestamp(struct sk_str *s, struct sniff_fmt *f, const struct timeval *ts)
{
	time_t sec = sniff_capture_seconds(ts);
	if (sec != f->last_sec || !f->sec_text[0]) {
		struct tm tm;
		localtime_r(&sec, &tm);
		strftime(f->sec_text, sizeof f->sec_text, "%H:%M:%S", &tm);
		f->last_sec = sec;
	}
	sk_str_puts(s, f->sec_text);
	sk_str_putc(s, '.');
	char *p = sk_str_room(s, 6);
	if (!p)
		return;
	if (sniff_fraction_ok(ts))
		sniff_put_usec(p, ts->tv_usec);
	else
		memcpy(p, "??????", 6);
	sk_str_commit(s, p + 6);
}

static void hex_range(struct sk_str *s, const uint8_t *p, size_t off, size_t n,
		      const char *name)
{
	char buf[SK_HEXDUMP_SIZE(1600)];
	sk_str_printf(s, "  -- %s: bytes %zu-%zu --\n", name, off, off + n - 1);
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
		sk_str_puts(s, buf);
		left -= chunk;
	}
}

static void hex_view(struct sk_str *s, const struct sk_dissection *d)
{
	size_t covered = 0;
	for (unsigned i = 0; i < d->n; i++) {
		const struct sk_layer *l = &d->layer[i];
		if (l->hdr_len)
			hex_range(s, d->frame, l->offset, l->hdr_len, sk_layer_name(l));
		covered = (size_t)l->offset + l->hdr_len;
	}
	if (covered < d->caplen)
		hex_range(s, d->frame, covered, d->caplen - covered, "undecoded");
}

/* The summary line, after the frame's heading with --layers. */
static void line_view(struct sk_str *s, struct sniff_fmt *f, unsigned long long n,
		      const struct timeval *ts, const struct sk_dissection *d)
{
	char line[1024];
	size_t len = sk_dissect_summary(d, f->link, line, sizeof line);
	if (len >= sizeof line)
		len = sizeof line - 1;
	if (!f->no_time) {
		timestamp(s, f, ts);
		sk_str_putc(s, ' ');
	}
	char *p = sk_str_room(s, 100 + len);
	if (!p)
		return;
	if (f->layers) {
		SNIFF_PUT(p, "frame ");
		p = sniff_put_num(p, n);
		SNIFF_PUT(p, ": ");
		p = sniff_put_num(p, d->wirelen);
		SNIFF_PUT(p, " bytes on the wire, ");
		p = sniff_put_num(p, d->caplen);
		SNIFF_PUT(p, " captured: ");
	}
	memcpy(p, line, len);
	p += len;
	*p++ = '\n';
	sk_str_commit(s, p);
}

void sniff_print(FILE *out, struct sniff_fmt *f, unsigned long long n,
		 const struct timeval *ts, const struct sk_dissection *d)
{
	struct sk_str *s = &f->buf;
	if (f->json) {
		sniff_json_view(s, f, n, ts, d);
	} else {
		line_view(s, f, n, ts, d);
		if (f->layers)
			sniff_layers_view(s, d);
		if (f->hex)
			hex_view(s, d);
	}
	if (s->len >= FLUSH_AT)
		sniff_flush(out, f);
}

int sniff_flush(FILE *out, struct sniff_fmt *f)
{
	struct sk_str *s = &f->buf;
	size_t len = s->len;
	int rc = len && fwrite(s->p, 1, len, out) != len ? -1 : 0;
	sk_str_clear(s);
	return rc;
}

void sniff_fmt_free(struct sniff_fmt *f)
{
	sk_str_free(&f->buf);
}
