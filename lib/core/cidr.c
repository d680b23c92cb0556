#include "sockit/cidr.h"
#include "sockit/error.h"
#include "core/ipint.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef sk__u128 u128;

/* The low `bits` bits set (bits may be 128). */
static u128 low_mask(unsigned bits)
{
	return bits >= 128 ? ~(u128)0 : ((u128)1 << bits) - 1;
}

unsigned sk_ip_bits(const struct sk_ip *ip)
{
	return ip->family == AF_INET ? 32 : 128;
}

int sk_ip_parse(const char *text, struct sk_ip *out)
{
	memset(out, 0, sizeof *out);
	if (strchr(text, ':')) {
		out->family = AF_INET6;
		return inet_pton(AF_INET6, text, out->bytes) == 1 ? 0 : SK_EBADADDR;
	}
	out->family = AF_INET;
	/* inet_pton accepts only the dotted quad, no octal or short forms. */
	return inet_pton(AF_INET, text, out->bytes) == 1 ? 0 : SK_EBADADDR;
}

/* RFC 5952: lower-case hex, no leading zeros, the longest run of two or
 * more zero groups (the first of equal runs) as "::", and the dotted form
 * only for IPv4-mapped addresses.  glibc's inet_ntop also prints the
 * deprecated IPv4-compatible form (::0.15.255.255 for ::f:ffff). */
static void format_v6(const uint8_t *b, char *out, bool mapped_dotted)
{
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (mapped_dotted && !memcmp(b, mapped, 12)) {
		snprintf(out, SK_IPSTRLEN, "::ffff:%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
		return;
	}
	int best = -1, best_len = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	size_t k = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out[k++] = ':';
			if (i == 0)
				out[k++] = ':';
			i += best_len - 1;
			continue;
		}
		k += (size_t)snprintf(out + k, SK_IPSTRLEN - k, "%x%s", g[i], i < 7 ? ":" : "");
	}
	out[k] = 0;
}

void sk_ip_format(const struct sk_ip *ip, char out[SK_IPSTRLEN])
{
	if (ip->family == AF_INET6)
		format_v6(ip->bytes, out, true);
	else
		inet_ntop(AF_INET, ip->bytes, out, SK_IPSTRLEN);
}

void sk_ip_format_mask(const struct sk_ip *ip, char out[SK_IPSTRLEN])
{
	if (ip->family == AF_INET6)
		format_v6(ip->bytes, out, false);
	else
		inet_ntop(AF_INET, ip->bytes, out, SK_IPSTRLEN);
}

/* A mask given as an address: contiguous ones, then zeros. */
static int mask_to_prefix(const struct sk_ip *mask, unsigned *prefix)
{
	unsigned bits = sk_ip_bits(mask);
	u128 v = sk__u128_from_ip(mask);
	unsigned ones = 0;
	while (ones < bits && (v >> (bits - 1 - ones) & 1))
		ones++;
	if ((v & low_mask(bits - ones)) != 0)
		return SK_EBADMASK;
	*prefix = ones;
	return 0;
}

static int parse_len_or_mask(const char *text, const struct sk_ip *addr,
			     unsigned *prefix, char *err)
{
	unsigned bits = sk_ip_bits(addr);
	if (*text && strspn(text, "0123456789") == strlen(text)) {
		if (strlen(text) > 3 || (unsigned)strtoul(text, NULL, 10) > bits)
			return sk_err_set(err, SK_EBADPREFIX,
					  "prefix /%.16s (%s allows 0-%u)",
					  text,
					  bits == 32 ? "IPv4" : "IPv6", bits);
		*prefix = (unsigned)strtoul(text, NULL, 10);
		return 0;
	}
	struct sk_ip mask;
	if (sk_ip_parse(text, &mask) != 0) {
		if (!*text)
			return sk_err_set(err, SK_EBADPREFIX, "empty prefix");
		return sk_err_set(err, SK_EBADPREFIX, "'%.48s'", text);
	}
	if (mask.family != addr->family)
		return sk_err_set(err, SK_EBADMASK,
				  "mask %.48s does not match the address family",
				  text);
	if (mask_to_prefix(&mask, prefix) != 0)
		return sk_err_set(err, SK_EBADMASK,
				  "%.48s (ones must be contiguous)", text);
	return 0;
}

