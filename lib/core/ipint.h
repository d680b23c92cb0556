/* Addresses as one 128-bit unsigned integer (internal): IPv4 in the low 32
 * bits, IPv6 whole, most significant byte first, so that ranges, masks and
 * "the next address" are integer arithmetic.  The one conversion the CIDR
 * calculator, the scan targets and the scan routes share. */
#ifndef SOCKIT_CORE_IPINT_H
#define SOCKIT_CORE_IPINT_H

#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sockit/cidr.h"

typedef unsigned __int128 sk__u128;

/* The value of an address of family (AF_INET: 4 bytes, else 16). */
static inline sk__u128 sk__u128_from_bytes(int family, const uint8_t *bytes)
{
	sk__u128 v = 0;
	unsigned n = family == AF_INET ? 4 : 16;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | bytes[i];
	return v;
}

static inline sk__u128 sk__u128_from_ip(const struct sk_ip *ip)
{
	return sk__u128_from_bytes(ip->family, ip->bytes);
}

/* The address of family whose value is v (bits above the family's width
 * are dropped). */
static inline void sk__u128_to_ip(int family, sk__u128 v, struct sk_ip *out)
{
	memset(out, 0, sizeof *out);
	out->family = family;
	unsigned n = family == AF_INET ? 4 : 16;
	for (unsigned i = n; i-- > 0; v >>= 8)
		out->bytes[i] = (uint8_t)v;
}

/* The address of an AF_INET or AF_INET6 socket address: 0, or -1 for
 * another family. */
static inline int sk__ip_from_sockaddr(const struct sockaddr *sa, struct sk_ip *out)
{
	memset(out, 0, sizeof *out);
	out->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(out->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(out->bytes, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	else
		return -1;
	return 0;
}

#endif
