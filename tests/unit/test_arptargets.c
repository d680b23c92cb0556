/* sk_arpscan_targets_add: the addresses an ARP sweep asks for. */
#include <criterion/criterion.h>
#include <string.h>

#include "sockit/arpscan.h"
#include "sockit/error.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

Test(arptargets, table)
{
	static const struct {
		const char *text;
		int rc;
		size_t n;
		uint32_t first, last;
	} cases[] = {
		{ "198.18.0.7", 0, 1, IP(198, 18, 0, 7), IP(198, 18, 0, 7) },
		{ "198.18.0.0/24", 0, 254, IP(198, 18, 0, 1), IP(198, 18, 0, 254) },
		{ "198.18.0.0/31", 0, 2, IP(198, 18, 0, 0), IP(198, 18, 0, 1) },
		{ "198.18.0.1-20", 0, 20, IP(198, 18, 0, 1), IP(198, 18, 0, 20) },
		{ "198.18.0.250-198.18.1.4", 0, 11, IP(198, 18, 0, 250), IP(198, 18, 1, 4) },
		{ "198.18.0.0/16", 0, 65534, IP(198, 18, 0, 1), IP(198, 18, 255, 254) },
		{ "198.18.0.0/15", SK_ETOOMANY, 0, 0, 0 },
		{ "198.18.0.9-3", SK_EBADADDR, 0, 0, 0 },
		{ "198.18.0.1-300", SK_EBADADDR, 0, 0, 0 },
		{ "198.18.0.1-", SK_EBADADDR, 0, 0, 0 },
		{ "x-1", SK_EBADADDR, 0, 0, 0 },
		{ "2001:db8::/120", SK_EBADADDR, 0, 0, 0 },
		{ "not an address", SK_EBADADDR, 0, 0, 0 },
	};
	static uint32_t v[65536];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = 0;
		char err[SK_ERRLEN] = "";
		int rc = sk_arpscan_targets_add(cases[i].text, v, &n, 65536, err);
		cr_expect_eq(rc, cases[i].rc, "%s: %d %s", cases[i].text, rc, err);
		cr_expect_eq(n, cases[i].n, "%s: %zu", cases[i].text, n);
		if (rc) {
			cr_expect(err[0], "%s: no message", cases[i].text);
			continue;
		}
		cr_expect_eq(v[0], cases[i].first, "%s", cases[i].text);
		cr_expect_eq(v[n - 1], cases[i].last, "%s", cases[i].text);
	}
}

Test(arptargets, the_bound_counts_what_is_there_already)
{
	uint32_t v[10];
	size_t n = 0;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_arpscan_targets_add("10.0.0.1-8", v, &n, 10, err), 0);
	cr_expect_eq(sk_arpscan_targets_add("10.0.1.1-3", v, &n, 10, err), SK_ETOOMANY);
	cr_expect_eq(n, 8, "nothing is added when it does not fit");
	cr_expect_eq(sk_arpscan_targets_add("10.0.1.1-2", v, &n, 10, err), 0);
	cr_expect_eq(n, 10);
	cr_expect_eq(v[9], IP(10, 0, 1, 2));
}
