#include "sockit/clock.h"
#include "http_progress.h"

#include <stdio.h>
#include <time.h>

void progress_size(uint64_t bytes, char *buf, size_t cap)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, cap, "%.1f %s", v, units[u]);
}

void progress_start(struct progress *p, int64_t total)
{
	p->total = total;
	p->start_ms = p->last_ms = sk_clock_ms();
	p->drawn = false;
}

void progress_update(struct progress *p, uint64_t done, bool force)
{
	uint64_t t = sk_clock_ms();
	if (!force && t - p->last_ms < 250)
		return;
	p->last_ms = t;
	double secs = (double)(t - p->start_ms) / 1000.0;
	double rate = secs > 0 ? (double)done / secs : 0;
	char d[32], r[32], line[160];
	progress_size(done, d, sizeof d);
	progress_size((uint64_t)rate, r, sizeof r);
	if (p->total > 0) {
		char tot[32], eta[32] = "--";
		progress_size((uint64_t)p->total, tot, sizeof tot);
		if (rate > 0 && (uint64_t)p->total >= done) {
			uint64_t left = (uint64_t)(((double)p->total - (double)done) / rate);
			snprintf(eta, sizeof eta, "%llu:%02llu", (unsigned long long)(left / 60),
				 (unsigned long long)(left % 60));
		}
		int pct = (int)((double)done * 100.0 / (double)p->total);
		snprintf(line, sizeof line, "\r%3d%%  %s / %s  %s/s  ETA %s   ", pct, d, tot, r,
			 eta);
	} else {
		snprintf(line, sizeof line, "\r%s  %s/s   ", d, r);
	}
	fputs(line, stderr);
	fflush(stderr);
	p->drawn = true;
}

void progress_end(struct progress *p)
{
	if (p->drawn)
		fputs("\n", stderr);
	p->drawn = false;
}
