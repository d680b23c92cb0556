#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "sockit/cidr.h"
#include "sockit/error.h"

static const char *fmt(const struct sk_ip *ip)
{
	static char buf[4][SK_IPSTRLEN];
	static int k;
	k = (k + 1) % 4;
	sk_ip_format(ip, buf[k]);
	return buf[k];
}

struct block {
	const char *text, *mask;
	unsigned prefix;
	const char *network, *netmask, *wildcard, *last, *first_host, *last_host,
		*hosts;
	bool canonical;
};

static const struct block blocks[] = {
	{ "192.168.36.235/24", NULL, 24, "192.168.36.0", "255.255.255.0", "0.0.0.255",
	  "192.168.36.255", "192.168.36.1", "192.168.36.254", "254", false },
	{ "10.1.2.3", "255.255.240.0", 20, "10.1.0.0", "255.255.240.0", "0.0.15.255",
	  "10.1.15.255", "10.1.0.1", "10.1.15.254", "4094", false },
	{ "10.1.2.3 255.255.240.0", NULL, 20, "10.1.0.0", "255.255.240.0", "0.0.15.255",
	  "10.1.15.255", "10.1.0.1", "10.1.15.254", "4094", false },
	{ "10.0.0.0/255.0.0.0", NULL, 8, "10.0.0.0", "255.0.0.0", "0.255.255.255",
	  "10.255.255.255", "10.0.0.1", "10.255.255.254", "16777214", true },
	{ "198.18.0.4/31", NULL, 31, "198.18.0.4", "255.255.255.254", "0.0.0.1",
	  "198.18.0.5", "198.18.0.4", "198.18.0.5", "2", true },
	{ "198.18.0.4/32", NULL, 32, "198.18.0.4", "255.255.255.255", "0.0.0.0",
	  "198.18.0.4", "198.18.0.4", "198.18.0.4", "1", true },
	{ "127.0.0.1", NULL, 32, "127.0.0.1", "255.255.255.255", "0.0.0.0",
	  "127.0.0.1", "127.0.0.1", "127.0.0.1", "1", true },
	{ "0.0.0.0/0", NULL, 0, "0.0.0.0", "0.0.0.0", "255.255.255.255",
	  "255.255.255.255", "0.0.0.1", "255.255.255.254", "4294967294", true },
	{ "2001:db8::1/64", NULL, 64, "2001:db8::", "ffff:ffff:ffff:ffff::",
	  "::ffff:ffff:ffff:ffff", "2001:db8::ffff:ffff:ffff:ffff", "2001:db8::1",
	  "2001:db8::ffff:ffff:ffff:ffff", "18446744073709551615", false },
	{ "::/0", NULL, 0, "::", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::1",
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  "340282366920938463463374607431768211455", true },
	{ "2001:db8::/127", NULL, 127, "2001:db8::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
	  "::1", "2001:db8::1", "2001:db8::", "2001:db8::1", "2", true },
	{ "::1", NULL, 128, "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::", "::1",
	  "::1", "::1", "1", true },
	{ "fe80::1/10", "", 10, "fe80::", "ffc0::", "3f:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::1",
	  "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  "332306998946228968225951765070086143", false },
};

Test(cidr, block_arithmetic)
{
	for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++) {
		const struct block *b = &blocks[i];
		struct sk_cidr c;
		char err[SK_ERRLEN] = "";
		const char *mask = b->mask && *b->mask ? b->mask : NULL;
		cr_assert_eq(sk_cidr_parse(b->text, mask, &c, err), 0, "%s: %s", b->text, err);
		cr_expect_eq(c.prefix, b->prefix, "%s", b->text);
		struct sk_ip ip;
		sk_cidr_network(&c, &ip);
		cr_expect_str_eq(fmt(&ip), b->network, "%s network", b->text);
		sk_cidr_netmask(&c, &ip);
		cr_expect_str_eq(fmt(&ip), b->netmask, "%s netmask", b->text);
		sk_cidr_wildcard(&c, &ip);
		cr_expect_str_eq(fmt(&ip), b->wildcard, "%s wildcard", b->text);
		sk_cidr_last(&c, &ip);
		cr_expect_str_eq(fmt(&ip), b->last, "%s last", b->text);
		sk_cidr_first_host(&c, &ip);
		cr_expect_str_eq(fmt(&ip), b->first_host, "%s first host", b->text);
		sk_cidr_last_host(&c, &ip);
		cr_expect_str_eq(fmt(&ip), b->last_host, "%s last host", b->text);
		char hosts[SK_COUNTSTRLEN];
		sk_cidr_hosts(&c, hosts);
		cr_expect_str_eq(hosts, b->hosts, "%s hosts", b->text);
		cr_expect_eq(sk_cidr_is_canonical(&c), b->canonical, "%s", b->text);
	}
}

