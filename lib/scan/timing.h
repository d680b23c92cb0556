/* Per-host timing for the connect scan (internal): round-trip estimates
 * and congestion windows kept per target, as nmap keeps them, so that a
 * slow or lossy host shrinks only its own window and lengthens only its
 * own timeouts. */
#ifndef SOCKIT_SCAN_TIMING_H
#define SOCKIT_SCAN_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 6298's smoothed round trip and its variation, in microseconds. */
struct sk__rtt {
	bool have;
	double srtt, rttvar;
};

void sk__rtt_sample(struct sk__rtt *r, double us);

/* SRTT + 4 RTTVAR of r, else of fallback, else 1 s; within [min, max].
 * In milliseconds. */
uint64_t sk__rtt_timeout_ms(const struct sk__rtt *r, const struct sk__rtt *fallback,
			    uint64_t min_ms, uint64_t max_ms);

/* One target's state.  out counts its admitted probes (in flight or
 * waiting for a retry); probes beyond its window wait in a list of ring
 * sequence numbers (pend_head/pend_tail hold seq + 1; 0 is empty). */
struct sk__host {
	uint64_t id; /* target number + 1; 0: a free entry */
	struct sk__rtt rtt;
	double cwnd, ssthresh;
	uint32_t out;
	uint64_t answered;
	uint64_t pend_head, pend_tail;
};

/* An open-addressed table of hosts.  Entries are reused only when idle
 * (nothing admitted, nothing pending), so a pointer stays valid while
 * its host has probes. */
struct sk__hosts {
	struct sk__host *v;
	size_t mask;
};

/* Room for about slots / 4 busy hosts.  Returns 0 or -ENOMEM. */
int sk__hosts_init(struct sk__hosts *h, size_t slots);
void sk__hosts_free(struct sk__hosts *h);

/* The entry of target id (>= 0), made from init when it is new; NULL when
 * no entry near its place is free (the caller then goes without per-host
 * state for this probe). */
struct sk__host *sk__hosts_get(struct sk__hosts *h, uint64_t id,
			       const struct sk__host *init);

#endif
