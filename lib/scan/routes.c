/* Every route a raw scan's targets take, looked up before the first frame
 * so that the sending and receiving threads only read it.
 *
 * The kernel is asked once per stretch of addresses where no route of any
 * table begins or ends (the boundaries of every prefix in the routing
 * tables cut the targets into such stretches), so a /16 behind one gateway
 * costs one question however many addresses it holds, and a scan across
 * two interfaces sends each frame out of the right one.  Next hops: a
 * gateway's MAC is resolved once; on a connected network every target is
 * its own next hop, resolved by a sweep that asks the kernel for a few
 * hundred neighbours at a time (its neighbour table holds about a
 * thousand). */
#include "sockit/array.h"
#include "sockit/clock.h"
#include "sockit/scan.h"
#include "sockit/error.h"
#include "core/ipint.h"
#include "route_nl.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef sk__u128 u128;

/* Most on-link targets resolved one by one; beyond it, --router-mac. */
#define MAX_HOPS 65536u
#define SWEEP_WINDOW 256u

struct region {
	u128 lo, hi;
	uint32_t route;
};

enum { HOP_UNKNOWN, HOP_ASKED, HOP_OK, HOP_FAILED };

struct hop {
	u128 ip;
	uint32_t route;
	uint8_t state;
	uint8_t mac[6];
	uint64_t asked_ns;
};

struct fam {
	struct region *reg;
	size_t nreg, capreg;
	struct hop *hops;
	size_t nhops, caphops;
};

struct sk_routes {
	struct sk_route *routes;
	size_t nroutes, caproutes;
	struct fam f[2]; /* IPv4, IPv6 */
};

static int fam_index(int family)
{
	return family == AF_INET ? 0 : 1;
}

static unsigned ip_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

static u128 family_max(int family)
{
	return family == AF_INET ? (u128)0xffffffffu : ~(u128)0;
}

/* ---- the boundaries of every routing prefix ------------------------------ */

struct bounds {
	int family;
	u128 *v;
	size_t n, cap;
	int error;
};

static void bound_add(struct bounds *b, u128 x)
{
	if (b->error)
		return;
	if (sk_array_grow(&b->v, &b->cap, b->n + 1, sizeof *b->v)) {
		b->error = -ENOMEM;
		return;
	}
	b->v[b->n++] = x;
}

static int on_dump_route(struct nlmsghdr *h, void *ctx)
{
	struct bounds *b = ctx;
	if (h->nlmsg_type != RTM_NEWROUTE)
		return 0;
	struct rtmsg *rt = NLMSG_DATA(h);
	if (rt->rtm_family != b->family)
		return 0;
	unsigned bits = ip_bytes(b->family) * 8;
	if (rt->rtm_dst_len > bits)
		return 0;
	uint8_t dst[16] = { 0 };
	int len = (int)RTM_PAYLOAD(h);
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == ip_bytes(b->family))
			memcpy(dst, RTA_DATA(a), ip_bytes(b->family));
	u128 v = sk__u128_from_bytes(b->family, dst);
	unsigned host = bits - rt->rtm_dst_len;
	u128 span = host >= 128 ? ~(u128)0 : ((u128)1 << host) - 1;
	u128 lo = v & ~span, hi = lo | span;
	bound_add(b, lo);
	if (hi < family_max(b->family))
		bound_add(b, hi + 1);
	return 0;
}

static int cmp_u128(const void *pa, const void *pb)
{
	u128 a = *(const u128 *)pa, b = *(const u128 *)pb;
	return a < b ? -1 : a > b;
}

/* Every table's prefixes (main, local and any policy table): inside one
 * stretch between two boundaries, every table has the same longest match,
 * so one question to the kernel answers for the whole stretch. */
static int dump_bounds(struct bounds *b)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
	} req = { 0 };
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.r);
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.r.rtm_family = (unsigned char)b->family;
	int rc = sk__nl_talk(&req.h, on_dump_route, b);
	if (rc < 0)
		return rc;
	if (b->error)
		return b->error;
	if (b->n)
		qsort(b->v, b->n, sizeof *b->v, cmp_u128);
	size_t k = 0;
	for (size_t i = 0; i < b->n; i++)
		if (!k || b->v[k - 1] != b->v[i])
			b->v[k++] = b->v[i];
	b->n = k;
	return 0;
}

