/* Link layers: Ethernet II / 802.3, VLAN tags, Linux cooked, BSD null. */
#include "sockit/error.h"
#include "sockit/packet.h"

int sk_linktype_from_dlt(int dlt)
{
	/* DLT_RAW is 12 on most systems and 14 on OpenBSD; both are the
	 * file format's LINKTYPE_RAW. */
	if (dlt == 12 || dlt == 14)
		return SK_LINK_RAW;
	return dlt;
}

int sk_eth_decode(const uint8_t *p, size_t len, struct sk_eth *out)
{
	if (len < 14)
		return SK_ETRUNCATED;
	out->dst = p;
	out->src = p + 6;
	out->type = sk_be16(p + 12);
	out->is_8023 = out->type <= 1500;
	return 14;
}

int sk_vlan_decode(const uint8_t *p, size_t len, struct sk_vlan *out)
{
	if (len < 4)
		return SK_ETRUNCATED;
	uint16_t tci = sk_be16(p);
	out->pcp = (uint8_t)(tci >> 13);
	out->dei = (tci >> 12) & 1;
	out->vid = tci & 0x0fff;
	out->type = sk_be16(p + 2);
	return 4;
}

int sk_sll_decode(const uint8_t *p, size_t len, struct sk_sll *out)
{
	if (len < 16)
		return SK_ETRUNCATED;
	out->pkttype = sk_be16(p);
	out->hatype = sk_be16(p + 2);
	out->addr_len = sk_be16(p + 4);
	out->addr = p + 6;
	out->protocol = sk_be16(p + 14);
	out->ifindex = 0;
	return 16;
}

int sk_sll2_decode(const uint8_t *p, size_t len, struct sk_sll *out)
{
	if (len < 20)
		return SK_ETRUNCATED;
	out->protocol = sk_be16(p);
	out->ifindex = sk_be32(p + 4);
	out->hatype = sk_be16(p + 8);
	out->pkttype = p[10];
	out->addr_len = p[11];
	out->addr = p + 12;
	return 20;
}

/* Address families as the BSDs and Linux number them: IPv4 is 2
 * everywhere, IPv6 is 10 (Linux), 24 (Net/OpenBSD), 28 (FreeBSD) or 30
 * (Darwin). */
static uint16_t family_type(uint32_t family)
{
	switch (family) {
	case 2: return SK_ETH_IPV4;
	case 10: case 24: case 28: case 30: return SK_ETH_IPV6;
	default: return 0;
	}
}

int sk_null_decode(const uint8_t *p, size_t len, bool big_endian,
		   struct sk_null *out)
{
	if (len < 4)
		return SK_ETRUNCATED;
	uint32_t fam = big_endian ? sk_be32(p) : sk_le32(p);
	/* DLT_NULL is in the byte order of the host that wrote it: a family
	 * too big to be one is the other order. */
	if (!big_endian && fam > 0xffff)
		fam = sk_be32(p);
	out->family = fam;
	out->type = family_type(fam);
	return 4;
}

int sk_ppp_decode(const uint8_t *p, size_t len, struct sk_ppp *out)
{
	size_t off = 0;
	out->has_ac = len >= 2 && p[0] == 0xff && p[1] == 0x03;
	if (out->has_ac)
		off = 2;
	if (len < off + 1)
		return SK_ETRUNCATED;
	/* A protocol's last byte is odd and its first even (RFC 1661 2.):
	 * an odd first byte is a compressed one-byte protocol. */
	if (p[off] & 1) {
		out->protocol = p[off];
		off += 1;
	} else {
		if (len < off + 2)
			return SK_ETRUNCATED;
		out->protocol = sk_be16(p + off);
		off += 2;
	}
	out->type = out->protocol == 0x0021 ? SK_ETH_IPV4
		    : out->protocol == 0x0057 ? SK_ETH_IPV6 : 0;
	return (int)off;
}

const char *sk_ppp_protocol_name(uint16_t protocol)
{
	switch (protocol) {
	case 0x0021: return "IPv4";
	case 0x0057: return "IPv6";
	case 0x8021: return "IPCP";
	case 0x8057: return "IPV6CP";
	case 0xc021: return "LCP";
	case 0xc023: return "PAP";
	case 0xc223: return "CHAP";
	case 0x80fd: return "CCP";
	default: return NULL;
	}
}

int sk_chdlc_decode(const uint8_t *p, size_t len, struct sk_chdlc *out)
{
	if (len < 4)
		return SK_ETRUNCATED;
	out->address = p[0];
	out->control = p[1];
	out->protocol = sk_be16(p + 2);
	return 4;
}
