/* The resume ledger: a bitmap of reported steps, the first step not yet
 * reported, and the results waiting for the next checkpoint. */
#include "ledger.h"

#include "sockit/array.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct held {
	struct sk_scan_result r;
	uint8_t *banner; /* owned copy of r.banner */
};

struct sk__ledger {
	pthread_mutex_t lock;
	const struct sk_plan *plan;
	uint64_t *bits; /* one bit a step; pages touched only where reported */
	size_t bits_len;
	uint64_t frontier; /* every step below it is reported */
	uint64_t top;      /* one past the highest step reported */
	struct held *held;
	size_t nheld, capheld;
	struct sk_step_range *ranges; /* the last release's done ranges */
	size_t capranges;
};

static bool bit(const struct sk__ledger *l, uint64_t s)
{
	return l->bits[s / 64] >> (s % 64) & 1;
}

static void set_bit(struct sk__ledger *l, uint64_t s)
{
	l->bits[s / 64] |= 1ULL << (s % 64);
	if (s + 1 > l->top)
		l->top = s + 1;
}

int sk__ledger_new(struct sk__ledger **out, const struct sk_plan *plan, uint64_t start,
		   const struct sk_step_range *done, size_t ndone)
{
	struct sk__ledger *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->plan = plan;
	l->frontier = l->top = start;
	/* A scan of many steps touches few pages when few answer: let the
	 * kernel hand them out as they are written. */
	l->bits_len = (plan->steps / 64 + 1) * sizeof *l->bits;
	void *m = mmap(NULL, l->bits_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		free(l);
		return -ENOMEM;
	}
	l->bits = m;
	for (size_t i = 0; i < ndone; i++)
		for (uint64_t s = done[i].first; s <= done[i].last && s < plan->steps; s++)
			set_bit(l, s);
	pthread_mutex_init(&l->lock, NULL);
	*out = l;
	return 0;
}

void sk__ledger_free(struct sk__ledger *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nheld; i++)
		free(l->held[i].banner);
	free(l->held);
	free(l->ranges);
	munmap(l->bits, l->bits_len);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

int sk__ledger_add(struct sk__ledger *l, const struct sk_scan_result *r)
{
	uint64_t step;
	if (sk_plan_step(l->plan, r->index, &step) || step >= l->plan->steps)
		return 0; /* not a probe of this shard: nothing to report */
	struct held h = { .r = *r };
	if (r->banner && r->banner_len) {
		h.banner = malloc(r->banner_len);
		if (!h.banner)
			return -ENOMEM;
		memcpy(h.banner, r->banner, r->banner_len);
		h.r.banner = h.banner;
	}
	pthread_mutex_lock(&l->lock);
	int rc = 0;
	if (step < l->frontier || bit(l, step)) {
		free(h.banner); /* reported before: on the caller's side already */
	} else if ((rc = sk_array_grow(&l->held, &l->capheld, l->nheld + 1, sizeof *l->held))) {
		free(h.banner);
	} else {
		set_bit(l, step);
		l->held[l->nheld++] = h;
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

/* The reported steps above the frontier, as ranges into l->ranges; under
 * the lock. */
static int collect_ranges(struct sk__ledger *l, size_t *n)
{
	*n = 0;
	uint64_t s = l->frontier;
	while (s < l->top) {
		if (!(s % 64) && !l->bits[s / 64]) {
			s += 64;
			continue;
		}
		if (!bit(l, s)) {
			s++;
			continue;
		}
		uint64_t first = s;
		while (s < l->top && bit(l, s))
			s++;
		if (sk_array_grow(&l->ranges, &l->capranges, *n + 1, sizeof *l->ranges))
			return -ENOMEM;
		l->ranges[(*n)++] = (struct sk_step_range){ first, s - 1 };
	}
	return 0;
}

int sk__ledger_release(struct sk__ledger *l, sk_scan_result_fn fn, void *ctx,
		       struct sk_checkpoint *c)
{
	pthread_mutex_lock(&l->lock);
	struct held *held = l->held;
	size_t n = l->nheld;
	l->held = NULL;
	l->nheld = l->capheld = 0;
	/* Every bit set now belongs to a result released before or in this
	 * call: what the checkpoint covers is out when it is written. */
	while (l->frontier < l->plan->steps && bit(l, l->frontier)) {
		bool word_full = !(l->frontier % 64) && l->bits[l->frontier / 64] == ~0ULL;
		l->frontier += word_full ? 64 : 1;
	}
	size_t nranges;
	int rc = collect_ranges(l, &nranges);
	c->next = l->frontier;
	c->done = l->ranges;
	c->ndone = nranges;
	pthread_mutex_unlock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		if (fn)
			fn(&held[i].r, ctx);
		free(held[i].banner);
	}
	free(held);
	return rc;
}
