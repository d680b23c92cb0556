/* Target sets: specs in, merged address ranges out, indexable in order.
 * Addresses are 128-bit integers inside their family so that IPv4 and IPv6
 * share one range arithmetic. */
#include "sockit/array.h"
#include "sockit/scan.h"
#include "sockit/error.h"
#include "sockit/idna.h"
#include "sockit/resolve.h"
#include "core/hostname.h"
#include "core/ipint.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef sk__u128 u128;

struct range {
	int family;
	u128 lo, hi;
};

struct rvec {
	struct range *r;
	size_t n, cap;
};

struct sk_targets {
	struct rvec add, excl;
	struct rvec final;
	uint64_t *before; /* before[i]: addresses in final ranges < i */
	uint64_t count;
	bool finished;
};

/* Specs beyond this many ranges are refused: a file of a million single
 * addresses is fine, an unbounded one is not. */
#define MAX_RANGES (1u << 24)

static int push(struct rvec *v, int family, u128 lo, u128 hi)
{
	if (v->n == v->cap) {
		if (v->cap >= MAX_RANGES)
			return SK_ETOOMANY;
		if (sk_array_grow(&v->r, &v->cap, v->n + 1, sizeof *v->r))
			return -ENOMEM;
	}
	v->r[v->n++] = (struct range){ family, lo, hi };
	return 0;
}

int sk_targets_new(struct sk_targets **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : -ENOMEM;
}

void sk_targets_free(struct sk_targets *t)
{
	if (!t)
		return;
	free(t->add.r);
	free(t->excl.r);
	free(t->final.r);
	free(t->before);
	free(t);
}

static bool family_ok(int family, int flags)
{
	if ((flags & SK_TARGETS_V4) && family != AF_INET)
		return false;
	if ((flags & SK_TARGETS_V6) && family != AF_INET6)
		return false;
	return true;
}

/* True when the last label of a dotted spec is a number ("198.19.7.256",
 * "10.1.2"): no host name ends so (top-level domains are never numeric,
 * RFC 3696), so it is a malformed address, not a name to look up. */
static bool numeric_last_label(const char *s)
{
	const char *dot = strrchr(s, '.');
	return dot && sk__all_digits(dot + 1, strlen(dot + 1));
}

static int add_name(struct rvec *v, const char *spec, int flags, char *err)
{
	if (flags & SK_TARGETS_NORESOLVE)
		return sk_err_set(err, SK_EBADTARGET,
				  "'%.64s': not an address (names need DNS)", spec);
	int family = AF_UNSPEC;
	if (flags & SK_TARGETS_V4)
		family = AF_INET;
	else if (flags & SK_TARGETS_V6)
		family = AF_INET6;
	struct sk_addrlist list;
	int rc = sk_resolve(spec, 0, family, SOCK_STREAM, 0, &list, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < list.count && rc >= 0; i++) {
		struct sk_ip ip;
		if (sk__ip_from_sockaddr((const struct sockaddr *)&list.addrs[i].ss, &ip))
			continue;
		u128 x = sk__u128_from_ip(&ip);
		rc = push(v, ip.family, x, x);
	}
	sk_addrlist_free(&list);
	return rc < 0 ? sk_err_set(err, rc, "'%.64s'", spec) : 0;
}

static int parse_spec(struct rvec *v, const char *spec, int flags, char *err)
{
	char buf[300];
	size_t len = strlen(spec);
	if (len == 0)
		return sk_err_set(err, SK_EBADTARGET, "empty target");
	if (len >= sizeof buf)
		return sk_err_set(err, SK_EBADTARGET, "'%.32s...': too long", spec);
	memcpy(buf, spec, len + 1);

	struct sk_ip a, b;
	if (strchr(buf, '/')) {
		struct sk_cidr c;
		char cerr[SK_ERRLEN];
		if (sk_cidr_parse(buf, NULL, &c, cerr))
			return sk_err_set(err, SK_EBADTARGET, "'%.64s': %s", spec, cerr);
		if (!family_ok(c.addr.family, flags))
			return sk_err_set(err, SK_ENOFAMILY, "'%.64s'", spec);
		struct sk_ip first, last;
		sk_cidr_network(&c, &first);
		sk_cidr_last(&c, &last);
		return push(v, c.addr.family, sk__u128_from_ip(&first), sk__u128_from_ip(&last));
	}
	char *dash = strchr(buf, '-');
	if (dash) {
		*dash = 0;
		const char *right = dash + 1;
		if (sk_ip_parse(buf, &a) == 0) {
			u128 lo = sk__u128_from_ip(&a), hi;
			if (a.family == AF_INET && sk__all_digits(right, strlen(right)) && strlen(right) <= 3) {
				unsigned last = (unsigned)strtoul(right, NULL, 10);
				if (last > 255 || last < a.bytes[3])
					return sk_err_set(err, SK_EBADTARGET,
							  "'%.64s': range end %s is below its start or above 255",
							  spec, right);
				hi = lo - a.bytes[3] + last;
			} else if (sk_ip_parse(right, &b) == 0) {
				if (b.family != a.family)
					return sk_err_set(err, SK_EBADTARGET,
							  "'%.64s': range ends in two families", spec);
				hi = sk__u128_from_ip(&b);
				if (hi < lo)
					return sk_err_set(err, SK_EBADTARGET,
							  "'%.64s': range end is below its start", spec);
			} else {
				return sk_err_set(err, SK_EBADTARGET,
						  "'%.64s': expected A-B or A.B.C.D-N", spec);
			}
			if (!family_ok(a.family, flags))
				return sk_err_set(err, SK_ENOFAMILY, "'%.64s'", spec);
			return push(v, a.family, lo, hi);
		}
		*dash = '-';
	}
	if (sk_ip_parse(buf, &a) == 0) {
		if (!family_ok(a.family, flags))
			return sk_err_set(err, SK_ENOFAMILY, "'%.64s'", spec);
		u128 x = sk__u128_from_ip(&a);
		return push(v, a.family, x, x);
	}
	if (sk__name_like(buf) && numeric_last_label(buf))
		return sk_err_set(
		    err, SK_EBADTARGET,
		    "'%.64s': not an IPv4 address (four numbers 0-255)", spec);
	if (!sk__name_like(buf) || sk__all_digits(buf, strlen(buf)) || strchr(buf, ':'))
		return sk_err_set(err, SK_EBADTARGET,
				  "'%.64s': expected an address, CIDR block, range or name",
				  spec);
	return add_name(v, buf, flags, err);
}

