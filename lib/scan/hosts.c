/* Scan results per host (sockit/scan.h): an open-addressing table keyed
 * by address, turned into a sorted array once the scan is over. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/array.h"
#include "sockit/scan.h"

struct sk_scan_hosts {
	struct sk_scan_host *v; /* open addressing, by address, until sorted */
	size_t n, cap;
	uint64_t keep;
};

int sk_scan_hosts_new(uint64_t keep, struct sk_scan_hosts **out)
{
	struct sk_scan_hosts *h = calloc(1, sizeof *h);
	if (!h)
		return -ENOMEM;
	h->keep = keep;
	*out = h;
	return 0;
}

static uint64_t hash_ip(const struct sk_ip *ip)
{
	uint64_t x = 1469598103934665603ULL ^ (uint64_t)ip->family;
	for (int i = 0; i < 16; i++)
		x = (x ^ ip->bytes[i]) * 1099511628211ULL;
	return x;
}

static bool same_ip(const struct sk_ip *a, const struct sk_ip *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, 16);
}

static size_t slot(struct sk_scan_host *v, size_t cap, const struct sk_ip *ip)
{
	size_t k = hash_ip(ip) & (cap - 1);
	while (v[k].used && !same_ip(&v[k].ip, ip))
		k = (k + 1) & (cap - 1);
	return k;
}

/* Doubles the table at half full. */
static int grow(struct sk_scan_hosts *h)
{
	size_t cap = h->cap ? h->cap * 2 : 64;
	struct sk_scan_host *v = calloc(cap, sizeof *v);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < h->cap; i++)
		if (h->v[i].used)
			v[slot(v, cap, &h->v[i].ip)] = h->v[i];
	free(h->v);
	h->v = v;
	h->cap = cap;
	return 0;
}

static struct sk_scan_host *find(struct sk_scan_hosts *h, const struct sk_ip *ip)
{
	if ((h->n + 1) * 2 > h->cap && grow(h))
		return NULL;
	struct sk_scan_host *x = &h->v[slot(h->v, h->cap, ip)];
	if (!x->used) {
		*x = (struct sk_scan_host){ .ip = *ip, .used = true };
		h->n++;
	}
	return x;
}

int sk_scan_hosts_add(struct sk_scan_hosts *h, const struct sk_scan_result *r)
{
	struct sk_scan_host *x = find(h, &r->ip);
	if (!x)
		return -ENOMEM;
	uint64_t *c = &x->count[r->state][r->proto];
	(*c)++;
	if (!x->reason[r->state])
		x->reason[r->state] = r->reason;
	if (r->state != SK_STATE_OPEN && *c > h->keep + 1)
		return 0;
	if (sk_array_grow(&x->rows, &x->cap, x->n + 1, sizeof *x->rows))
		return -ENOMEM;
	struct sk_scan_row *row = &x->rows[x->n++];
	*row = (struct sk_scan_row){ r->port, (uint8_t)r->proto, (uint8_t)r->state,
				     r->reason, r->rtt_us, r->ttl, NULL, 0 };
	if (r->banner && r->banner_len && (row->banner = malloc(r->banner_len))) {
		memcpy(row->banner, r->banner, r->banner_len);
		row->banner_len = r->banner_len;
	}
	return 0;
}

uint64_t sk_scan_hosts_count(const struct sk_scan_hosts *h)
{
	return h->n;
}

static int cmp_host(const void *pa, const void *pb)
{
	const struct sk_scan_host *a = pa, *b = pb;
	if (a->ip.family != b->ip.family)
		return a->ip.family < b->ip.family ? -1 : 1;
	return memcmp(a->ip.bytes, b->ip.bytes, 16);
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct sk_scan_row *a = pa, *b = pb;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return (a->port > b->port) - (a->port < b->port);
}

size_t sk_scan_hosts_sorted(struct sk_scan_hosts *h, struct sk_scan_host **v)
{
	size_t k = 0;
	for (size_t i = 0; i < h->cap; i++)
		if (h->v[i].used)
			h->v[k++] = h->v[i];
	/* The array is no longer a hash table: only its first k are hosts. */
	for (size_t i = k; i < h->cap; i++)
		h->v[i].used = false;
	h->cap = k;
	qsort(h->v, k, sizeof *h->v, cmp_host);
	for (size_t i = 0; i < k; i++)
		qsort(h->v[i].rows, h->v[i].n, sizeof *h->v[i].rows, cmp_row);
	*v = h->v;
	return k;
}

void sk_scan_hosts_free(struct sk_scan_hosts *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->cap; i++) {
		if (!h->v[i].used)
			continue;
		for (size_t j = 0; j < h->v[i].n; j++)
			free(h->v[i].rows[j].banner);
		free(h->v[i].rows);
	}
	free(h->v);
	free(h);
}