/* The number of boundaries at or below x: the stretch x is in. */
static size_t stretch_of(const struct bounds *b, u128 x)
{
	size_t lo = 0, hi = b->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->v[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- building ------------------------------------------------------------- */

struct build {
	struct sk_routes *r;
	const struct sk_routes_opts *o;
	struct bounds b[2];
	uint32_t *stretch_route[2]; /* stretch -> route + 1, 0 not asked yet */
	int error;
	char *err;
};

static bool same_route(const struct sk_route *a, const struct sk_route *b)
{
	if (a->ifindex != b->ifindex || a->has_gateway != b->has_gateway ||
	    a->loopback != b->loopback || a->src.family != b->src.family ||
	    memcmp(a->src.bytes, b->src.bytes, 16))
		return false;
	return !a->has_gateway || !memcmp(a->nexthop.bytes, b->nexthop.bytes, 16);
}

static int add_route(struct sk_routes *r, const struct sk_route *rt, uint32_t *idx)
{
	for (size_t i = 0; i < r->nroutes; i++)
		if (same_route(&r->routes[i], rt)) {
			*idx = (uint32_t)i;
			return 0;
		}
	if (sk_array_grow(&r->routes, &r->caproutes, r->nroutes + 1, sizeof *r->routes))
		return -ENOMEM;
	r->routes[r->nroutes] = *rt;
	*idx = (uint32_t)r->nroutes++;
	return 0;
}

static int add_region(struct fam *f, u128 lo, u128 hi, uint32_t route)
{
	if (f->nreg && f->reg[f->nreg - 1].route == route && f->reg[f->nreg - 1].hi + 1 == lo) {
		f->reg[f->nreg - 1].hi = hi;
		return 0;
	}
	if (sk_array_grow(&f->reg, &f->capreg, f->nreg + 1, sizeof *f->reg))
		return -ENOMEM;
	f->reg[f->nreg++] = (struct region){ lo, hi, route };
	return 0;
}

static int add_hops(struct fam *f, u128 lo, u128 hi, uint32_t route)
{
	for (u128 x = lo;; x++) {
		if (sk_array_grow(&f->hops, &f->caphops, f->nhops + 1, sizeof *f->hops))
			return -ENOMEM;
		f->hops[f->nhops++] = (struct hop){ .ip = x, .route = route };
		if (x == hi)
			break;
	}
	return 0;
}

static int piece(struct build *bd, int family, u128 lo, u128 hi, size_t stretch)
{
	int fi = fam_index(family);
	struct sk_routes *r = bd->r;
	uint32_t idx;
	if (bd->stretch_route[fi][stretch]) {
		idx = bd->stretch_route[fi][stretch] - 1;
	} else {
		struct sk_ip ip;
		sk__u128_to_ip(family, lo, &ip);
		struct sk_route rt;
		int rc = sk_route_lookup(&ip, bd->o->ifname, &rt, bd->err);
		if (rc)
			return rc;
		const struct sk_ip *src = family == AF_INET ? bd->o->src4 : bd->o->src6;
		if (src)
			rt.src = *src;
		if ((rc = add_route(r, &rt, &idx)))
			return sk_err_set(bd->err, rc, "routes");
		bd->stretch_route[fi][stretch] = idx + 1;
	}
	struct fam *f = &r->f[fi];
	if (add_region(f, lo, hi, idx))
		return sk_err_set(bd->err, -ENOMEM, "routes");
	const struct sk_route *rt = &r->routes[idx];
	if (rt->has_gateway || rt->loopback || bd->o->router_mac)
		return 0;
	/* On a connected network each target is its own next hop. */
	if (hi - lo >= MAX_HOPS || f->nhops + (size_t)(hi - lo) + 1 > MAX_HOPS) {
		char a[SK_IPSTRLEN];
		sk_ip_format(&rt->nexthop, a);
		return sk_err_set(
		    bd->err, SK_ETOOMANYHOPS,
		    "more than %u targets on the connected network of %s (%s)",
		    MAX_HOPS, rt->ifname, a);
	}
	if (add_hops(f, lo, hi, idx))
		return sk_err_set(bd->err, -ENOMEM, "routes");
	return 0;
}

static void on_range(const struct sk_ip *first, const struct sk_ip *last, void *ctx)
{
	struct build *bd = ctx;
	if (bd->error)
		return;
	int family = first->family, fi = fam_index(family);
	const struct bounds *b = &bd->b[fi];
	u128 x = sk__u128_from_bytes(family, first->bytes), end = sk__u128_from_bytes(family, last->bytes);
	for (;;) {
		size_t s = stretch_of(b, x);
		u128 hi = s < b->n && b->v[s] - 1 < end ? b->v[s] - 1 : end;
		int rc = piece(bd, family, x, hi, s);
		if (rc) {
			bd->error = rc;
			return;
		}
		if (hi == end)
			return;
		x = hi + 1;
	}
}

/* ---- resolving on-link next hops ----------------------------------------- */

static struct hop *find_hop(const struct fam *f, u128 ip)
{
	size_t lo = 0, hi = f->nhops;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->hops[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->nhops && f->hops[lo].ip == ip ? &f->hops[lo] : NULL;
}

struct neigh_fill {
	struct sk_routes *r;
	int family;
};

static void on_neigh_fill(const struct sk__neigh *n, void *ctx)
{
	struct neigh_fill *c = ctx;
	struct hop *hp = find_hop(&c->r->f[fam_index(c->family)], sk__u128_from_bytes(c->family, n->dst));
	if (hp && hp->state != HOP_OK && c->r->routes[hp->route].ifindex == n->ifindex) {
		memcpy(hp->mac, n->mac, 6);
		hp->state = HOP_OK;
	}
}

static int neigh_fill(struct sk_routes *r, int family)
{
	struct neigh_fill c = { r, family };
	return sk__nl_neigh_dump(family, on_neigh_fill, &c);
}

/* Makes the kernel resolve a neighbour: an empty datagram to its discard
 * port goes out after an ARP request or neighbour solicitation. */
static void ask(int fd, int family, u128 ip, int ifindex)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	struct sk_ip a;
	sk__u128_to_ip(family, ip, &a);
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(9);
		memcpy(&s->sin_addr, a.bytes, 4);
		len = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(9);
		s->sin6_scope_id = (uint32_t)ifindex;
		memcpy(&s->sin6_addr, a.bytes, 16);
		len = sizeof *s;
	}
	sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&ss, len);
}