int sk_targets_add(struct sk_targets *t, const char *spec, int flags, char *err)
{
	int rc = parse_spec(&t->add, spec, flags, err);
	if (rc == SK_ETOOMANY || rc == -ENOMEM)
		sk_err_set(err, rc, "'%.64s'", spec);
	return rc;
}

/* One spec excluded. */
static int exclude_one(struct sk_targets *t, const char *spec, int flags, char *err)
{
	/* An exclusion never narrows by family: -4 with an IPv6 exclude is
	 * harmless, so family flags are dropped here. */
	int rc = parse_spec(&t->excl, spec,
			    flags & ~(SK_TARGETS_V4 | SK_TARGETS_V6), err);
	if (rc == SK_ETOOMANY || rc == -ENOMEM)
		sk_err_set(err, rc, "'%.64s'", spec);
	return rc;
}

int sk_targets_exclude(struct sk_targets *t, const char *spec, int flags,
		       char *err)
{
	/* "A,B,C": each in turn, as nmap's --exclude takes them. */
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");
		char one[SK_HOSTLEN + 64];
		if (n >= sizeof one)
			return sk_err_set(err, SK_EBADTARGET, "'%.64s'", p);
		snprintf(one, sizeof one, "%.*s", (int)n, p);
		int rc = n ? exclude_one(t, one, flags, err) : 0;
		if (rc)
			return rc;
		p += n + (p[n] == ',');
	}
	return 0;
}

/* One line of f into buf (NUL-terminated, its newline kept): 1 a line,
 * 0 the end, SK_EBADTARGET for a line too long or a NUL byte (fgets would
 * take /dev/zero for endless empty lines), -errno for a read error. */
static int read_line(FILE *f, char *buf, size_t size, const char **why)
{
	size_t n = 0;
	int c;
	errno = 0;
	while ((c = getc(f)) != EOF) {
		if (c == 0) {
			*why = "NUL byte (not a text file)";
			return SK_EBADTARGET;
		}
		if (n + 2 > size) {
			*why = "line too long";
			return SK_EBADTARGET;
		}
		buf[n++] = (char)c;
		if (c == '\n')
			break;
	}
	buf[n] = 0;
	if (c == EOF && ferror(f))
		return errno ? -errno : -EIO;
	return n > 0;
}