int sk_cidr_parse(const char *text, const char *mask, struct sk_cidr *out,
		  char *err)
{
	memset(out, 0, sizeof *out);
	char addr[64];
	const char *sep = text + strcspn(text, "/ ");
	size_t alen = (size_t)(sep - text);
	if (alen == 0)
		return sk_err_set(err, SK_EBADADDR, "missing address in '%.48s'",
				  text);
	if (alen >= sizeof addr)
		return sk_err_set(err, SK_EBADADDR, "'%.48s...'", text);
	memcpy(addr, text, alen);
	addr[alen] = 0;
	if (sk_ip_parse(addr, &out->addr) != 0)
		return sk_err_set(err, SK_EBADADDR, "'%s'", addr);
	out->prefix = sk_ip_bits(&out->addr);

	const char *len = NULL;
	if (*sep == '/' || *sep == ' ') {
		len = sep + 1;
		while (*sep == ' ' && *len == ' ')
			len++;
		if (mask)
			return sk_err_set(err, SK_EBADMASK,
					  "mask given twice ('%.48s' and '%.48s')",
					  text, mask);
	} else if (mask) {
		len = mask;
		if (*len == '/')
			len++;
	}
	if (len)
		return parse_len_or_mask(len, &out->addr, &out->prefix, err);
	return 0;
}

static u128 host_mask(const struct sk_cidr *c)
{
	return low_mask(sk_ip_bits(&c->addr) - c->prefix);
}

void sk_cidr_network(const struct sk_cidr *c, struct sk_ip *out)
{
	sk__u128_to_ip(c->addr.family, sk__u128_from_ip(&c->addr) & ~host_mask(c), out);
}

void sk_cidr_last(const struct sk_cidr *c, struct sk_ip *out)
{
	sk__u128_to_ip(c->addr.family, sk__u128_from_ip(&c->addr) | host_mask(c), out);
}

void sk_cidr_netmask(const struct sk_cidr *c, struct sk_ip *out)
{
	u128 all = low_mask(sk_ip_bits(&c->addr));
	sk__u128_to_ip(c->addr.family, all & ~host_mask(c), out);
}

void sk_cidr_wildcard(const struct sk_cidr *c, struct sk_ip *out)
{
	sk__u128_to_ip(c->addr.family, host_mask(c), out);
}

void sk_cidr_hostpart(const struct sk_cidr *c, struct sk_ip *out)
{
	sk__u128_to_ip(c->addr.family, sk__u128_from_ip(&c->addr) & host_mask(c), out);
}

bool sk_cidr_is_canonical(const struct sk_cidr *c)
{
	return (sk__u128_from_ip(&c->addr) & host_mask(c)) == 0;
}

/* How many addresses at the ends of the block are not usable hosts. */
static unsigned reserved_low(const struct sk_cidr *c)
{
	unsigned host_bits = sk_ip_bits(&c->addr) - c->prefix;
	return host_bits >= 2 ? 1 : 0;
}

static unsigned reserved_high(const struct sk_cidr *c)
{
	unsigned host_bits = sk_ip_bits(&c->addr) - c->prefix;
	return c->addr.family == AF_INET && host_bits >= 2 ? 1 : 0;
}

void sk_cidr_first_host(const struct sk_cidr *c, struct sk_ip *out)
{
	u128 net = sk__u128_from_ip(&c->addr) & ~host_mask(c);
	sk__u128_to_ip(c->addr.family, net + reserved_low(c), out);
}

void sk_cidr_last_host(const struct sk_cidr *c, struct sk_ip *out)
{
	u128 last = sk__u128_from_ip(&c->addr) | host_mask(c);
	sk__u128_to_ip(c->addr.family, last - reserved_high(c), out);
}

static void u128_decimal(u128 v, char out[SK_COUNTSTRLEN])
{
	char tmp[SK_COUNTSTRLEN];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + (unsigned)(v % 10));
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = 0;
}

void sk_cidr_hosts(const struct sk_cidr *c, char out[SK_COUNTSTRLEN])
{
	/* host_mask is size - 1, so this never needs 2^128 itself. */
	u128 size_minus_1 = host_mask(c);
	u128 reserved = reserved_low(c) + reserved_high(c);
	u128 hosts = size_minus_1 - reserved + 1;
	if (size_minus_1 == ~(u128)0)
		hosts = size_minus_1 - (reserved - 1); /* /0: 2^128 - reserved */
	u128_decimal(hosts, out);
}

bool sk_cidr_contains(const struct sk_cidr *c, const struct sk_ip *ip)
{
	if (ip->family != c->addr.family)
		return false;
	u128 keep = ~host_mask(c);
	return (sk__u128_from_ip(ip) & keep) == (sk__u128_from_ip(&c->addr) & keep);
}

