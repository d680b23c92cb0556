/* Per-host round trips and windows for the connect scan. */
#include "timing.h"

#include <errno.h>
#include <stdlib.h>

/* How far from its home slot an entry may sit. */
#define PROBE_MAX 64

void sk__rtt_sample(struct sk__rtt *r, double us)
{
	if (!r->have) {
		r->srtt = us;
		r->rttvar = us / 2;
		r->have = true;
		return;
	}
	double d = us > r->srtt ? us - r->srtt : r->srtt - us;
	r->rttvar = 0.75 * r->rttvar + 0.25 * d;
	r->srtt = 0.875 * r->srtt + 0.125 * us;
}

uint64_t sk__rtt_timeout_ms(const struct sk__rtt *r, const struct sk__rtt *fallback,
			    uint64_t min_ms, uint64_t max_ms)
{
	const struct sk__rtt *use = r && r->have ? r : fallback && fallback->have ? fallback : NULL;
	uint64_t ms = use ? (uint64_t)((use->srtt + 4 * use->rttvar) / 1000) + 1 : 1000;
	if (ms < min_ms)
		ms = min_ms;
	if (ms > max_ms)
		ms = max_ms;
	return ms;
}

int sk__hosts_init(struct sk__hosts *h, size_t slots)
{
	size_t n = 64;
	while (n < slots)
		n *= 2;
	h->v = calloc(n, sizeof *h->v);
	h->mask = n - 1;
	return h->v ? 0 : -ENOMEM;
}

void sk__hosts_free(struct sk__hosts *h)
{
	free(h->v);
	h->v = NULL;
}

static size_t home(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return (size_t)id;
}

struct sk__host *sk__hosts_get(struct sk__hosts *h, uint64_t id, const struct sk__host *init)
{
	uint64_t key = id + 1;
	size_t at = home(key);
	struct sk__host *reuse = NULL;
	for (unsigned i = 0; i < PROBE_MAX; i++) {
		struct sk__host *e = &h->v[(at + i) & h->mask];
		if (e->id == key)
			return e;
		if (!reuse && (e->id == 0 || (e->out == 0 && e->pend_head == 0)))
			reuse = e;
		/* Entries are never emptied, only reused: an empty one ends
		 * the places key could be. */
		if (e->id == 0)
			break;
	}
	if (!reuse)
		return NULL;
	*reuse = *init;
	reuse->id = key;
	return reuse;
}
