/* IPv6 (RFC 8200) and its extension headers. */
#include "sockit/error.h"
#include "sockit/packet.h"

bool sk_ipv6_is_ext(uint8_t proto)
{
	return proto == SK_IPPROTO_HOPOPTS || proto == SK_IPPROTO_ROUTING ||
	       proto == SK_IPPROTO_FRAGMENT || proto == SK_IPPROTO_DSTOPTS ||
	       proto == SK_IPPROTO_AH;
}

int sk_ipv6_ext_decode(uint8_t proto, const uint8_t *p, size_t len,
		       struct sk_ipv6_ext *out)
{
	*out = (struct sk_ipv6_ext){ .proto = proto };
	if (!sk_ipv6_is_ext(proto))
		return SK_EUNSUPPORTED;
	if (len < 2)
		return SK_ETRUNCATED;
	out->next = p[0];
	size_t hl;
	if (proto == SK_IPPROTO_FRAGMENT)
		hl = 8; /* fixed; its second byte is reserved */
	else if (proto == SK_IPPROTO_AH)
		hl = ((size_t)p[1] + 2) * 4;
	else
		hl = ((size_t)p[1] + 1) * 8;
	out->len = hl;
	if (len < hl)
		return SK_ETRUNCATED;
	out->data = p + 2;
	out->data_len = hl - 2;
	if (proto == SK_IPPROTO_ROUTING) {
		out->rt_type = p[2];
		out->segments_left = p[3];
	} else if (proto == SK_IPPROTO_FRAGMENT) {
		uint16_t fo = sk_be16(p + 2);
		out->frag_off = (uint16_t)(fo & 0xfff8);
		out->frag_mf = fo & 1;
		out->frag_id = sk_be32(p + 4);
	}
	return (int)hl;
}

int sk_ipv6_decode(const uint8_t *p, size_t len, struct sk_ipv6 *out)
{
	if (len < 1)
		return SK_ETRUNCATED;
	if (p[0] >> 4 != 6)
		return SK_EMALFORMED;
	if (len < 40)
		return SK_ETRUNCATED;
	uint32_t w = sk_be32(p);
	out->tclass = (uint8_t)(w >> 20);
	out->flow = w & 0xfffff;
	out->payload_len_field = sk_be16(p + 4);
	out->next = p[6];
	out->hlim = p[7];
	out->src = p + 8;
	out->dst = p + 24;
	size_t declared = out->payload_len_field;
	size_t have = len - 40;
	/* A payload length of 0 with a hop-by-hop header is a jumbogram: take
	 * what was captured. */
	if (declared == 0 && out->next == SK_IPPROTO_HOPOPTS)
		declared = have;
	out->payload = p + 40;
	out->payload_len = declared < have ? declared : have;
	out->truncated = declared > have;
	out->n_ext = 0;
	out->is_fragment = false;
	out->frag_off = 0;
	out->frag_mf = false;
	out->frag_id = 0;
	out->ext_truncated = false;
	uint8_t next = out->next;
	size_t off = 40;
	size_t end = 40 + out->payload_len;
	/* Bounded by the bytes: every extension header is at least 8 long. */
	while (sk_ipv6_is_ext(next)) {
		struct sk_ipv6_ext e;
		int n = sk_ipv6_ext_decode(next, p + off, end - off, &e);
		if (n < 0) {
			out->ext_truncated = true;
			break;
		}
		if (next == SK_IPPROTO_FRAGMENT) {
			out->is_fragment = true;
			out->frag_off = e.frag_off;
			out->frag_mf = e.frag_mf;
			out->frag_id = e.frag_id;
		}
		out->n_ext++;
		off += (size_t)n;
		next = e.next;
	}
	out->upper = next;
	out->upper_off = off;
	return 40;
}
