/* What `file send` and `file recv` share: progress bars on a terminal,
 * rates, and plain-stream (--raw) copying. */
#ifndef SOCKIT_FILE_COMMON_H
#define SOCKIT_FILE_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "sockit/xfer.h"

struct file_progress {
	bool on;              /* stderr is a terminal and not -q */
	bool verbose;         /* a line per file */
	const char *verb;     /* "sent" / "received" */
	uint64_t total;       /* bytes in all files, 0 when unknown */
	uint64_t done_before; /* bytes of finished files */
	uint64_t resumed;     /* of those, bytes the receiver already held */
	uint64_t file_size, file_done, file_from;
	char name[80];
	uint64_t start_ns;
	struct sk_xfer_progress cbs;
};

/* Sets up p (its cbs point back at it). */
void file_progress_init(struct file_progress *p, bool on, bool verbose,
			const char *verb, uint64_t total);
/* Erases the bar, if one was drawn. */
void file_progress_done(struct file_progress *p);

/* " (12.3 MiB/s)" for a summary line, or "" below 1 MiB. */
void file_rate_note(uint64_t bytes, uint64_t ns, char *out, size_t cap);

#endif
