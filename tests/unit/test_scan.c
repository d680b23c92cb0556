#include <criterion/criterion.h>
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/scan.h"
#include "sockit/siphash.h"

/* ---- siphash ---- */

Test(siphash, reference_vectors)
{
	uint8_t key[16], in[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		in[i] = (uint8_t)i;
	/* From the SipHash paper's reference implementation (vectors.h). */
	cr_expect_eq(sk_siphash24(key, in, 0), 0x726fdb47dd0e0e31ULL);
	cr_expect_eq(sk_siphash24(key, in, 15), 0xa129ca6149be45e5ULL);
	cr_expect_eq(sk_siphash24(key, in, 8), 0x93f5f5799a932462ULL);
}

/* ---- targets ---- */

static struct sk_targets *targets_of(const char *const *specs, const char *const *excl,
				     int flags, uint64_t max, int *rc, char *err)
{
	struct sk_targets *t;
	cr_assert_eq(sk_targets_new(&t), 0);
	*rc = 0;
	for (; specs && *specs && !*rc; specs++)
		*rc = sk_targets_add(t, *specs, flags, err);
	for (; excl && *excl && !*rc; excl++)
		*rc = sk_targets_exclude(t, *excl, flags, err);
	if (!*rc)
		*rc = sk_targets_finish(t, max, err);
	return t;
}

static void expect_addr(const struct sk_targets *t, uint64_t i, const char *want)
{
	struct sk_ip ip;
	char s[SK_IPSTRLEN];
	sk_targets_get(t, i, &ip);
	sk_ip_format(&ip, s);
	cr_expect_str_eq(s, want, "index %llu", (unsigned long long)i);
}

struct tcase {
	const char *specs[4];
	const char *excl[4];
	uint64_t count;
	const char *first, *last;
};

Test(targets, forms_and_counts)
{
	static const struct tcase cases[] = {
		{ { "198.18.0.1" }, { NULL }, 1, "198.18.0.1", "198.18.0.1" },
		{ { "198.18.0.0/24" }, { NULL }, 256, "198.18.0.0", "198.18.0.255" },
		{ { "198.18.0.77/30" }, { NULL }, 4, "198.18.0.76", "198.18.0.79" },
		{ { "198.18.0.1-20" }, { NULL }, 20, "198.18.0.1", "198.18.0.20" },
		{ { "198.18.0.1-198.18.1.5" }, { NULL }, 261, "198.18.0.1", "198.18.1.5" },
		{ { "::1" }, { NULL }, 1, "::1", "::1" },
		{ { "2001:db8::/120" }, { NULL }, 256, "2001:db8::", "2001:db8::ff" },
		{ { "2001:db8::1-2001:db8::3" }, { NULL }, 3, "2001:db8::1", "2001:db8::3" },
		/* overlaps and duplicates merge */
		{ { "198.18.0.0/24", "198.18.0.10", "198.18.0.200-198.18.1.1" }, { NULL },
		  258, "198.18.0.0", "198.18.1.1" },
		/* IPv4 sorts before IPv6 */
		{ { "::1", "127.0.0.1" }, { NULL }, 2, "127.0.0.1", "::1" },
		/* exclusions: middle, edges, whole sub-blocks */
		{ { "198.18.0.0/24" }, { "198.18.0.0", "198.18.0.255" }, 254, "198.18.0.1",
		  "198.18.0.254" },
		{ { "198.18.0.0/24" }, { "198.18.0.128/25" }, 128, "198.18.0.0", "198.18.0.127" },
		{ { "198.18.0.0/24", "198.18.2.0/24" }, { "198.18.0.100-198.18.2.9" }, 100 + 246,
		  "198.18.0.0", "198.18.2.255" },
		{ { "198.18.0.1-10" }, { "::1", "198.18.0.5" }, 9, "198.18.0.1", "198.18.0.10" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char err[SK_ERRLEN] = "";
		int rc;
		struct sk_targets *t = targets_of(cases[i].specs, cases[i].excl,
						  SK_TARGETS_NORESOLVE, SK_TARGETS_DEFAULT_MAX,
						  &rc, err);
		cr_assert_eq(rc, 0, "case %zu: %s", i, err);
		cr_expect_eq(sk_targets_count(t), cases[i].count, "case %zu", i);
		expect_addr(t, 0, cases[i].first);
		expect_addr(t, cases[i].count - 1, cases[i].last);
		sk_targets_free(t);
	}
}

Test(targets, exclusion_leaves_exact_set)
{
	const char *specs[] = { "198.18.0.0/28", NULL };
	const char *excl[] = { "198.18.0.3", "198.18.0.8-9", NULL };
	char err[SK_ERRLEN];
	int rc;
	struct sk_targets *t = targets_of(specs, excl, SK_TARGETS_NORESOLVE, 1000, &rc, err);
	cr_assert_eq(rc, 0, "%s", err);
	static const char *want[] = { "198.18.0.0", "198.18.0.1", "198.18.0.2", "198.18.0.4",
				      "198.18.0.5", "198.18.0.6", "198.18.0.7", "198.18.0.10",
				      "198.18.0.11", "198.18.0.12", "198.18.0.13", "198.18.0.14",
				      "198.18.0.15" };
	cr_assert_eq(sk_targets_count(t), 13);
	for (int i = 0; i < 13; i++)
		expect_addr(t, (uint64_t)i, want[i]);
	sk_targets_free(t);
}

Test(targets, errors)
{
	static const struct {
		const char *spec;
		int flags, code;
		const char *needle;
	} cases[] = {
		{ "", 0, SK_EBADTARGET, "empty" },
		{ "198.18.0.1/33", 0, SK_EBADTARGET, "198.18.0.1/33" },
		{ "198.18.0.9-3", 0, SK_EBADTARGET, "below" },
		{ "198.18.0.9-256", 0, SK_EBADTARGET, "above 255" },
		{ "198.18.0.9-198.18.0.1", 0, SK_EBADTARGET, "below" },
		{ "198.18.0.1-::1", 0, SK_EBADTARGET, "two families" },
		{ "198.18.0.1-x", 0, SK_EBADTARGET, "expected" },
		{ "::1", SK_TARGETS_V4, SK_ENOFAMILY, "::1" },
		{ "127.0.0.1", SK_TARGETS_V6, SK_ENOFAMILY, "127.0.0.1" },
		{ "bad host!", 0, SK_EBADTARGET, "expected an address" },
		{ "12345", 0, SK_EBADTARGET, "expected an address" },
		/* Malformed addresses are not names to resolve. */
		{ "198.19.7.256", 0, SK_EBADTARGET, "not an IPv4 address" },
		{ "198.19.7", 0, SK_EBADTARGET, "not an IPv4 address" },
		{ "1.2.3.4.5", 0, SK_EBADTARGET, "not an IPv4 address" },
		{ "localhost", SK_TARGETS_NORESOLVE, SK_EBADTARGET,
		  "names need DNS" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct sk_targets *t;
		char err[SK_ERRLEN] = "";
		sk_targets_new(&t);
		int rc = sk_targets_add(t, cases[i].spec, cases[i].flags, err);
		cr_expect_eq(rc, cases[i].code, "case %zu (%s): %d %s", i, cases[i].spec, rc, err);
		cr_expect(strstr(err, cases[i].needle), "case %zu: %s", i, err);
		sk_targets_free(t);
	}
}

Test(targets, size_limits)
{
	const char *big[] = { "10.0.0.0/7", NULL };
	char err[SK_ERRLEN];
	int rc;
	struct sk_targets *t = targets_of(big, NULL, SK_TARGETS_NORESOLVE,
					  SK_TARGETS_DEFAULT_MAX, &rc, err);
	cr_expect_eq(rc, SK_ETOOMANY);
	cr_expect(strstr(err, "33554432 addresses, more than"), "%s", err);
	sk_targets_free(t);
	t = targets_of(big, NULL, SK_TARGETS_NORESOLVE, SK_TARGETS_HARD_MAX, &rc, err);
	cr_expect_eq(rc, 0, "%s", err);
	cr_expect_eq(sk_targets_count(t), 1ULL << 25);
	sk_targets_free(t);
	const char *v6[] = { "2001:db8::/64", NULL };
	t = targets_of(v6, NULL, SK_TARGETS_NORESOLVE, SK_TARGETS_HARD_MAX, &rc, err);
	cr_expect_eq(rc, SK_ETOOMANY);
	sk_targets_free(t);
	const char *all[] = { "198.18.0.1", NULL };
	const char *excl[] = { "198.18.0.0/24", NULL };
	t = targets_of(all, excl, SK_TARGETS_NORESOLVE, 100, &rc, err);
	cr_expect_eq(rc, SK_ENOTARGETS);
	sk_targets_free(t);
}

Test(targets, names_resolve_with_family)
{
	const char *specs[] = { "localhost", NULL };
	char err[SK_ERRLEN];
	int rc;
	struct sk_targets *t = targets_of(specs, NULL, SK_TARGETS_V4, 100, &rc, err);
	cr_assert_eq(rc, 0, "%s", err);
	expect_addr(t, 0, "127.0.0.1");
	sk_targets_free(t);
}

Test(targets, file_with_comments)
{
	char path[] = "/tmp/sk-targets-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	const char text[] = "# lab\n198.18.0.1, 198.18.0.2\n\n198.18.0.10-12 # three\n";
	cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)sizeof text - 1);
	close(fd);
	struct sk_targets *t;
	char err[SK_ERRLEN];
	sk_targets_new(&t);
	cr_assert_eq(sk_targets_add_file(t, path, false, SK_TARGETS_NORESOLVE, err), 0, "%s", err);
	cr_assert_eq(sk_targets_finish(t, 100, err), 0);
	cr_expect_eq(sk_targets_count(t), 5);
	sk_targets_free(t);
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_eq(write(fd, "198.18.0.1\nnope!\n", 17), 17);
	close(fd);
	sk_targets_new(&t);
	cr_expect_eq(sk_targets_add_file(t, path, false, SK_TARGETS_NORESOLVE, err),
		     SK_EBADTARGET);
	cr_expect(strstr(err, ":2: "), "%s", err);
	sk_targets_free(t);
	/* NUL bytes (fgets would read /dev/zero as endless empty lines). */
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_eq(write(fd, "198.18.0.1\n\0\0\n", 14), 14);
	close(fd);
	sk_targets_new(&t);
	cr_expect_eq(sk_targets_add_file(t, path, false, SK_TARGETS_NORESOLVE, err),
		     SK_EBADTARGET);
	cr_expect(strstr(err, ":2: NUL byte"), "%s", err);
	sk_targets_free(t);
	/* A last line without its newline still counts. */
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_eq(write(fd, "198.18.0.1\n198.18.0.9", 21), 21);
	close(fd);
	sk_targets_new(&t);
	cr_assert_eq(sk_targets_add_file(t, path, false, SK_TARGETS_NORESOLVE, err), 0, "%s", err);
	cr_assert_eq(sk_targets_finish(t, 100, err), 0);
	cr_expect_eq(sk_targets_count(t), 2);
	sk_targets_free(t);
	unlink(path);
	/* A directory is a read error with its reason. */
	sk_targets_new(&t);
	cr_expect_eq(sk_targets_add_file(t, "/", false, SK_TARGETS_NORESOLVE, err), -EISDIR);
	sk_targets_free(t);
}

/* ---- ports ---- */

static void ports_of(const char *spec, enum sk_scan_proto dflt, struct sk_ports *p, int want_rc)
{
	char err[SK_ERRLEN] = "";
	memset(p, 0, sizeof *p);
	int rc = sk_ports_parse(p, spec, dflt, err);
	cr_assert_eq(rc, want_rc, "%s: %d %s", spec, rc, err);
	if (!rc)
		cr_assert_eq(sk_ports_finish(p, err), 0);
}

Test(ports, lists_ranges_and_protocols)
{
	struct sk_ports *p = calloc(1, sizeof *p);
	ports_of("22,80,1000-2000", SK_SCAN_TCP, p, 0);
	cr_expect_eq(p->count, 2 + 1001);
	cr_expect_eq(p->list[0], 22u);
	cr_expect_eq(p->list[2], 1000u);
	sk_ports_free(p);
	ports_of("-", SK_SCAN_TCP, p, 0);
	cr_expect_eq(p->count, 65535);
	cr_expect_eq(p->list[0], 1u);
	cr_expect_eq(p->list[65534], 65535u);
	sk_ports_free(p);
	ports_of("-1024", SK_SCAN_TCP, p, 0);
	cr_expect_eq(p->count, 1024);
	sk_ports_free(p);
	ports_of("65000-", SK_SCAN_TCP, p, 0);
	cr_expect_eq(p->count, 536);
	sk_ports_free(p);
	ports_of("T:80,443,U:53,161", SK_SCAN_TCP, p, 0);
	cr_expect_eq(p->count, 4);
	cr_expect_eq(p->list[0], 80u);
	cr_expect_eq(p->list[1], 443u);
	cr_expect_eq(p->list[2], 1u << 16 | 53);
	cr_expect_eq(p->list[3], 1u << 16 | 161);
	sk_ports_free(p);
	ports_of("53", SK_SCAN_UDP, p, 0);
	cr_expect_eq(p->list[0], 1u << 16 | 53);
	sk_ports_free(p);
	ports_of("ssh,http,80", SK_SCAN_TCP, p, 0);
	cr_expect_eq(p->count, 2);
	cr_expect_eq(p->list[0], 22u);
	sk_ports_free(p);
	free(p);
}

Test(ports, errors)
{
	static const struct {
		const char *spec;
		int code;
		const char *needle;
	} cases[] = {
		{ "", SK_EBADPORTS, "empty" },
		{ "80,", SK_EBADPORTS, "trailing comma" },
		{ ",80", SK_EBADPORTS, "empty item" },
		{ "0", SK_EBADPORTS, "port 0" },
		{ "65536", SK_EBADPORTS, "65536" },
		{ "90-80", SK_EBADPORTS, "below its start" },
		{ "nosuchservice", SK_ENOSERVICE, "nosuchservice" },
		{ "1-2-3", SK_EBADPORTS, "2-3" },
		{ "T:", SK_EBADPORTS, "empty item" },
		{ "80;81", SK_EBADPORTS, "80;81" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct sk_ports *p = calloc(1, sizeof *p);
		char err[SK_ERRLEN] = "";
		int rc = sk_ports_parse(p, cases[i].spec, SK_SCAN_TCP, err);
		cr_expect_eq(rc, cases[i].code, "case %zu (%s): %d %s", i, cases[i].spec, rc, err);
		cr_expect(strstr(err, cases[i].needle), "case %zu: %s", i, err);
		free(p);
	}
}

Test(ports, top_lists)
{
	struct sk_ports *p = calloc(1, sizeof *p);
	char err[SK_ERRLEN];
	/* The built-in list when the file is absent. */
	cr_expect_eq(sk_ports_top(p, SK_SCAN_TCP, 100, "/nonexistent"), 100);
	cr_assert_eq(sk_ports_finish(p, err), 0);
	cr_expect_eq(p->count, 100);
	sk_ports_free(p);
	memset(p, 0, sizeof *p);
	cr_expect_eq(sk_ports_top(p, SK_SCAN_TCP, 1000, "/nonexistent"), 100);
	memset(p, 0, sizeof *p);
	/* A small nmap-services file ranks by frequency. */
	char path[] = "/tmp/sk-services-XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "# comment\nhttp\t80/tcp\t0.48\t# web\nssh\t22/tcp\t0.18\n"
			    "snmp\t161/udp\t0.43\nx\t7/tcp\t0.0001\ntelnet\t23/tcp\t0.22\n";
	cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)sizeof text - 1);
	close(fd);
	cr_expect_eq(sk_ports_top(p, SK_SCAN_TCP, 3, path), 3);
	cr_assert_eq(sk_ports_finish(p, err), 0);
	cr_expect_eq(p->count, 3);
	cr_expect_eq(p->list[0], 22u);
	cr_expect_eq(p->list[1], 23u);
	cr_expect_eq(p->list[2], 80u);
	sk_ports_free(p);
	unlink(path);
	free(p);
}

