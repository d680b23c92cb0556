/* The views sniff_print chooses between, and the pieces they share.  Each
 * view appends one frame to the output buffer s. */
#ifndef SOCKIT_SNIFF_VIEW_H
#define SOCKIT_SNIFF_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "sniff_out.h"
#include "sockit/dissect.h"
#include "sockit/output.h"

/* pcap's classic header holds unsigned 32-bit seconds that libpcap reads
 * as signed: a time after 2038-01-19 arrives negative. */
time_t sniff_capture_seconds(const struct timeval *ts);

/* A fraction outside 0-999999 µs is the file's nonsense: flagged, never
 * printed as a number. */
bool sniff_fraction_ok(const struct timeval *ts);

/* The fraction's six digits at p; returns their end. */
char *sniff_put_usec(char *p, long usec);

/* Where the bytes no layer accounts for begin: the end of the last layer
 * (after a header that could not be read, the rest is not decoded). */
size_t sniff_undecoded_from(const struct sk_dissection *d);

/* Copies n bytes (a field's name, a short text) without calling memcpy:
 * two overlapping fixed-size copies cover any length from half their size
 * to their size. */
static inline char *sniff_put_short(char *p, const char *src, size_t n)
{
	if (n <= 3) {
		if (n) {
			p[0] = src[0];
			p[n / 2] = src[n / 2];
			p[n - 1] = src[n - 1];
		}
	} else if (n < 8) {
		uint32_t a, b;
		memcpy(&a, src, 4);
		memcpy(&b, src + n - 4, 4);
		memcpy(p, &a, 4);
		memcpy(p + n - 4, &b, 4);
	} else if (n <= 16) {
		uint64_t a, b;
		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(p, &a, 8);
		memcpy(p + n - 8, &b, 8);
	} else if (n <= 32) {
		char a[16], b[16];
		memcpy(a, src, 16);
		memcpy(b, src + n - 16, 16);
		memcpy(p, a, 16);
		memcpy(p + n - 16, b, 16);
	} else {
		memcpy(p, src, n);
	}
	return p + n;
}

/* A number in decimal: one digit inline, since many fields hold one. */
static inline char *sniff_put_num(char *p, uint64_t v)
{
	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	return sk_put_u64(p, v);
}

/* Appends a string literal at p and moves p past it. */
#define SNIFF_PUT(p, lit) ((p) = (char *)memcpy((p), (lit), sizeof(lit) - 1) + sizeof(lit) - 1)

/* --json's object, newline included. */
void sniff_json_view(struct sk_str *s, struct sniff_fmt *f, unsigned long long n,
		     const struct timeval *ts, const struct sk_dissection *d);

/* --layers' blocks under the frame's line. */
void sniff_layers_view(struct sk_str *s, const struct sk_dissection *d);

#endif
