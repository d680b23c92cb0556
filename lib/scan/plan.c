/* The scan's order: a keyed permutation of the (target x port) index
 * space, and exact shards of it. */
#include "sockit/scan.h"
#include "sockit/error.h"
#include "sockit/parse.h"
#include "sockit/siphash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void sk_perm_init(struct sk_perm *p, uint64_t n, uint64_t seed)
{
	memset(p, 0, sizeof *p);
	p->n = n;
	unsigned bits = 0;
	while (bits < 64 && (n - 1) >> bits)
		bits++;
	p->half = bits < 2 ? 1 : (bits + 1) / 2;
	p->mask = (1ULL << p->half) - 1;
	uint64_t s = seed;
	for (unsigned i = 0; i < sizeof p->keys / sizeof *p->keys; i++)
		p->keys[i] = splitmix(&s);
}

/* The round function: a keyed 64-bit mixer.  It need not be a secure PRF;
 * it only has to make the order look random. */
static uint64_t round_fn(uint64_t r, uint64_t k)
{
	uint64_t z = (r ^ k) * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 32)) * 0xd6e8feb86659fd93ULL;
	return z ^ (z >> 32);
}

static uint64_t encrypt(const struct sk_perm *p, uint64_t x)
{
	uint64_t l = x >> p->half, r = x & p->mask;
	for (unsigned i = 0; i < sizeof p->keys / sizeof *p->keys; i++) {
		uint64_t t = l ^ (round_fn(r, p->keys[i]) & p->mask);
		l = r;
		r = t;
	}
	return l << p->half | r;
}

uint64_t sk_perm_at(const struct sk_perm *p, uint64_t i)
{
	if (p->n <= 1)
		return 0;
	/* Cycle-walking: the domain is at most 4n, so a few steps on
	 * average, and the walk stays a bijection of [0, n). */
	uint64_t y = encrypt(p, i);
	while (y >= p->n)
		y = encrypt(p, y);
	return y;
}

static uint64_t decrypt(const struct sk_perm *p, uint64_t x)
{
	uint64_t l = x >> p->half, r = x & p->mask;
	for (unsigned i = sizeof p->keys / sizeof *p->keys; i-- > 0;) {
		uint64_t t = r ^ (round_fn(l, p->keys[i]) & p->mask);
		r = l;
		l = t;
	}
	return l << p->half | r;
}

uint64_t sk_perm_inverse(const struct sk_perm *p, uint64_t y)
{
	if (p->n <= 1)
		return 0;
	/* The walk backwards: y's preimage under the cycle-walked bijection. */
	uint64_t x = decrypt(p, y);
	while (x >= p->n)
		x = decrypt(p, x);
	return x;
}

int sk_plan_init(struct sk_plan *plan, const struct sk_targets *targets,
		 const struct sk_ports *ports, uint64_t seed,
		 uint64_t shard_index, uint64_t shard_count, char *err)
{
	memset(plan, 0, sizeof *plan);
	uint64_t nt = sk_targets_count(targets), np = ports->count;
	if (!np)
		return sk_err_set(err, SK_ENOPORTS, "plan");
	if (nt > (1ULL << 62) / np)
		return sk_err_set(err, SK_ETOOMANY, "targets x ports");
	if (shard_count == 0 || shard_index >= shard_count)
		return sk_err_set(err, SK_EBADSHARD, "shard %llu/%llu",
				  (unsigned long long)shard_index + 1,
				  (unsigned long long)shard_count);
	plan->targets = targets;
	plan->ports = ports;
	plan->total = nt * np;
	plan->shard_index = shard_index;
	plan->shard_count = shard_count;
	plan->steps = plan->total > shard_index
			      ? (plan->total - shard_index + shard_count - 1) / shard_count
			      : 0;
	sk_perm_init(&plan->perm, plan->total, seed);
	return 0;
}

uint64_t sk_plan_index(const struct sk_plan *plan, uint64_t step)
{
	return sk_perm_at(&plan->perm, plan->shard_index + step * plan->shard_count);
}

int sk_plan_step(const struct sk_plan *plan, uint64_t index, uint64_t *step)
{
	if (index >= plan->total)
		return -ENOENT;
	uint64_t pos = sk_perm_inverse(&plan->perm, index);
	if (pos % plan->shard_count != plan->shard_index)
		return -ENOENT;
	*step = pos / plan->shard_count;
	return 0;
}

void sk_plan_probe(const struct sk_plan *plan, uint64_t index, struct sk_ip *ip,
		   enum sk_scan_proto *proto, uint16_t *port)
{
	uint64_t np = plan->ports->count;
	uint32_t pp = plan->ports->list[index % np];
	sk_targets_get(plan->targets, index / np, ip);
	*proto = (enum sk_scan_proto)(pp >> 16);
	*port = (uint16_t)pp;
}

int sk_shard_parse(const char *text, uint64_t *index, uint64_t *count, char *err)
{
	const char *slash = strchr(text, '/');
	char a[32];
	uint64_t i, n;
	if (!slash || (size_t)(slash - text) >= sizeof a)
		return sk_err_set(err, SK_EBADSHARD, "'%.32s': expected I/N", text);
	memcpy(a, text, (size_t)(slash - text));
	a[slash - text] = 0;
	if (sk_parse_u64(a, 1, 1u << 20, &i) || sk_parse_u64(slash + 1, 1, 1u << 20, &n))
		return sk_err_set(err, SK_EBADSHARD,
				  "'%.32s': expected I/N with 1 <= I <= N <= 1048576", text);
	if (i > n)
		return sk_err_set(err, SK_EBADSHARD, "'%.32s': I is above N", text);
	*index = i - 1;
	*count = n;
	return 0;
}

struct fp_ctx {
	uint8_t key[16];
	uint64_t h;
};

static void fp_range(const struct sk_ip *a, const struct sk_ip *b, void *ctx)
{
	struct fp_ctx *c = ctx;
	uint8_t buf[8 + 2 * sizeof *a];
	memcpy(buf, &c->h, 8);
	memcpy(buf + 8, a, sizeof *a);
	memcpy(buf + 8 + sizeof *a, b, sizeof *b);
	c->h = sk_siphash24(c->key, buf, sizeof buf);
}

uint64_t sk_plan_fingerprint(const struct sk_plan *plan, unsigned kind)
{
	struct fp_ctx c = { .key = "sockit-scan-fp\0", .h = kind };
	sk_targets_each_range(plan->targets, fp_range, &c);
	uint64_t head[3] = { c.h, plan->shard_index, plan->shard_count };
	uint64_t h = sk_siphash24(c.key, head, sizeof head);
	const struct sk_ports *p = plan->ports;
	uint8_t buf[8 + 4 * 64];
	for (uint32_t i = 0; i < p->count; i += 64) {
		uint32_t k = p->count - i < 64 ? p->count - i : 64;
		memcpy(buf, &h, 8);
		memcpy(buf + 8, p->list + i, k * 4);
		h = sk_siphash24(c.key, buf, 8 + k * 4);
	}
	return h;
}