/* Resolves every on-link target: those the neighbour table knows at once,
 * the others SWEEP_WINDOW at a time, each given wait_ms to answer. */
static int sweep(struct sk_routes *r, int family, unsigned wait_ms, char *err)
{
	struct fam *f = &r->f[fam_index(family)];
	if (!f->nhops)
		return 0;
	int rc = neigh_fill(r, family);
	if (rc < 0)
		return sk_err_set(err, rc, "neighbour table");
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sk_err_set(err, -errno, "socket");
	size_t *open = malloc(SWEEP_WINDOW * sizeof *open);
	if (!open) {
		close(fd);
		return sk_err_set(err, -ENOMEM, "neighbours");
	}
	size_t nopen = 0, next = 0;
	uint64_t wait = (uint64_t)wait_ms * 1000000u;
	for (;;) {
		uint64_t now = sk_clock_ns();
		size_t k = 0;
		for (size_t i = 0; i < nopen; i++) {
			struct hop *hp = &f->hops[open[i]];
			if (hp->state == HOP_ASKED && now - hp->asked_ns >= wait)
				hp->state = HOP_FAILED;
			if (hp->state == HOP_ASKED)
				open[k++] = open[i];
		}
		nopen = k;
		while (nopen < SWEEP_WINDOW && next < f->nhops) {
			struct hop *hp = &f->hops[next];
			if (hp->state == HOP_UNKNOWN) {
				ask(fd, family, hp->ip, r->routes[hp->route].ifindex);
				hp->state = HOP_ASKED;
				hp->asked_ns = now;
				open[nopen++] = next;
			}
			next++;
		}
		if (!nopen)
			break;
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
		if ((rc = neigh_fill(r, family)) < 0) {
			rc = sk_err_set(err, rc, "neighbour table");
			break;
		}
		rc = 0;
	}
	free(open);
	close(fd);
	return rc;
}

