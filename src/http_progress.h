/* A one-line progress bar on stderr: bytes, rate, and the ETA when the
 * total is known.  Redrawn at most four times a second. */
#ifndef SOCKIT_HTTP_PROGRESS_H
#define SOCKIT_HTTP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progress {
	int64_t total; /* -1 when unknown */
	uint64_t start_ms, last_ms;
	bool drawn;
};

void progress_start(struct progress *p, int64_t total);
/* Redraws when due, or always with force. */
void progress_update(struct progress *p, uint64_t done, bool force);
/* Ends the line if anything was drawn. */
void progress_end(struct progress *p);

/* "12.3 MiB" into buf. */
void progress_size(uint64_t bytes, char *buf, size_t cap);

#endif