/* ---- permutation and shards ---- */

Test(perm, bijection_exhaustive_small)
{
	uint8_t *seen = malloc(5000);
	for (uint64_t n = 1; n <= 5000; n = n < 70 ? n + 1 : n * 3 / 2) {
		for (uint64_t seed = 0; seed < 3; seed++) {
			struct sk_perm p;
			sk_perm_init(&p, n, seed * 7919);
			memset(seen, 0, n);
			for (uint64_t i = 0; i < n; i++) {
				uint64_t y = sk_perm_at(&p, i);
				cr_assert_lt(y, n, "n=%llu", (unsigned long long)n);
				cr_assert_eq(seen[y], 0, "n=%llu i=%llu", (unsigned long long)n,
					     (unsigned long long)i);
				seen[y] = 1;
			}
		}
	}
	free(seen);
}

Test(perm, bijection_full_port_space_and_sampled_large)
{
	uint64_t n = 65535ULL * 3;
	uint8_t *seen = calloc(n, 1);
	struct sk_perm p;
	sk_perm_init(&p, n, 42);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t y = sk_perm_at(&p, i);
		cr_assert_lt(y, n);
		cr_assert_eq(seen[y], 0);
		seen[y] = 1;
	}
	free(seen);
	/* Large: distinct inputs map into range and to distinct outputs
	 * (a sample; a Feistel network is a bijection by construction). */
	uint64_t big = (1ULL << 40) + 12345;
	sk_perm_init(&p, big, 9);
	uint64_t out[2000];
	for (int i = 0; i < 2000; i++) {
		out[i] = sk_perm_at(&p, (uint64_t)i * 549755813ULL);
		cr_assert_lt(out[i], big);
		for (int j = 0; j < i; j++)
			cr_assert_neq(out[i], out[j]);
	}
}

