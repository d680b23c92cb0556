/* ARP (RFC 826): any hardware and protocol address sizes. */
#include "sockit/error.h"
#include "sockit/packet.h"

int sk_arp_decode(const uint8_t *p, size_t len, struct sk_arp *out)
{
	if (len < 8)
		return SK_ETRUNCATED;
	out->htype = sk_be16(p);
	out->ptype = sk_be16(p + 2);
	out->hlen = p[4];
	out->plen = p[5];
	out->op = sk_be16(p + 6);
	size_t need = 8 + 2 * ((size_t)out->hlen + out->plen);
	out->sha = out->spa = out->tha = out->tpa = NULL;
	if (len < need)
		return SK_ETRUNCATED;
	out->sha = p + 8;
	out->spa = out->sha + out->hlen;
	out->tha = out->spa + out->plen;
	out->tpa = out->tha + out->hlen;
	return (int)need;
}

bool sk_arp_is_eth_ipv4(const struct sk_arp *a)
{
	return a->htype == 1 && a->ptype == SK_ETH_IPV4 && a->hlen == 6 &&
	       a->plen == 4 && a->sha;
}
