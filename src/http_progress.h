/* http get's progress bar: bytes, rate, and the percentage and ETA when
 * the length is known, on the status line (status.h). */
#ifndef SOCKIT_HTTP_PROGRESS_H
#define SOCKIT_HTTP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	int64_t total; /* -1 when unknown */
	uint64_t start_ns;
};

void progress_start(struct progress *p, int64_t total);
/* Redraws when due (ten times a second), or always with force. */
void progress_update(struct progress *p, uint64_t done, bool force);
/* Leaves the last state on its own line. */
void progress_end(struct progress *p);

#endif