Test(perm, inverse_undoes_it_and_plan_step_finds_each_shards_step)
{
	static const uint64_t sizes[] = {
		1, 2, 3, 17, 1000, 65535, 1u << 20, 12345678901ULL
	};
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		struct sk_perm p;
		sk_perm_init(&p, sizes[k], 42 + k);
		for (uint64_t i = 0; i < sizes[k] && i < 5000; i++) {
			uint64_t j =
			    sizes[k] > 5000 ? i * (sizes[k] / 5000) : i;
			cr_assert_eq(sk_perm_inverse(&p, sk_perm_at(&p, j)), j,
				     "n %" PRIu64, sizes[k]);
		}
	}
	struct sk_targets *t;
	char err[SK_ERRLEN];
	sk_targets_new(&t);
	sk_targets_add(t, "198.18.0.0/28", SK_TARGETS_NORESOLVE, err);
	sk_targets_finish(t, SK_TARGETS_DEFAULT_MAX, err);
	struct sk_ports ports = { 0 };
	sk_ports_parse(&ports, "1-100", SK_SCAN_TCP, err);
	sk_ports_finish(&ports, err);
	for (uint64_t shard = 0; shard < 3; shard++) {
		struct sk_plan plan;
		cr_assert_eq(sk_plan_init(&plan, t, &ports, 9, shard, 3, err),
			     0);
		uint64_t mine = 0;
		for (uint64_t index = 0; index < plan.total; index++) {
			uint64_t step;
			if (sk_plan_step(&plan, index, &step))
				continue;
			mine++;
			cr_assert_lt(step, plan.steps);
			cr_assert_eq(sk_plan_index(&plan, step), index);
		}
		cr_assert_eq(mine, plan.steps);
		uint64_t step;
		cr_assert_eq(sk_plan_step(&plan, plan.total, &step), -ENOENT);
	}
	sk_ports_free(&ports);
	sk_targets_free(t);
}

