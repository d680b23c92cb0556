/* Progress and rate text (sockit/progress.h). */
#include "sockit/progress.h"

#include <stdio.h>
#include <string.h>

int sk_size_format(uint64_t bytes, char *buf, size_t cap)
{
	static const char *const units[] = { "B",   "KiB", "MiB", "GiB",
					     "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024.0;
		u++;
	}
	/* 1023.96 KiB rounds to "1024.0 KiB": say "1.0 MiB" instead. */
	if (u > 0 && v >= 1023.95 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		return snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
	return snprintf(buf, cap, "%.1f %s", v, units[u]);
}

int sk_rate_format(uint64_t n, uint64_t ms, const char *unit, char *buf,
		   size_t cap)
{
	static const char *const prefix[] = { "", "k", "M", "G", "T", "P" };
	double r = (double)n * 1000.0 / (double)(ms ? ms : 1);
	if (!strcmp(unit, "B")) {
		char size[32];
		sk_size_format((uint64_t)(r + 0.5), size, sizeof size);
		return snprintf(buf, cap, "%s/s", size);
	}
	size_t i = 0;
	while (r >= 999.95 && i + 1 < sizeof prefix / sizeof prefix[0]) {
		r /= 1000.0;
		i++;
	}
	const char *sep = *unit ? " " : "";
	if (i == 0)
		return snprintf(buf, cap, "%.0f%s%s/s", r, sep, unit);
	return snprintf(buf, cap, "%.1f %s%s/s", r, prefix[i], unit);
}

int sk_eta_format(uint64_t done, uint64_t total, uint64_t elapsed_ms, char *buf,
		  size_t cap)
{
	if (total && done >= total)
		return snprintf(buf, cap, "0:00");
	if (!total || !done || !elapsed_ms)
		return snprintf(buf, cap, "--:--");
	double secs =
	    (double)(total - done) * (double)elapsed_ms / (double)done / 1000.0;
	/* Past 99 hours an estimate says nothing more. */
	if (secs >= 99.0 * 3600)
		return snprintf(buf, cap, ">99h");
	uint64_t s = (uint64_t)(secs + 0.5);
	if (s >= 3600)
		return snprintf(buf, cap, "%llu:%02llu:%02llu",
				(unsigned long long)(s / 3600),
				(unsigned long long)(s / 60 % 60),
				(unsigned long long)(s % 60));
	return snprintf(buf, cap, "%llu:%02llu", (unsigned long long)(s / 60),
			(unsigned long long)(s % 60));
}

unsigned sk_percent(uint64_t done, uint64_t total)
{
	if (!total || done >= total)
		return 100;
	return (unsigned)((double)done * 100.0 / (double)total);
}

int sk_progress_format(const struct sk_progress *p, char *buf, size_t cap)
{
	char d[32], t[32], r[48], eta[16];
	const char *unit = p->bytes ? "B" : (p->unit ? p->unit : "");
	sk_rate_format(p->done, p->elapsed_ms, unit, r, sizeof r);
	if (p->bytes) {
		sk_size_format(p->done, d, sizeof d);
		sk_size_format(p->total, t, sizeof t);
	} else {
		snprintf(d, sizeof d, "%llu", (unsigned long long)p->done);
		snprintf(t, sizeof t, "%llu", (unsigned long long)p->total);
	}
	if (!p->total)
		return snprintf(buf, cap, "%s  %s", d, r);
	enum { WIDTH = 10 };
	char bar[WIDTH + 1];
	uint64_t done = p->done < p->total ? p->done : p->total;
	size_t fill = (size_t)((double)done * WIDTH / (double)p->total);
	memset(bar, '#', fill);
	memset(bar + fill, '.', WIDTH - fill);
	bar[WIDTH] = 0;
	sk_eta_format(p->done, p->total, p->elapsed_ms, eta, sizeof eta);
	return snprintf(buf, cap, "%3u%% [%s] %s%s%s  %s  ETA %s",
			sk_percent(p->done, p->total), bar, d,
			p->bytes ? " / " : "/", t, r, eta);
}
