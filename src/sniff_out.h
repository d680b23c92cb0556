/* How sniff (and the tour) print one decoded frame: tcpdump-like line,
 * the --layers encapsulation view, --hex with layer boundaries, NDJSON. */
#ifndef SOCKIT_SNIFF_OUT_H
#define SOCKIT_SNIFF_OUT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/time.h>

#include "sockit/dissect.h"
#include "sockit/output.h"

struct sniff_fmt {
	bool link;     /* -e */
	bool layers;   /* --layers */
	bool hex;      /* --hex */
	bool json;     /* --json */
	bool no_time;  /* -t */
	/* Cache of the formatted local time of the last second seen. */
	time_t last_sec;
	char sec_text[16];
	struct sk_str buf; /* what is laid out and not yet written */
};

/* Lays out packet number n (from 1) decoded in d, captured at ts, and
 * writes to out whenever a large piece has gathered. */
void sniff_print(FILE *out, struct sniff_fmt *f, unsigned long long n,
		 const struct timeval *ts, const struct sk_dissection *d);

/* Writes what is gathered to out: at the end, and after each frame of a
 * live capture.  0, or -1 when fwrite failed (errno says why). */
int sniff_flush(FILE *out, struct sniff_fmt *f);

void sniff_fmt_free(struct sniff_fmt *f);

#endif