Test(perm, seed_changes_order_and_is_reproducible)
{
	struct sk_perm a, b, c;
	sk_perm_init(&a, 1000, 1);
	sk_perm_init(&b, 1000, 1);
	sk_perm_init(&c, 1000, 2);
	int same = 0, identity = 0;
	for (uint64_t i = 0; i < 1000; i++) {
		cr_assert_eq(sk_perm_at(&a, i), sk_perm_at(&b, i));
		same += sk_perm_at(&a, i) == sk_perm_at(&c, i);
		identity += sk_perm_at(&a, i) == i;
	}
	cr_expect_lt(same, 20);
	cr_expect_lt(identity, 20);
}

Test(shard, union_is_whole_and_disjoint_for_n_1_to_8)
{
	struct sk_targets *t;
	char err[SK_ERRLEN];
	sk_targets_new(&t);
	cr_assert_eq(sk_targets_add(t, "198.18.0.0/27", SK_TARGETS_NORESOLVE, err), 0);
	cr_assert_eq(sk_targets_finish(t, 1000, err), 0);
	struct sk_ports *p = calloc(1, sizeof *p);
	cr_assert_eq(sk_ports_parse(p, "1-37", SK_SCAN_TCP, err), 0);
	cr_assert_eq(sk_ports_finish(p, err), 0);
	uint64_t total = 32 * 37;
	uint8_t *seen = malloc(total);
	for (uint64_t n = 1; n <= 8; n++) {
		memset(seen, 0, total);
		uint64_t sum = 0;
		for (uint64_t i = 0; i < n; i++) {
			struct sk_plan plan;
			cr_assert_eq(sk_plan_init(&plan, t, p, 77, i, n, err), 0);
			cr_assert_eq(plan.total, total);
			sum += plan.steps;
			for (uint64_t s = 0; s < plan.steps; s++) {
				uint64_t idx = sk_plan_index(&plan, s);
				cr_assert_lt(idx, total);
				cr_assert_eq(seen[idx], 0, "n=%llu overlap", (unsigned long long)n);
				seen[idx] = 1;
			}
		}
		cr_expect_eq(sum, total);
		for (uint64_t k = 0; k < total; k++)
			cr_assert_eq(seen[k], 1, "n=%llu misses %llu", (unsigned long long)n,
				     (unsigned long long)k);
	}
	/* More shards than probes: the extra shards are empty. */
	struct sk_plan plan;
	cr_assert_eq(sk_plan_init(&plan, t, p, 1, 1200, 1300, err), 0);
	cr_expect_eq(plan.steps, 0);
	/* Each index names one (address, port). */
	cr_assert_eq(sk_plan_init(&plan, t, p, 1, 0, 1, err), 0);
	struct sk_ip ip;
	enum sk_scan_proto proto;
	uint16_t port;
	sk_plan_probe(&plan, 37 * 5 + 3, &ip, &proto, &port);
	cr_expect_eq(ip.bytes[3], 5);
	cr_expect_eq(port, 4);
	cr_expect_eq(proto, SK_SCAN_TCP);
	free(seen);
	sk_ports_free(p);
	free(p);
	sk_targets_free(t);
}