struct bad {
	const char *text, *mask;
	int code;
	const char *needle;
};

static const struct bad bads[] = {
	{ "1.2.3.4/33", NULL, SK_EBADPREFIX, "0-32" },
	{ "::/129", NULL, SK_EBADPREFIX, "0-128" },
	{ "1.2.3.4/", NULL, SK_EBADPREFIX, "empty" },
	{ "1.2.3.4/-1", NULL, SK_EBADPREFIX, "-1" },
	{ "1.2.3.4/2x", NULL, SK_EBADPREFIX, "2x" },
	{ "1.2.3.4/0024", NULL, SK_EBADPREFIX, "0024" },
	{ "1.2.3/24", NULL, SK_EBADADDR, "1.2.3" },
	{ "1.2.3.256", NULL, SK_EBADADDR, "256" },
	{ "01.2.3.4", NULL, SK_EBADADDR, "01.2.3.4" },
	{ "host.example", NULL, SK_EBADADDR, "host.example" },
	{ "", NULL, SK_EBADADDR, "missing" },
	{ "/24", NULL, SK_EBADADDR, "missing" },
	{ "1.2.3.4", "255.0.255.0", SK_EBADMASK, "contiguous" },
	{ "1.2.3.4", "ffff::", SK_EBADMASK, "family" },
	{ "1.2.3.4/24", "255.0.0.0", SK_EBADMASK, "twice" },
	{ ":::/3", NULL, SK_EBADADDR, ":::" },
	{ "1.2.3.4 255.255.0.1", NULL, SK_EBADMASK, "contiguous" },
};

Test(cidr, bad_input_names_the_part)
{
	for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
		struct sk_cidr c;
		char err[SK_ERRLEN] = "";
		int rc = sk_cidr_parse(bads[i].text, bads[i].mask, &c, err);
		cr_expect_eq(rc, bads[i].code, "'%s' gave %s: %s", bads[i].text,
			     sk_err_name(rc), err);
		cr_expect(strstr(err, bads[i].needle), "'%s': '%s' lacks '%s'", bads[i].text,
			  err, bads[i].needle);
	}
}

Test(cidr, every_prefix_of_a_block_parses_or_fails_cleanly)
{
	const char *full = "192.168.36.235/24";
	char buf[32];
	for (size_t n = 0; n <= strlen(full); n++) {
		memcpy(buf, full, n);
		buf[n] = 0;
		struct sk_cidr c;
		int rc = sk_cidr_parse(buf, NULL, &c, NULL);
		cr_expect(rc == 0 || rc == SK_EBADADDR || rc == SK_EBADPREFIX, "'%s'", buf);
	}
}

Test(cidr, contains)
{
	struct sk_cidr c;
	sk_cidr_parse("198.18.0.0/15", NULL, &c, NULL);
	struct sk_ip ip;
	sk_ip_parse("198.19.255.255", &ip);
	cr_expect(sk_cidr_contains(&c, &ip));
	sk_ip_parse("198.20.0.0", &ip);
	cr_expect_not(sk_cidr_contains(&c, &ip));
	sk_ip_parse("::1", &ip);
	cr_expect_not(sk_cidr_contains(&c, &ip));
}

