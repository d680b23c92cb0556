#include "http_progress.h"

#include "sockit/clock.h"
#include "sockit/progress.h"
#include "status.h"

void progress_start(struct progress *p, int64_t total)
{
	p->total = total;
	p->start_ns = sk_clock_ns();
	status_begin();
}

void progress_update(struct progress *p, uint64_t done, bool force)
{
	struct sk_progress sp = {
		.done = done,
		.total = p->total > 0 ? (uint64_t)p->total : 0,
		.elapsed_ms = (sk_clock_ns() - p->start_ns) / 1000000u,
		.bytes = true,
	};
	char line[SK_PROGRESSLEN];
	sk_progress_format(&sp, line, sizeof line);
	status_set(line, force);
}

void progress_end(struct progress *p)
{
	(void)p;
	status_end(true);
}