Test(shard, parse)
{
	uint64_t i, n;
	char err[SK_ERRLEN];
	cr_expect_eq(sk_shard_parse("1/1", &i, &n, err), 0);
	cr_expect_eq(i, 0);
	cr_expect_eq(sk_shard_parse("3/8", &i, &n, err), 0);
	cr_expect_eq(i, 2);
	cr_expect_eq(n, 8);
	static const char *bad[] = { "0/4", "5/4", "1/0", "1", "/4", "1/", "a/b", "1/4x", "-1/4" };
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
		cr_expect_eq(sk_shard_parse(bad[k], &i, &n, err), SK_EBADSHARD, "%s", bad[k]);
}

/* ---- checkpoints ---- */

Test(checkpoint, round_trip_and_rejects)
{
	char path[] = "/tmp/sk-ckpt-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	char err[SK_ERRLEN];
	struct sk_checkpoint c = { .fingerprint = 0xdeadbeef12345678ULL,
				   .seed = 99,
				   .shard_index = 2,
				   .shard_count = 5,
				   .phase = 1,
				   .next = 123456 },
			     back;
	cr_assert_eq(sk_checkpoint_write(path, &c, err), 0, "%s", err);
	cr_assert_eq(sk_checkpoint_read(path, &back, err), 0, "%s", err);
	cr_expect_eq(memcmp(&c, &back, sizeof c), 0);
	/* The steps above next reported already come back as they went. */
	struct sk_step_range done[] = { { 123457, 123460 },
					{ 200000, 200000 } };
	c.done = done;
	c.ndone = 2;
	cr_assert_eq(sk_checkpoint_write(path, &c, err), 0, "%s", err);
	cr_assert_eq(sk_checkpoint_read(path, &back, err), 0, "%s", err);
	cr_assert_eq(back.ndone, 2);
	cr_expect_eq(memcmp(back.done, done, sizeof done), 0);
	cr_expect_eq(back.next, 123456);
	sk_checkpoint_free(&back);
	static const char *bad[] = {
		"sockit-scan-checkpoint 1\nfingerprint zz\n",
		/* a range below next, ranges out of order, a reversed range */
		"sockit-scan-checkpoint 1\nfingerprint 01\nseed 1\nshard 1/1\nphase 0\nnext 9\n"
		"done 3-4\n",
		"sockit-scan-checkpoint 1\nfingerprint 01\nseed 1\nshard 1/1\nphase 0\nnext 9\n"
		"done 20-30\ndone 10-12\n",
		"sockit-scan-checkpoint 1\nfingerprint 01\nseed 1\nshard 1/1\nphase 0\nnext 9\n"
		"done 12-10\n",
		"sockit-scan-checkpoint 1\nfingerprint 01\nseed 1\nshard 1/1\nphase 0\nnext 9\n"
		"done 12-14 and more\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		FILE *f = fopen(path, "w");
		fputs(bad[i], f);
		fclose(f);
		cr_expect_eq(sk_checkpoint_read(path, &back, err),
			     SK_EBADCHECKPOINT, "case %zu", i);
	}
	unlink(path);
	cr_expect_eq(sk_checkpoint_read(path, &back, err), -ENOENT);
}

