/* Progress and rate text, the same in every command: sizes, rates, ETAs
 * and one status line of work done out of a total.  Pure formatting: no
 * clock, no I/O; the caller passes the elapsed time and draws the text. */
#ifndef SOCKIT_PROGRESS_H
#define SOCKIT_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any text these functions make. */
#define SK_PROGRESSLEN 128

/* A byte count with binary prefixes: "0 B", "1023 B", "1.5 KiB",
 * "20.0 MiB", up to EiB.  Returns what snprintf returns. */
int sk_size_format(uint64_t bytes, char *buf, size_t cap);

/* n things over ms milliseconds, per second.  Bytes (unit "B") take binary
 * prefixes ("1.5 KiB/s"), other units decimal ones ("1.5 kdgrams/s", "12
 * probes/s" below a thousand; unit "" gives "1.5 k/s").  ms 0 counts as 1.
 * Returns what snprintf returns. */
int sk_rate_format(uint64_t n, uint64_t ms, const char *unit, char *buf,
		   size_t cap);

/* Time left for the rest of total at the rate done took over elapsed_ms:
 * "0:42", "12:05", "1:02:03", or "--:--" when it cannot be told yet
 * (nothing done, no time passed, no total) and "0:00" when done >= total.
 * Returns what snprintf returns. */
int sk_eta_format(uint64_t done, uint64_t total, uint64_t elapsed_ms, char *buf,
		  size_t cap);

/* Whole percent of done out of total, 0-100 (100 for total 0). */
unsigned sk_percent(uint64_t done, uint64_t total);

/* What a status line shows: done out of total (0: unknown), counted in
 * bytes or in units named by unit ("probes"), over elapsed_ms. */
struct sk_progress {
	uint64_t done, total;
	uint64_t elapsed_ms;
	bool bytes;	  /* done and total are bytes: sizes and KiB/s */
	const char *unit; /* otherwise their name, for the rate ("probes") */
};

/* The status line of p, at most 64 columns, so that a name or a count of
 * its own fits beside it on an 80-column terminal:
 *   " 45% [####......] 1.1 MiB / 2.5 MiB  300.0 KiB/s  ETA 0:04"
 *   " 11% [#.........] 7864/65536  1.3 kprobes/s  ETA 0:44"
 *   "1.1 MiB  300.0 KiB/s"                       (total unknown)
 * Returns the length written (cut to cap - 1), as snprintf does. */
int sk_progress_format(const struct sk_progress *p, char *buf, size_t cap);

#endif
