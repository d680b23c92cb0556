/* The small helpers of lib/core that every module shares: the monotonic
 * clock, growable arrays, addresses as 128-bit integers, and the unmapping
 * of IPv4-mapped socket addresses. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ipint.h"
#include "sockit/array.h"
#include "sockit/cidr.h"
#include "sockit/clock.h"
#include "sockit/endpoint.h"

Test(clock, monotonic_and_units_agree)
{
	uint64_t a = sk_clock_ns(), ms = sk_clock_ms(), b = sk_clock_ns();
	cr_assert_geq(b, a);
	cr_assert_geq(ms, a / 1000000u);
	cr_assert_leq(ms, b / 1000000u);
	uint64_t prev = sk_clock_ns();
	for (int i = 0; i < 10000; i++) {
		uint64_t now = sk_clock_ns();
		cr_assert_geq(now, prev);
		prev = now;
	}
}

Test(array, grows_keeps_elements_and_doubles)
{
	uint32_t *v = NULL;
	size_t cap = 0, grows = 0;
	for (size_t n = 0; n < 100000; n++) {
		size_t before = cap;
		cr_assert_eq(sk_array_grow(&v, &cap, n + 1, sizeof *v), 0);
		cr_assert_geq(cap, n + 1);
		if (cap != before) {
			grows++;
			cr_assert(before == 0 ? cap == 16 : cap == 2 * before);
		}
		v[n] = (uint32_t)n * 7u;
	}
	for (size_t n = 0; n < 100000; n++)
		cr_assert_eq(v[n], (uint32_t)n * 7u);
	cr_assert_leq(grows, 14); /* 16 << 13 > 100000 */
	/* Enough room already: nothing changes. */
	uint32_t *same = v;
	cr_assert_eq(sk_array_grow(&v, &cap, 5, sizeof *v), 0);
	cr_assert_eq(v, same);
	free(v);
}

Test(array, overflow_is_refused_and_leaves_the_array)
{
	uint64_t *v = NULL;
	size_t cap = 0;
	cr_assert_eq(sk_array_grow(&v, &cap, 3, sizeof *v), 0);
	v[0] = 42;
	uint64_t *keep = v;
	cr_assert_eq(sk_array_grow(&v, &cap, SIZE_MAX / 4, sizeof *v), -ENOMEM);
	cr_assert_eq(sk_array_grow(&v, &cap, SIZE_MAX, 1), -ENOMEM);
	cr_assert_eq(v, keep);
	cr_assert_eq(cap, 16);
	cr_assert_eq(v[0], 42);
	free(v);
}

Test(ipint, round_trips_and_orders)
{
	static const char *addrs[] = { "0.0.0.0", "198.18.0.1", "255.255.255.255", "::",
				       "::1", "2001:db8::ff00:42:8329",
				       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };
	for (size_t i = 0; i < sizeof addrs / sizeof *addrs; i++) {
		struct sk_ip ip, back;
		cr_assert_eq(sk_ip_parse(addrs[i], &ip), 0);
		sk__u128 v = sk__u128_from_ip(&ip);
		cr_assert(v == sk__u128_from_bytes(ip.family, ip.bytes));
		sk__u128_to_ip(ip.family, v, &back);
		cr_assert_eq(memcmp(&ip, &back, sizeof ip), 0, "%s", addrs[i]);
	}
	struct sk_ip a, b;
	sk_ip_parse("198.18.0.255", &a);
	sk__u128_to_ip(AF_INET, sk__u128_from_ip(&a) + 1, &b);
	char text[SK_IPSTRLEN];
	sk_ip_format(&b, text);
	cr_assert_str_eq(text, "198.18.1.0");
	cr_assert(sk__u128_from_ip(&a) == 0xc61200ffu);
	sk_ip_parse("::1:0", &a);
	cr_assert(sk__u128_from_ip(&a) == 0x10000u);
}

Test(sockaddr, unmap_v4_mapped_only)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(5400);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6->sin6_addr);
	cr_assert_eq(sk_sockaddr_unmap(&ss, sizeof *s6), sizeof(struct sockaddr_in));
	char text[SK_ADDRSTRLEN];
	sk_sockaddr_format((struct sockaddr *)&ss, true, text, sizeof text);
	cr_assert_str_eq(text, "127.0.0.1:5400");

	/* A real IPv6 address and an IPv4 one are left as they were. */
	memset(&ss, 0, sizeof ss);
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(1);
	inet_pton(AF_INET6, "::1", &s6->sin6_addr);
	struct sockaddr_storage copy = ss;
	cr_assert_eq(sk_sockaddr_unmap(&ss, sizeof *s6), sizeof *s6);
	cr_assert_eq(memcmp(&ss, &copy, sizeof ss), 0);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	memset(&ss, 0, sizeof ss);
	s4->sin_family = AF_INET;
	s4->sin_port = htons(2);
	copy = ss;
	cr_assert_eq(sk_sockaddr_unmap(&ss, sizeof *s4), sizeof *s4);
	cr_assert_eq(memcmp(&ss, &copy, sizeof ss), 0);
}