Test(checkpoint, fingerprint_depends_on_targets_ports_and_shard)
{
	char err[SK_ERRLEN];
	struct sk_targets *t1, *t2;
	sk_targets_new(&t1);
	sk_targets_new(&t2);
	sk_targets_add(t1, "198.18.0.0/30", SK_TARGETS_NORESOLVE, err);
	sk_targets_add(t2, "198.18.0.0/29", SK_TARGETS_NORESOLVE, err);
	sk_targets_finish(t1, 100, err);
	sk_targets_finish(t2, 100, err);
	struct sk_ports *p1 = calloc(1, sizeof *p1), *p2 = calloc(1, sizeof *p2);
	sk_ports_parse(p1, "80", SK_SCAN_TCP, err);
	sk_ports_parse(p2, "81", SK_SCAN_TCP, err);
	sk_ports_finish(p1, err);
	sk_ports_finish(p2, err);
	struct sk_plan a, b, c, d;
	sk_plan_init(&a, t1, p1, 1, 0, 1, err);
	sk_plan_init(&b, t2, p1, 1, 0, 1, err);
	sk_plan_init(&c, t1, p2, 1, 0, 1, err);
	sk_plan_init(&d, t1, p1, 1, 0, 2, err);
	uint64_t fa = sk_plan_fingerprint(&a, 0);
	cr_expect_eq(fa, sk_plan_fingerprint(&a, 0));
	cr_expect_neq(fa, sk_plan_fingerprint(&b, 0));
	cr_expect_neq(fa, sk_plan_fingerprint(&c, 0));
	cr_expect_neq(fa, sk_plan_fingerprint(&d, 0));
	cr_expect_neq(fa, sk_plan_fingerprint(&a, 1));
	sk_ports_free(p1);
	sk_ports_free(p2);
	free(p1);
	free(p2);
	sk_targets_free(t1);
	sk_targets_free(t2);
}

/* ---- replies to raw probes ---- */

#include "sockit/packet.h"
#include "sockit/pktbuild.h"

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t ip_us[4] = { 198, 18, 0, 1 }, ip_them[4] = { 198, 18, 0, 2 };

Test(reply, syn_ack_and_every_truncation)
{
	uint8_t f[SK_BUILD_MAX];
	struct sk_l4_build b = { .eth_src = mac_b, .eth_dst = mac_a, .family = 4, .src = ip_them,
				 .dst = ip_us, .sport = 80, .dport = 40000, .seq = 7,
				 .ack = 0x12345679, .flags = SK_TCP_SYN | SK_TCP_ACK, .ttl = 61 };
	int n = sk_build_tcp(f, sizeof f, &b);
	cr_assert_gt(n, 0);
	struct sk_reply r;
	cr_assert_eq(sk_scan_decode_reply(f, (size_t)n, &r), 0);
	cr_expect_eq(r.kind, SK_REPLY_TCP);
	cr_expect_eq(r.sport, 80);
	cr_expect_eq(r.dport, 40000);
	cr_expect_eq(r.ack, 0x12345679u);
	cr_expect_eq(r.flags, SK_TCP_SYN | SK_TCP_ACK);
	cr_expect_eq(r.ttl, 61);
	cr_expect_eq(memcmp(r.from.bytes, ip_them, 4), 0);
	cr_expect_eq(memcmp(r.to.bytes, ip_us, 4), 0);
	for (int k = 0; k < n; k++)
		cr_expect_lt(sk_scan_decode_reply(f, (size_t)k, &r), 0, "prefix %d", k);
}

