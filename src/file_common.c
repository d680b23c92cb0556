/* Progress bars and rates for the file commands. */
#include "sockit/clock.h"
#include "file_common.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sockit/progress.h"
#include "status.h"

void file_rate_note(uint64_t bytes, uint64_t ns, char *out, size_t cap)
{
	/* Below a megabyte the time is connection setup and fsync, and a
	 * rate would only mislead. */
	if (bytes < (1u << 20)) {
		if (cap)
			out[0] = 0;
		return;
	}
	char r[SK_PROGRESSLEN];
	sk_rate_format(bytes, ns / 1000000u, "B", r, sizeof r);
	snprintf(out, cap, " (%s)", r);
}

/* The file's name and its percentage, then the whole transfer's bar. */
static void draw(struct file_progress *p, bool force)
{
	uint64_t all = p->done_before + p->file_done;
	struct sk_progress sp = {
		.done = all,
		.total = p->total,
		.elapsed_ms = (sk_clock_ns() - p->start_ns) / 1000000u,
		.bytes = true,
	};
	char name[64];
	snprintf(name, sizeof name, "%-12.12s %3u%% | ", p->name,
		 sk_percent(p->file_done, p->file_size));
	status_progress(name, &sp, "", force);
}

static void on_begin(void *arg, const char *name, uint64_t size, uint64_t from)
{
	struct file_progress *p = arg;
	snprintf(p->name, sizeof p->name, "%s", name);
	p->file_size = size;
	p->file_done = from;
	p->file_from = from;
	if (p->on)
		draw(p, true);
}

static void on_bytes(void *arg, uint64_t done, uint64_t size)
{
	struct file_progress *p = arg;
	p->file_done = done;
	p->file_size = size;
	if (p->on)
		draw(p, false);
}

static void on_end(void *arg, const char *name, uint64_t size, int result)
{
	struct file_progress *p = arg;
	if (result)
		return;
	p->file_done = size;
	if (p->on)
		draw(p, true);
	p->done_before += size;
	p->resumed += p->file_from;
	p->file_done = 0;
	if (p->verbose) {
		char from[48] = "";
		if (p->file_from)
			snprintf(from, sizeof from, ", resumed at %llu",
				 (unsigned long long)p->file_from);
		fprintf(stderr, "%s %s (%llu bytes%s)\n", p->verb, name,
			(unsigned long long)size, from);
	}
	p->file_from = 0;
}

void file_progress_init(struct file_progress *p, bool on, bool verbose,
			const char *verb, uint64_t total)
{
	memset(p, 0, sizeof *p);
	p->on = on;
	p->verbose = verbose;
	p->verb = verb;
	p->total = total;
	p->start_ns = sk_clock_ns();
	if (on)
		p->on = status_begin();
	p->cbs = (struct sk_xfer_progress){ on_begin, on_bytes, on_end, p };
}

void file_progress_done(struct file_progress *p)
{
	if (p->on)
		status_end(false);
}
