/* IP addresses and prefixes: parsing, the arithmetic of a CIDR block, and
 * the scope an address belongs to.  Pure functions, no I/O. */
#ifndef SOCKIT_CIDR_H
#define SOCKIT_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 address; IPv4 uses bytes[0..3], network order. */
struct sk_ip {
	int family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

struct sk_cidr {
	struct sk_ip addr; /* as written: may have host bits set */
	unsigned prefix;   /* 0-32 or 0-128 */
};

#define SK_IPSTRLEN 46 /* INET6_ADDRSTRLEN */

/* Parses a numeric IPv4 (dotted quad) or IPv6 address.
 * Returns 0 or SK_EBADADDR. */
int sk_ip_parse(const char *text, struct sk_ip *out);

/* Writes the address in its canonical text form (RFC 5952 for IPv6). */
void sk_ip_format(const struct sk_ip *ip, char out[SK_IPSTRLEN]);

/* The same for a netmask or wildcard: never the dotted IPv4-mapped form,
 * so the wildcard of a /80 reads ::ffff:ffff:ffff. */
void sk_ip_format_mask(const struct sk_ip *ip, char out[SK_IPSTRLEN]);

/* Number of address bits: 32 or 128. */
unsigned sk_ip_bits(const struct sk_ip *ip);

/* Parses "ADDR/LEN", "ADDR/MASK" (IPv4 dotted mask), "ADDR MASK" or a bare
 * ADDR (a single-address block).  mask, if not NULL, is a separate mask
 * argument ("255.255.255.0" or "24").  The mask must be contiguous.
 * Returns 0 or SK_EBADADDR / SK_EBADPREFIX / SK_EBADMASK with err
 * (SK_ERRLEN, may be NULL) naming the part at fault. */
int sk_cidr_parse(const char *text, const char *mask, struct sk_cidr *out,
		  char *err);

/* Block arithmetic.  "last" is the broadcast address for IPv4 and the last
 * address of the block for IPv6. */
void sk_cidr_network(const struct sk_cidr *c, struct sk_ip *out);
void sk_cidr_last(const struct sk_cidr *c, struct sk_ip *out);
void sk_cidr_netmask(const struct sk_cidr *c, struct sk_ip *out);
void sk_cidr_wildcard(const struct sk_cidr *c, struct sk_ip *out);
/* The host part: addr AND wildcard. */
void sk_cidr_hostpart(const struct sk_cidr *c, struct sk_ip *out);
bool sk_cidr_is_canonical(const struct sk_cidr *c);

/* First and last usable host.  IPv4: network+1 .. broadcast-1, except /31
 * (both addresses, RFC 3021) and /32 (the one address).  IPv6: network+1
 * (the Subnet-Router anycast address is reserved, RFC 4291) .. last, except
 * /127 (both) and /128 (the one address). */
void sk_cidr_first_host(const struct sk_cidr *c, struct sk_ip *out);
void sk_cidr_last_host(const struct sk_cidr *c, struct sk_ip *out);

/* Number of usable hosts (as above) in decimal; exact for every prefix.
 * Needs 40 bytes. */
#define SK_COUNTSTRLEN 40
void sk_cidr_hosts(const struct sk_cidr *c, char out[SK_COUNTSTRLEN]);

bool sk_cidr_contains(const struct sk_cidr *c, const struct sk_ip *ip);

/* Subnets of length newlen: the count (saturating at UINT64_MAX) and the
 * index-th one.  newlen must be >= c->prefix and <= the address bits. */
uint64_t sk_cidr_subnet_count(const struct sk_cidr *c, unsigned newlen);
void sk_cidr_subnet(const struct sk_cidr *c, unsigned newlen, uint64_t index,
		    struct sk_cidr *out);

/* The scope of an address, as a short name and the reference for it:
 * "private" / "RFC 1918", "loopback", "link-local", "multicast", "cgnat",
 * "documentation", "benchmarking", "unique-local", "global", ... */
struct sk_scope {
	const char *name;
	const char *ref;
};
struct sk_scope sk_ip_scope(const struct sk_ip *ip);

#endif