Test(reply, ipv6_rst)
{
	uint8_t f[SK_BUILD_MAX], a[16] = { 0 }, c[16] = { 0 };
	a[15] = 1;
	c[15] = 2;
	struct sk_l4_build b = { .eth_src = mac_b, .eth_dst = mac_a, .family = 6, .src = c,
				 .dst = a, .sport = 22, .dport = 41000, .ack = 5,
				 .flags = SK_TCP_RST | SK_TCP_ACK };
	int n = sk_build_tcp(f, sizeof f, &b);
	struct sk_reply r;
	cr_assert_eq(sk_scan_decode_reply(f, (size_t)n, &r), 0);
	cr_expect_eq(r.kind, SK_REPLY_TCP);
	cr_expect_eq(r.from.family, AF_INET6);
	cr_expect_eq(r.flags & SK_TCP_RST, SK_TCP_RST);
	for (int k = 0; k < n; k++)
		cr_expect_lt(sk_scan_decode_reply(f, (size_t)k, &r), 0, "prefix %d", k);
}

/* An ICMP port unreachable from them quoting our UDP probe to port 53. */
static size_t icmp_unreach(uint8_t *f, uint8_t code)
{
	uint8_t probe[SK_BUILD_MAX];
	struct sk_l4_build b = { .family = 4, .src = ip_us, .dst = ip_them, .sport = 40000,
				 .dport = 53 };
	int pn = sk_build_udp(probe, sizeof probe, &b);
	cr_assert_eq(pn, 28);
	memcpy(f, mac_a, 6);
	memcpy(f + 6, mac_b, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	sk_put_be16(ip + 2, (uint16_t)(20 + 8 + pn));
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, ip_them, 4);
	memcpy(ip + 16, ip_us, 4);
	sk_put_be16(ip + 10, sk_inet_checksum(ip, 20));
	uint8_t *ic = ip + 20;
	memset(ic, 0, 8);
	ic[0] = 3;
	ic[1] = code;
	memcpy(ic + 8, probe, (size_t)pn);
	sk_put_be16(ic + 2, sk_inet_checksum(ic, 8 + (size_t)pn));
	return 14 + 20 + 8 + (size_t)pn;
}

Test(reply, icmp_unreachable_quotes_the_probe)
{
	uint8_t f[256];
	size_t n = icmp_unreach(f, 3);
	struct sk_reply r;
	cr_assert_eq(sk_scan_decode_reply(f, n, &r), 0);
	cr_expect_eq(r.kind, SK_REPLY_ICMP);
	cr_expect_eq(r.icmp_type, 3);
	cr_expect_eq(r.icmp_code, 3);
	cr_expect_eq(r.probe_proto, SK_IPPROTO_UDP);
	cr_expect_eq(r.sport, 40000);
	cr_expect_eq(r.dport, 53);
	cr_expect_eq(memcmp(r.probe_dst.bytes, ip_them, 4), 0);
	cr_expect_eq(memcmp(r.probe_src.bytes, ip_us, 4), 0);
	/* Every cut before the quoted ports fails; after them it decodes. */
	for (size_t k = 0; k < 14 + 20 + 8 + 20 + 4; k++)
		cr_expect_lt(sk_scan_decode_reply(f, k, &r), 0, "prefix %zu", k);
}

Test(reply, cookie_depends_on_every_field_and_key)
{
	uint8_t k1[16] = { 1 }, k2[16] = { 2 };
	struct sk_ip a, b, c;
	sk_ip_parse("198.18.0.1", &a);
	sk_ip_parse("198.18.0.2", &b);
	sk_ip_parse("198.18.0.3", &c);
	uint32_t base = sk_scan_cookie(k1, &a, &b, 40000, 80);
	cr_expect_eq(base, sk_scan_cookie(k1, &a, &b, 40000, 80));
	cr_expect_neq(base, sk_scan_cookie(k2, &a, &b, 40000, 80));
	cr_expect_neq(base, sk_scan_cookie(k1, &a, &c, 40000, 80));
	cr_expect_neq(base, sk_scan_cookie(k1, &c, &b, 40000, 80));
	cr_expect_neq(base, sk_scan_cookie(k1, &a, &b, 40001, 80));
	cr_expect_neq(base, sk_scan_cookie(k1, &a, &b, 40000, 81));
}

