/* The Internet checksum (RFC 1071) and the TCP/UDP pseudo-header. */
#include "sockit/packet.h"

uint32_t sk_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	/* A 64-bit accumulator cannot overflow for any buffer a frame can
	 * hold; fold once at the end. */
	uint64_t s = sum;
	size_t i = 0;
	for (; i + 1 < n; i += 2)
		s += sk_be16(p + i);
	if (i < n)
		s += (uint32_t)p[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t sk_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t sk_inet_checksum(const uint8_t *p, size_t n)
{
	return sk_csum_fold(sk_csum_add(0, p, n));
}

uint16_t sk_l4_checksum(int family, const uint8_t *src, const uint8_t *dst,
			uint8_t proto, const uint8_t *seg, size_t n)
{
	size_t alen = family == 6 ? 16 : 4;
	uint32_t sum = sk_csum_add(0, src, alen);
	sum = sk_csum_add(sum, dst, alen);
	uint64_t s = sum;
	s += proto;
	s += (uint32_t)(n >> 16) + (uint32_t)(n & 0xffff);
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return sk_csum_fold(sk_csum_add((uint32_t)s, seg, n));
}