struct has_family {
	bool v[2];
};

static void note_family(const struct sk_ip *a, const struct sk_ip *b, void *ctx)
{
	(void)b;
	((struct has_family *)ctx)->v[fam_index(a->family)] = true;
}

int sk_routes_build(struct sk_routes **out, const struct sk_targets *t,
		    const struct sk_routes_opts *o, char *err)
{
	*out = NULL;
	struct sk_routes *r = calloc(1, sizeof *r);
	if (!r)
		return sk_err_set(err, -ENOMEM, "routes");
	struct build bd = { .r = r, .o = o, .err = err };
	struct has_family hf = { { false, false } };
	sk_targets_each_range(t, note_family, &hf);
	int rc = 0;
	for (int fi = 0; fi < 2 && !rc; fi++) {
		bd.b[fi].family = fi ? AF_INET6 : AF_INET;
		if (!hf.v[fi])
			continue;
		if ((rc = dump_bounds(&bd.b[fi]))) {
			rc = sk_err_set(err, rc, "routing table");
			break;
		}
		bd.stretch_route[fi] = calloc(bd.b[fi].n + 1, sizeof *bd.stretch_route[fi]);
		if (!bd.stretch_route[fi])
			rc = sk_err_set(err, -ENOMEM, "routes");
	}
	if (!rc) {
		sk_targets_each_range(t, on_range, &bd);
		rc = bd.error;
	}
	/* Gateways (and loopback) once each; on-link targets by a sweep. */
	for (size_t i = 0; i < r->nroutes && !rc; i++) {
		struct sk_route *rt = &r->routes[i];
		if (o->router_mac)
			memcpy(rt->dst_mac, o->router_mac, 6);
		else if (rt->has_gateway || rt->loopback)
			rc = sk_route_neighbour(rt, o->wait_ms, err);
	}
	for (int fi = 0; fi < 2 && !rc; fi++)
		rc = sweep(r, fi ? AF_INET6 : AF_INET, o->wait_ms < 1000 ? o->wait_ms : 1000, err);
	for (int fi = 0; fi < 2; fi++) {
		free(bd.b[fi].v);
		free(bd.stretch_route[fi]);
	}
	if (rc) {
		sk_routes_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void sk_routes_free(struct sk_routes *r)
{
	if (!r)
		return;
	for (int fi = 0; fi < 2; fi++) {
		free(r->f[fi].reg);
		free(r->f[fi].hops);
	}
	free(r->routes);
	free(r);
}

size_t sk_routes_count(const struct sk_routes *r)
{
	return r->nroutes;
}

const struct sk_route *sk_routes_at(const struct sk_routes *r, size_t i)
{
	return &r->routes[i];
}

const struct sk_route *sk_routes_find(const struct sk_routes *r, const struct sk_ip *ip,
				      const uint8_t **mac)
{
	*mac = NULL;
	if (ip->family != AF_INET && ip->family != AF_INET6)
		return NULL;
	const struct fam *f = &r->f[fam_index(ip->family)];
	u128 v = sk__u128_from_bytes(ip->family, ip->bytes);
	/* The last region starting at or below v. */
	size_t lo = 0, hi = f->nreg;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->reg[mid].lo <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || v > f->reg[lo - 1].hi)
		return NULL;
	const struct sk_route *rt = &r->routes[f->reg[lo - 1].route];
	if (rt->has_gateway || rt->loopback || f->nhops == 0) {
		*mac = rt->dst_mac;
		return rt;
	}
	const struct hop *hp = find_hop(f, v);
	if (hp && hp->state == HOP_OK)
		*mac = hp->mac;
	else if (!hp)
		*mac = rt->dst_mac; /* --router-mac */
	return rt;
}