Test(targets, find_is_the_inverse_of_get)
{
	struct sk_targets *t;
	char err[SK_ERRLEN];
	sk_targets_new(&t);
	sk_targets_add(t, "198.18.0.0/28", SK_TARGETS_NORESOLVE, err);
	sk_targets_add(t, "198.18.5.7", SK_TARGETS_NORESOLVE, err);
	sk_targets_add(t, "2001:db8::/126", SK_TARGETS_NORESOLVE, err);
	sk_targets_exclude(t, "198.18.0.4", SK_TARGETS_NORESOLVE, err);
	cr_assert_eq(sk_targets_finish(t, 100, err), 0);
	for (uint64_t i = 0; i < sk_targets_count(t); i++) {
		struct sk_ip ip;
		uint64_t back;
		sk_targets_get(t, i, &ip);
		cr_assert_eq(sk_targets_find(t, &ip, &back), 0);
		cr_expect_eq(back, i);
	}
	static const char *absent[] = { "198.18.0.4", "198.18.0.16", "198.18.5.6", "198.18.5.8",
					"10.0.0.1", "2001:db8::4", "::1" };
	for (size_t k = 0; k < sizeof absent / sizeof *absent; k++) {
		struct sk_ip ip;
		uint64_t back;
		sk_ip_parse(absent[k], &ip);
		cr_expect_eq(sk_targets_find(t, &ip, &back), -ENOENT, "%s", absent[k]);
	}
	sk_targets_free(t);
}

Test(payloads, known_ports_carry_requests)
{
	const uint8_t *p;
	size_t n;
	sk_udp_payload(53, &p, &n);
	cr_expect_eq(n, 17);
	sk_udp_payload(123, &p, &n);
	cr_expect_eq(n, 48);
	cr_expect_eq(p[0], 0xe3);
	sk_udp_payload(161, &p, &n);
	cr_expect_eq(n, 43);
	cr_expect_eq(p[1] + 2u, n);
	sk_udp_payload(9999, &p, &n);
	cr_expect_eq(n, 0);
}

Test(ports, for_scan_gives_unprefixed_ports_to_every_protocol_scanned)
{
	struct sk_ports *tcp = calloc(1, sizeof *tcp), *udp = calloc(1, sizeof *udp);
	char err[SK_ERRLEN] = "";
	int unscanned = -1;
	cr_assert_eq(sk_ports_for_scan("22,U:53", 0, tcp, udp, &unscanned, err), 0, "%s", err);
	cr_expect_eq(tcp->count, 1);
	cr_expect_eq(tcp->list[0], 22);
	cr_expect_eq(udp->count, 2); /* 22 unprefixed: UDP too */
	cr_expect_eq(udp->list[1], 1u << 16 | 53);
	sk_ports_free(tcp);
	sk_ports_free(udp);
	memset(tcp, 0, sizeof *tcp);
	memset(udp, 0, sizeof *udp);
	cr_assert_eq(sk_ports_for_scan("7", 0, tcp, udp, &unscanned, err), 0, "%s", err);
	cr_expect_eq(tcp->count, 1);
	cr_expect_eq(udp->count, 1);
	sk_ports_free(tcp);
	sk_ports_free(udp);
	memset(tcp, 0, sizeof *tcp);
	cr_expect_eq(sk_ports_for_scan("T:80,U:53", 0, tcp, NULL, &unscanned, err), SK_EBADPORTS);
	cr_expect_eq(unscanned, SK_SCAN_UDP);
	unscanned = -1;
	memset(udp, 0, sizeof *udp);
	cr_expect_eq(sk_ports_for_scan("T:80", 0, NULL, udp, &unscanned, err), SK_EBADPORTS);
	cr_expect_eq(unscanned, SK_SCAN_TCP);
	unscanned = -1;
	memset(tcp, 0, sizeof *tcp);
	cr_expect_eq(sk_ports_for_scan("0", 0, tcp, NULL, &unscanned, err), SK_EBADPORTS);
	cr_expect_eq(unscanned, -1, "a bad spec is no unscanned protocol");
	memset(tcp, 0, sizeof *tcp);
	cr_assert_eq(sk_ports_for_scan(NULL, 5, tcp, NULL, &unscanned, err), 0, "%s", err);
	cr_expect_eq(tcp->count, 5);
	sk_ports_free(tcp);
	free(tcp);
	free(udp);
}

Test(targets, exclude_takes_a_comma_separated_list)
{
	char err[SK_ERRLEN] = "";
	int rc;
	struct sk_targets *t = targets_of((const char *const[]){ "198.18.0.0/29", NULL },
					  (const char *const[]){ "198.18.0.0,,198.18.0.6-7,", NULL },
					  SK_TARGETS_NORESOLVE, SK_TARGETS_HARD_MAX, &rc, err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_expect_eq(sk_targets_count(t), 5);
	expect_addr(t, 0, "198.18.0.1");
	expect_addr(t, 4, "198.18.0.5");
	sk_targets_free(t);
	t = targets_of((const char *const[]){ "198.18.0.0/29", NULL },
		       (const char *const[]){ "198.18.0.1,not@valid", NULL }, SK_TARGETS_NORESOLVE,
		       SK_TARGETS_HARD_MAX, &rc, err);
	cr_expect_eq(rc, SK_EBADTARGET);
	cr_expect(strstr(err, "not@valid"), "%s", err);
	sk_targets_free(t);
}
