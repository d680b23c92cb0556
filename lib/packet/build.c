/* Frame builders for arp, neighbour discovery and scan: fixed layouts written
 * with the big-endian helpers, checksums computed last. */
#include <string.h>

#include "sockit/error.h"
#include "sockit/pktbuild.h"

static size_t put_eth(uint8_t *p, const uint8_t *dst, const uint8_t *src,
		      uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	sk_put_be16(p + 12, type);
	return 14;
}

int sk_build_arp(uint8_t *out, size_t cap, uint16_t op, const uint8_t eth_dst[6],
		 const uint8_t sha[6], const uint8_t spa[4], const uint8_t tha[6],
		 const uint8_t tpa[4], bool pad)
{
	size_t n = pad ? 60 : 42;
	if (cap < n)
		return SK_ELIMIT;
	uint8_t *p = out + put_eth(out, eth_dst, sha, SK_ETH_ARP);
	sk_put_be16(p, 1);           /* Ethernet */
	sk_put_be16(p + 2, SK_ETH_IPV4);
	p[4] = 6;
	p[5] = 4;
	sk_put_be16(p + 6, op);
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, spa, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, tpa, 4);
	if (pad)
		memset(p + 28, 0, 18);
	return (int)n;
}

static size_t put_ipv6(uint8_t *p, uint16_t plen, uint8_t next, uint8_t hlim,
		       const uint8_t *src, const uint8_t *dst)
{
	sk_put_be32(p, 6u << 28);
	sk_put_be16(p + 4, plen);
	p[6] = next;
	p[7] = hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

int sk_build_ns(uint8_t *out, size_t cap, const uint8_t src_mac[6],
		const uint8_t src[16], const uint8_t target[16])
{
	if (cap < 86)
		return SK_ELIMIT;
	uint8_t group[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	memcpy(group + 13, target + 13, 3);
	uint8_t mac[6] = { 0x33, 0x33, 0xff, target[13], target[14], target[15] };
	uint8_t *ip = out + put_eth(out, mac, src_mac, SK_ETH_IPV6);
	uint8_t *icmp = ip + put_ipv6(ip, 32, SK_IPPROTO_ICMPV6, 255, src, group);
	icmp[0] = 135;
	icmp[1] = 0;
	sk_put_be16(icmp + 2, 0);
	sk_put_be32(icmp + 4, 0);
	memcpy(icmp + 8, target, 16);
	icmp[24] = 1; /* source link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, src_mac, 6);
	sk_put_be16(icmp + 2, sk_l4_checksum(6, src, group, SK_IPPROTO_ICMPV6, icmp, 32));
	return 86;
}

/* Ethernet and IP headers for an L4 segment of l4len bytes; returns the
 * offset of the segment, or a negative code. */
static int put_l2l3(uint8_t *out, size_t cap, const struct sk_l4_build *b,
		    uint8_t proto, size_t l4len)
{
	if (b->family != 4 && b->family != 6)
		return SK_EFAMILY;
	size_t l2 = b->eth_src && b->eth_dst ? 14 : 0;
	size_t l3 = b->family == 4 ? 20 : 40;
	if (l4len > 0xffff - l3 || cap < l2 + l3 + l4len)
		return SK_ELIMIT;
	uint8_t ttl = b->ttl ? b->ttl : 64;
	if (l2)
		put_eth(out, b->eth_dst, b->eth_src,
			b->family == 4 ? SK_ETH_IPV4 : SK_ETH_IPV6);
	uint8_t *ip = out + l2;
	if (b->family == 4) {
		ip[0] = 0x45;
		ip[1] = 0;
		sk_put_be16(ip + 2, (uint16_t)(20 + l4len));
		sk_put_be16(ip + 4, b->ip_id);
		sk_put_be16(ip + 6, 0x4000); /* DF */
		ip[8] = ttl;
		ip[9] = proto;
		sk_put_be16(ip + 10, 0);
		memcpy(ip + 12, b->src, 4);
		memcpy(ip + 16, b->dst, 4);
		sk_put_be16(ip + 10, sk_inet_checksum(ip, 20));
	} else {
		put_ipv6(ip, (uint16_t)l4len, proto, ttl, b->src, b->dst);
	}
	return (int)(l2 + l3);
}

int sk_build_tcp(uint8_t *out, size_t cap, const struct sk_l4_build *b)
{
	size_t hl = b->mss ? 24 : 20;
	size_t l4len = hl + b->payload_len;
	int off = put_l2l3(out, cap, b, SK_IPPROTO_TCP, l4len);
	if (off < 0)
		return off;
	uint8_t *t = out + off;
	sk_put_be16(t, b->sport);
	sk_put_be16(t + 2, b->dport);
	sk_put_be32(t + 4, b->seq);
	sk_put_be32(t + 8, b->ack);
	t[12] = (uint8_t)((hl / 4) << 4 | ((b->flags >> 8) & 1));
	t[13] = (uint8_t)b->flags;
	uint16_t win = b->window;
	if (!win && (b->flags & SK_TCP_SYN))
		win = 1024;
	sk_put_be16(t + 14, win);
	sk_put_be16(t + 16, 0);
	sk_put_be16(t + 18, 0);
	if (b->mss) {
		t[20] = 2;
		t[21] = 4;
		sk_put_be16(t + 22, b->mss);
	}
	if (b->payload_len)
		memcpy(t + hl, b->payload, b->payload_len);
	sk_put_be16(t + 16, sk_l4_checksum(b->family, b->src, b->dst,
					   SK_IPPROTO_TCP, t, l4len));
	return off + (int)l4len;
}

int sk_build_udp(uint8_t *out, size_t cap, const struct sk_l4_build *b)
{
	size_t l4len = 8 + b->payload_len;
	int off = put_l2l3(out, cap, b, SK_IPPROTO_UDP, l4len);
	if (off < 0)
		return off;
	uint8_t *u = out + off;
	sk_put_be16(u, b->sport);
	sk_put_be16(u + 2, b->dport);
	sk_put_be16(u + 4, (uint16_t)l4len);
	sk_put_be16(u + 6, 0);
	if (b->payload_len)
		memcpy(u + 8, b->payload, b->payload_len);
	uint16_t c = sk_l4_checksum(b->family, b->src, b->dst, SK_IPPROTO_UDP, u, l4len);
	sk_put_be16(u + 6, c ? c : 0xffff);
	return off + (int)l4len;
}