Test(cidr, split)
{
	struct sk_cidr c, sub;
	sk_cidr_parse("192.168.36.235/24", NULL, &c, NULL);
	cr_expect_eq(sk_cidr_subnet_count(&c, 26), 4);
	sk_cidr_subnet(&c, 26, 3, &sub);
	cr_expect_str_eq(fmt(&sub.addr), "192.168.36.192");
	cr_expect_eq(sub.prefix, 26);
	sk_cidr_parse("::/0", NULL, &c, NULL);
	cr_expect_eq(sk_cidr_subnet_count(&c, 64), UINT64_MAX);
	cr_expect_eq(sk_cidr_subnet_count(&c, 63), (uint64_t)1 << 63);
	sk_cidr_subnet(&c, 128, 5, &sub);
	cr_expect_str_eq(fmt(&sub.addr), "::5");
}

struct scope_case {
	const char *ip, *scope;
};

static const struct scope_case scopes[] = {
	{ "10.1.2.3", "private" }, { "172.16.0.1", "private" }, { "172.32.0.1", "global" },
	{ "192.168.36.235", "private" }, { "127.0.0.1", "loopback" },
	{ "169.254.1.1", "link-local" }, { "100.64.0.1", "cgnat" },
	{ "100.128.0.1", "global" }, { "192.0.2.1", "documentation" },
	{ "198.51.100.1", "documentation" }, { "203.0.113.9", "documentation" },
	{ "198.18.0.1", "benchmarking" }, { "198.19.255.255", "benchmarking" },
	{ "224.0.0.1", "multicast" }, { "239.255.255.250", "multicast" },
	{ "240.0.0.1", "reserved" }, { "255.255.255.255", "broadcast" },
	{ "0.1.2.3", "this-network" }, { "8.8.8.8", "global" },
	{ "::1", "loopback" }, { "::", "unspecified" }, { "fe80::1", "link-local" },
	{ "fd00::1", "unique-local" }, { "fc00::1", "unique-local" },
	{ "ff02::1", "multicast" }, { "2001:db8::1", "documentation" },
	{ "2001:2::1", "benchmarking" }, { "2606:4700::1", "global" },
	{ "::ffff:1.2.3.4", "ipv4-mapped" }, { "64:ff9b::1.2.3.4", "nat64" },
	{ "2002::1", "6to4" }, { "2001::1", "teredo" }, { "4000::1", "reserved" },
};

Test(cidr, scopes)
{
	for (size_t i = 0; i < sizeof scopes / sizeof *scopes; i++) {
		struct sk_ip ip;
		cr_assert_eq(sk_ip_parse(scopes[i].ip, &ip), 0, "%s", scopes[i].ip);
		cr_expect_str_eq(sk_ip_scope(&ip).name, scopes[i].scope, "%s", scopes[i].ip);
	}
}

Test(cidr, ipv6_text_is_rfc5952)
{
	static const char *const cases[][2] = {
		{ "::f:ffff", "::f:ffff" },
		{ "0:0:0:0:0:0:0:1", "::1" },
		{ "2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1" },
		{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "1:0:0:2:0:0:0:3", "1:0:0:2::3" },
		{ "::", "::" },
		{ "1::", "1::" },
		{ "::ffff:1.2.3.4", "::ffff:1.2.3.4" },
		{ "::1.2.3.4", "::102:304" },
		{ "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789" },
		{ "fe80::", "fe80::" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct sk_ip ip;
		cr_assert_eq(sk_ip_parse(cases[i][0], &ip), 0, "%s", cases[i][0]);
		cr_expect_str_eq(fmt(&ip), cases[i][1], "%s", cases[i][0]);
	}
}
