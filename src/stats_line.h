/* --stats on a terminal: totals and rates on the status line (status.h),
 * redrawn ten times a second by a timer on the command's loop.  Without a
 * terminal it does nothing, and the command prints its totals at exit as
 * always. */
#ifndef SOCKIT_STATS_LINE_H
#define SOCKIT_STATS_LINE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "sockit/peers.h"

struct stats_totals {
	uint64_t peers; /* shown when the source has a peer table */
	uint64_t rx_bytes, rx_msgs, tx_bytes, tx_msgs;
};

struct stats_line {
	uv_timer_t timer;
	/* Fills the totals now; ctx is the caller's. */
	void (*read)(void *ctx, struct stats_totals *t);
	void *ctx;
	const char *unit; /* what a message is called ("dgrams"), or NULL: bytes only */
	struct stats_totals mark; /* at mark_ms: rates are over the last second */
	uint64_t mark_ms;
	uint64_t rx_rate, tx_rate; /* bytes per second over the last whole second */
};

/* Starts the line if stderr is a terminal (returns whether it did).  The
 * timer does not keep the loop alive.  l stays put until stats_line_stop's
 * close has run (the loop's next pass). */
bool stats_line_start(struct stats_line *l, uv_loop_t *loop,
		      void (*read)(void *ctx, struct stats_totals *t), void *ctx,
		      const char *unit);

/* Closes the timer and erases the line (before the exit totals); a no-op
 * when the line never started. */
void stats_line_stop(struct stats_line *l);

/* A read function over a peer table (ctx: const struct sk_peers *). */
void stats_read_peers(void *ctx, struct stats_totals *t);

#endif
