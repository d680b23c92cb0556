/* sk_scan_hosts: results gathered per host, counted per state and
 * protocol, the rows worth showing kept and sorted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sockit/scan.h"

static struct sk_scan_result result(const char *ip, uint16_t port, enum sk_scan_proto proto,
				    enum sk_port_state state, const char *reason)
{
	struct sk_scan_result r = { .port = port, .proto = proto, .state = state,
				    .reason = reason, .rtt_us = 100, .ttl = 64 };
	cr_assert_eq(sk_ip_parse(ip, &r.ip), 0);
	return r;
}

Test(scan_hosts, counts_keeps_and_sorts)
{
	struct sk_scan_hosts *h;
	cr_assert_eq(sk_scan_hosts_new(2, &h), 0);
	/* Out of order, two hosts of two families, both protocols. */
	static const char *const ips[] = { "198.18.0.2", "::1", "198.18.0.1" };
	for (int i = 0; i < 3; i++) {
		for (uint16_t p = 10; p > 0; p--) {
			struct sk_scan_result r = result(ips[i], p, SK_SCAN_TCP,
							 SK_STATE_CLOSED, "rst");
			cr_assert_eq(sk_scan_hosts_add(h, &r), 0);
		}
		struct sk_scan_result o = result(ips[i], 80, SK_SCAN_TCP, SK_STATE_OPEN, "syn-ack");
		struct sk_scan_result u = result(ips[i], 53, SK_SCAN_UDP, SK_STATE_OPEN, "udp-response");
		u.banner = (const uint8_t *)"hi";
		u.banner_len = 2;
		cr_assert_eq(sk_scan_hosts_add(h, &o), 0);
		cr_assert_eq(sk_scan_hosts_add(h, &u), 0);
	}
	cr_expect_eq(sk_scan_hosts_count(h), 3);
	struct sk_scan_host *v;
	size_t n = sk_scan_hosts_sorted(h, &v);
	cr_assert_eq(n, 3);
	char a[SK_IPSTRLEN];
	sk_ip_format(&v[0].ip, a);
	cr_expect_str_eq(a, "198.18.0.1");
	sk_ip_format(&v[1].ip, a);
	cr_expect_str_eq(a, "198.18.0.2");
	cr_expect_eq(v[2].ip.family, AF_INET6);
	for (size_t i = 0; i < n; i++) {
		const struct sk_scan_host *x = &v[i];
		cr_expect_eq(x->count[SK_STATE_CLOSED][SK_SCAN_TCP], 10);
		cr_expect_eq(x->count[SK_STATE_OPEN][SK_SCAN_TCP], 1);
		cr_expect_eq(x->count[SK_STATE_OPEN][SK_SCAN_UDP], 1);
		cr_expect_str_eq(x->reason[SK_STATE_CLOSED], "rst");
		/* keep 2: three closed rows (one more than shown), both open. */
		cr_assert_eq(x->n, 5);
		cr_expect_eq(x->rows[0].port, 8);
		cr_expect_eq(x->rows[1].port, 9);
		cr_expect_eq(x->rows[2].port, 10);
		cr_expect_eq(x->rows[3].port, 80);
		cr_expect_eq(x->rows[4].proto, SK_SCAN_UDP);
		cr_expect_eq(x->rows[4].banner_len, 2);
		cr_expect_eq(memcmp(x->rows[4].banner, "hi", 2), 0);
		cr_expect_null(x->rows[3].banner);
	}
	sk_scan_hosts_free(h);
}

Test(scan_hosts, many_hosts_grow_the_table)
{
	struct sk_scan_hosts *h;
	cr_assert_eq(sk_scan_hosts_new(0, &h), 0);
	for (unsigned i = 0; i < 1000; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.0.%u.%u", i / 256, i % 256);
		struct sk_scan_result r = result(ip, 22, SK_SCAN_TCP, SK_STATE_OPEN, "syn-ack");
		cr_assert_eq(sk_scan_hosts_add(h, &r), 0);
		cr_assert_eq(sk_scan_hosts_add(h, &r), 0);
	}
	cr_expect_eq(sk_scan_hosts_count(h), 1000);
	struct sk_scan_host *v;
	cr_assert_eq(sk_scan_hosts_sorted(h, &v), 1000);
	for (unsigned i = 0; i < 1000; i++) {
		cr_expect_eq(v[i].ip.bytes[2], i / 256);
		cr_expect_eq(v[i].ip.bytes[3], i % 256);
		cr_expect_eq(v[i].n, 2);
	}
	sk_scan_hosts_free(h);
	sk_scan_hosts_free(NULL);
}