int sk_targets_add_file(struct sk_targets *t, const char *path, bool exclude,
			int flags, char *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return sk_err_set(err, -errno, "%s", path);
	char line[4096];
	unsigned long lineno = 0;
	int rc = 0;
	for (;;) {
		const char *why = "";
		int got = read_line(f, line, sizeof line, &why);
		if (got == 0)
			break;
		lineno++;
		if (got == SK_EBADTARGET) {
			rc = sk_err_set(err, got, "%s:%lu: %s", path, lineno, why);
			break;
		}
		if (got < 0) {
			rc = sk_err_set(err, got, "%s", path);
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *save = NULL;
		for (char *tok = strtok_r(line, " \t\r\n,", &save); tok && rc == 0;
		     tok = strtok_r(NULL, " \t\r\n,", &save)) {
			char e[SK_ERRLEN];
			rc = exclude ? sk_targets_exclude(t, tok, flags, e)
				     : sk_targets_add(t, tok, flags, e);
			if (rc)
				sk_err_set(err, rc, "%s:%lu: %s", path, lineno, e);
		}
		if (rc)
			break;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

static int cmp_range(const void *pa, const void *pb)
{
	const struct range *a = pa, *b = pb;
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return (a->hi > b->hi) - (a->hi < b->hi);
}

/* Sorts and merges overlapping or adjacent ranges in place. */
static void normalise(struct rvec *v)
{
	if (!v->n)
		return;
	qsort(v->r, v->n, sizeof *v->r, cmp_range);
	size_t k = 0;
	for (size_t i = 1; i < v->n; i++) {
		struct range *cur = &v->r[k], *nx = &v->r[i];
		if (nx->family == cur->family &&
		    (nx->lo <= cur->hi || (cur->hi + 1 != 0 && nx->lo == cur->hi + 1))) {
			if (nx->hi > cur->hi)
				cur->hi = nx->hi;
		} else {
			v->r[++k] = *nx;
		}
	}
	v->n = k + 1;
}

int sk_targets_finish(struct sk_targets *t, uint64_t max, char *err)
{
	normalise(&t->add);
	normalise(&t->excl);
	/* Subtract: both lists are sorted and disjoint, so one pass. */
	size_t j = 0;
	for (size_t i = 0; i < t->add.n; i++) {
		struct range r = t->add.r[i];
		bool alive = true;
		while (j < t->excl.n && cmp_range(&t->excl.r[j], &r) < 0 &&
		       (t->excl.r[j].family != r.family || t->excl.r[j].hi < r.lo))
			j++;
		for (size_t k = j; k < t->excl.n && alive; k++) {
			const struct range *x = &t->excl.r[k];
			if (x->family != r.family || x->lo > r.hi)
				break;
			if (x->hi < r.lo)
				continue;
			if (x->lo > r.lo) {
				int rc = push(&t->final, r.family, r.lo, x->lo - 1);
				if (rc)
					return sk_err_set(err, rc, "targets");
			}
			if (x->hi >= r.hi)
				alive = false;
			else
				r.lo = x->hi + 1;
		}
		if (alive) {
			int rc = push(&t->final, r.family, r.lo, r.hi);
			if (rc)
				return sk_err_set(err, rc, "targets");
		}
	}
	t->before = calloc(t->final.n + 1, sizeof *t->before);
	if (!t->before)
		return sk_err_set(err, -ENOMEM, "targets");
	uint64_t total = 0;
	for (size_t i = 0; i < t->final.n; i++) {
		t->before[i] = total;
		u128 size = t->final.r[i].hi - t->final.r[i].lo;
		if (size >= SK_TARGETS_HARD_MAX || total + (uint64_t)size + 1 > SK_TARGETS_HARD_MAX)
			return sk_err_set(err, SK_ETOOMANY,
					  "more than 2^32 addresses (a scan this big cannot finish)");
		total += (uint64_t)size + 1;
	}
	t->before[t->final.n] = total;
	t->count = total;
	t->finished = true;
	if (total == 0)
		return sk_err_set(err, SK_ENOTARGETS, "targets");
	if (total > max)
		return sk_err_set(
		    err, SK_ETOOMANY, "%llu addresses, more than %llu",
		    (unsigned long long)total, (unsigned long long)max);
	return 0;
}

uint64_t sk_targets_count(const struct sk_targets *t)
{
	return t->count;
}

void sk_targets_get(const struct sk_targets *t, uint64_t index, struct sk_ip *out)
{
	/* Binary search for the last range starting at or before index. */
	size_t lo = 0, hi = t->final.n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->before[mid] <= index)
			lo = mid;
		else
			hi = mid;
	}
	const struct range *r = &t->final.r[lo];
	sk__u128_to_ip(r->family, r->lo + (index - t->before[lo]), out);
}

void sk_targets_each_range(const struct sk_targets *t,
			   void (*fn)(const struct sk_ip *, const struct sk_ip *, void *),
			   void *ctx)
{
	for (size_t i = 0; i < t->final.n; i++) {
		struct sk_ip a, b;
		sk__u128_to_ip(t->final.r[i].family, t->final.r[i].lo, &a);
		sk__u128_to_ip(t->final.r[i].family, t->final.r[i].hi, &b);
		fn(&a, &b, ctx);
	}
}

int sk_targets_find(const struct sk_targets *t, const struct sk_ip *ip, uint64_t *index)
{
	if (ip->family != AF_INET && ip->family != AF_INET6)
		return -ENOENT;
	struct range key = { ip->family, sk__u128_from_ip(ip), sk__u128_from_ip(ip) };
	/* The last range that starts at or before the address. */
	size_t lo = 0, hi = t->final.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct range *r = &t->final.r[mid];
		bool before = r->family != key.family ? r->family == AF_INET
						      : r->lo <= key.lo;
		if (before)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -ENOENT;
	const struct range *r = &t->final.r[lo - 1];
	if (r->family != key.family || key.lo > r->hi)
		return -ENOENT;
	*index = t->before[lo - 1] + (uint64_t)(key.lo - r->lo);
	return 0;
}