uint64_t sk_cidr_subnet_count(const struct sk_cidr *c, unsigned newlen)
{
	unsigned diff = newlen - c->prefix;
	return diff >= 64 ? UINT64_MAX : (uint64_t)1 << diff;
}

void sk_cidr_subnet(const struct sk_cidr *c, unsigned newlen, uint64_t index,
		    struct sk_cidr *out)
{
	unsigned bits = sk_ip_bits(&c->addr);
	u128 net = sk__u128_from_ip(&c->addr) & ~host_mask(c);
	u128 step = (u128)index << (bits - newlen);
	sk__u128_to_ip(c->addr.family, net + step, &out->addr);
	out->prefix = newlen;
}

struct scope_rule {
	int family;
	const char *prefix;
	unsigned len;
	struct sk_scope scope;
};

/* Most specific first: the first match wins. */
static const struct scope_rule scope_rules[] = {
	{ AF_INET, "255.255.255.255", 32, { "broadcast", "RFC 919" } },
	{ AF_INET, "0.0.0.0", 8, { "this-network", "RFC 791" } },
	{ AF_INET, "10.0.0.0", 8, { "private", "RFC 1918" } },
	{ AF_INET, "100.64.0.0", 10, { "cgnat", "RFC 6598 shared address space" } },
	{ AF_INET, "127.0.0.0", 8, { "loopback", "RFC 1122" } },
	{ AF_INET, "169.254.0.0", 16, { "link-local", "RFC 3927" } },
	{ AF_INET, "172.16.0.0", 12, { "private", "RFC 1918" } },
	{ AF_INET, "192.0.0.0", 24, { "protocol-assignments", "RFC 6890" } },
	{ AF_INET, "192.0.2.0", 24, { "documentation", "RFC 5737 TEST-NET-1" } },
	{ AF_INET, "192.88.99.0", 24, { "6to4-relay", "RFC 7526, deprecated" } },
	{ AF_INET, "192.168.0.0", 16, { "private", "RFC 1918" } },
	{ AF_INET, "198.18.0.0", 15, { "benchmarking", "RFC 2544" } },
	{ AF_INET, "198.51.100.0", 24, { "documentation", "RFC 5737 TEST-NET-2" } },
	{ AF_INET, "203.0.113.0", 24, { "documentation", "RFC 5737 TEST-NET-3" } },
	{ AF_INET, "224.0.0.0", 4, { "multicast", "RFC 5771" } },
	{ AF_INET, "240.0.0.0", 4, { "reserved", "RFC 1112" } },
	{ AF_INET6, "::", 128, { "unspecified", "RFC 4291" } },
	{ AF_INET6, "::1", 128, { "loopback", "RFC 4291" } },
	{ AF_INET6, "::ffff:0:0", 96, { "ipv4-mapped", "RFC 4291" } },
	{ AF_INET6, "64:ff9b::", 96, { "nat64", "RFC 6052" } },
	{ AF_INET6, "64:ff9b:1::", 48, { "nat64-local", "RFC 8215" } },
	{ AF_INET6, "100::", 64, { "discard-only", "RFC 6666" } },
	{ AF_INET6, "2001::", 32, { "teredo", "RFC 4380" } },
	{ AF_INET6, "2001:2::", 48, { "benchmarking", "RFC 5180" } },
	{ AF_INET6, "2001:db8::", 32, { "documentation", "RFC 3849" } },
	{ AF_INET6, "2001::", 23, { "protocol-assignments", "RFC 2928" } },
	{ AF_INET6, "2002::", 16, { "6to4", "RFC 3056" } },
	{ AF_INET6, "3fff::", 20, { "documentation", "RFC 9637" } },
	{ AF_INET6, "2000::", 3, { "global", "RFC 4291 global unicast" } },
	{ AF_INET6, "fc00::", 7, { "unique-local", "RFC 4193" } },
	{ AF_INET6, "fe80::", 10, { "link-local", "RFC 4291" } },
	{ AF_INET6, "ff00::", 8, { "multicast", "RFC 4291" } },
	{ AF_INET6, "::", 0, { "reserved", "RFC 4291" } },
};

struct sk_scope sk_ip_scope(const struct sk_ip *ip)
{
	for (size_t i = 0; i < sizeof scope_rules / sizeof *scope_rules; i++) {
		const struct scope_rule *r = &scope_rules[i];
		if (r->family != ip->family)
			continue;
		struct sk_cidr block = { .prefix = r->len };
		sk_ip_parse(r->prefix, &block.addr);
		if (sk_cidr_contains(&block, ip))
			return r->scope;
	}
	return (struct sk_scope){ "global", "public unicast" };
}
