/* Progress bars and rates for the file commands. */
#include "sockit/clock.h"
#include "file_common.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void file_rate(uint64_t bytes, uint64_t ns, char *out, size_t cap)
{
	double s = ns ? (double)ns / 1e9 : 1e-9;
	double r = (double)bytes / s;
	if (r >= 1e9)
		snprintf(out, cap, "%.2f GB/s", r / 1e9);
	else
		snprintf(out, cap, "%.1f MB/s", r / 1e6);
}

void file_rate_note(uint64_t bytes, uint64_t ns, char *out, size_t cap)
{
	/* Below a megabyte the time is connection setup and fsync, and a
	 * rate would only mislead. */
	if (bytes < (1u << 20)) {
		if (cap)
			out[0] = 0;
		return;
	}
	char r[32];
	file_rate(bytes, ns, r, sizeof r);
	snprintf(out, cap, " (%s)", r);
}

static void bar(char *out, size_t width, uint64_t done, uint64_t size)
{
	size_t fill = size ? (size_t)((double)done / (double)size * (double)width) : width;
	if (fill > width)
		fill = width;
	memset(out, '#', fill);
	memset(out + fill, '.', width - fill);
	out[width] = 0;
}

static int pct(uint64_t done, uint64_t size)
{
	return size ? (int)((double)done * 100.0 / (double)size) : 100;
}

static void draw(struct file_progress *p, bool force)
{
	uint64_t now = sk_clock_ns();
	if (!force && now - p->last_ns < 100000000u)
		return;
	p->last_ns = now;
	char b1[21], b2[21], rate[32];
	uint64_t all = p->done_before + p->file_done;
	bar(b1, 20, p->file_done, p->file_size);
	file_rate(all, now - p->start_ns, rate, sizeof rate);
	if (p->total) {
		bar(b2, 20, all, p->total);
		fprintf(stderr, "\r%-24.24s [%s] %3d%%  total [%s] %3d%%  %s\033[K", p->name,
			b1, pct(p->file_done, p->file_size), b2, pct(all, p->total), rate);
	} else {
		fprintf(stderr, "\r%-24.24s [%s] %3d%%  total %llu bytes  %s\033[K", p->name,
			b1, pct(p->file_done, p->file_size), (unsigned long long)all, rate);
	}
	fflush(stderr);
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
		if (p->on)
			fputs("\r\033[K", stderr);
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
	p->cbs = (struct sk_xfer_progress){ on_begin, on_bytes, on_end, p };
}

void file_progress_done(struct file_progress *p)
{
	if (p->on && p->last_ns) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}
