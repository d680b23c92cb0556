/* Replies to raw probes: the frame walk the SYN and UDP scans run on every
 * received frame.  Pure, over the caller's bytes; the packet module's
 * decoders do the bounds checks. */
#include "sockit/scan.h"
#include "sockit/error.h"
#include "sockit/packet.h"
#include "sockit/siphash.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static void ip4(struct sk_ip *ip, const uint8_t *p)
{
	memset(ip, 0, sizeof *ip);
	ip->family = AF_INET;
	memcpy(ip->bytes, p, 4);
}

static void ip6(struct sk_ip *ip, const uint8_t *p)
{
	memset(ip, 0, sizeof *ip);
	ip->family = AF_INET6;
	memcpy(ip->bytes, p, 16);
}

/* The upper layer of an IP packet: its protocol, bytes, and addresses. */
struct l3 {
	uint8_t proto;
	const uint8_t *p;
	size_t len;
	struct sk_ip src, dst;
	int ttl;
};

static int walk_ip(const uint8_t *p, size_t len, struct l3 *out)
{
	if (len < 1)
		return SK_ETRUNCATED;
	if (p[0] >> 4 == 4) {
		struct sk_ipv4 h;
		int rc = sk_ipv4_decode(p, len, &h);
		if (rc < 0)
			return rc;
		if (h.frag_off)
			return SK_EUNSUPPORTED;
		out->proto = h.proto;
		out->p = h.payload;
		out->len = h.payload_len;
		out->ttl = h.ttl;
		ip4(&out->src, h.src);
		ip4(&out->dst, h.dst);
		return 0;
	}
	if (p[0] >> 4 == 6) {
		struct sk_ipv6 h;
		int rc = sk_ipv6_decode(p, len, &h);
		if (rc < 0)
			return rc;
		if (h.ext_truncated || (h.is_fragment && h.frag_off))
			return SK_EUNSUPPORTED;
		if (h.upper_off > len)
			return SK_ETRUNCATED;
		/* The payload as declared, cut to the capture, from the upper
		 * layer on. */
		size_t end = 40 + h.payload_len;
		if (end > len)
			end = len;
		if (h.upper_off > end)
			return SK_ETRUNCATED;
		out->proto = h.upper;
		out->p = p + h.upper_off;
		out->len = end - h.upper_off;
		out->ttl = h.hlim;
		ip6(&out->src, h.src);
		ip6(&out->dst, h.dst);
		return 0;
	}
	return SK_EMALFORMED;
}

/* The probe an ICMP error quotes: its IP header and at least 8 bytes of
 * its transport header (RFC 792), more when the sender quoted more. */
static int quoted(const uint8_t *p, size_t len, struct sk_reply *out)
{
	size_t need;
	if (len < 1)
		return SK_ETRUNCATED;
	/* Walk without the length clamp: the quote is cut by design, so
	 * read the headers directly. */
	const uint8_t *t;
	size_t tlen;
	if (p[0] >> 4 == 4) {
		if (len < 20)
			return SK_ETRUNCATED;
		size_t hl = (size_t)(p[0] & 15) * 4;
		if (hl < 20)
			return SK_EMALFORMED;
		if (len < hl)
			return SK_ETRUNCATED;
		out->probe_proto = p[9];
		ip4(&out->probe_src, p + 12);
		ip4(&out->probe_dst, p + 16);
		t = p + hl;
		tlen = len - hl;
	} else if (p[0] >> 4 == 6) {
		if (len < 40)
			return SK_ETRUNCATED;
		out->probe_proto = p[6];
		ip6(&out->probe_src, p + 8);
		ip6(&out->probe_dst, p + 24);
		t = p + 40;
		tlen = len - 40;
	} else {
		return SK_EMALFORMED;
	}
	if (out->probe_proto != SK_IPPROTO_TCP && out->probe_proto != SK_IPPROTO_UDP)
		return SK_EUNSUPPORTED;
	need = out->probe_proto == SK_IPPROTO_TCP ? 8 : 4;
	if (tlen < need)
		return SK_ETRUNCATED;
	out->sport = sk_be16(t);
	out->dport = sk_be16(t + 2);
	if (out->probe_proto == SK_IPPROTO_TCP)
		out->seq = sk_be32(t + 4);
	return 0;
}

int sk_scan_decode_reply(const uint8_t *frame, size_t len, struct sk_reply *out)
{
	memset(out, 0, sizeof *out);
	struct sk_eth eth;
	int rc = sk_eth_decode(frame, len, &eth);
	if (rc < 0)
		return rc;
	if (eth.type != SK_ETH_IPV4 && eth.type != SK_ETH_IPV6)
		return SK_EUNSUPPORTED;
	struct l3 l;
	if ((rc = walk_ip(frame + 14, len - 14, &l)))
		return rc;
	out->from = l.src;
	out->to = l.dst;
	out->ttl = l.ttl;
	if (l.proto == SK_IPPROTO_TCP) {
		struct sk_tcp t;
		if ((rc = sk_tcp_decode(l.p, l.len, &t)) < 0)
			return rc;
		out->kind = SK_REPLY_TCP;
		out->sport = t.sport;
		out->dport = t.dport;
		out->seq = t.seq;
		out->ack = t.ack;
		out->flags = t.flags;
		return 0;
	}
	if (l.proto == SK_IPPROTO_UDP) {
		struct sk_udp u;
		if ((rc = sk_udp_decode(l.p, l.len, &u)) < 0)
			return rc;
		out->kind = SK_REPLY_UDP;
		out->sport = u.sport;
		out->dport = u.dport;
		return 0;
	}
	if (l.proto == SK_IPPROTO_ICMP || l.proto == SK_IPPROTO_ICMPV6) {
		struct sk_icmp ic;
		if ((rc = sk_icmp_decode(l.p, l.len, &ic)) < 0)
			return rc;
		bool v6 = l.proto == SK_IPPROTO_ICMPV6;
		/* Destination unreachable (v4 3, v6 1); v4 time exceeded 11
		 * and v6 1's cousins are not probe answers we classify. */
		if ((!v6 && ic.type != 3) || (v6 && ic.type != 1))
			return SK_EUNSUPPORTED;
		out->kind = SK_REPLY_ICMP;
		out->icmp6 = v6;
		out->icmp_type = ic.type;
		out->icmp_code = ic.code;
		return quoted(ic.payload, ic.payload_len, out);
	}
	return SK_EUNSUPPORTED;
}

uint32_t sk_scan_cookie(const uint8_t key[16], const struct sk_ip *src,
			const struct sk_ip *dst, uint16_t sport, uint16_t dport)
{
	uint8_t buf[2 + 16 + 16 + 4];
	buf[0] = (uint8_t)src->family;
	buf[1] = 0;
	memcpy(buf + 2, src->bytes, 16);
	memcpy(buf + 18, dst->bytes, 16);
	buf[34] = (uint8_t)(sport >> 8);
	buf[35] = (uint8_t)sport;
	buf[36] = (uint8_t)(dport >> 8);
	buf[37] = (uint8_t)dport;
	return (uint32_t)sk_siphash24(key, buf, sizeof buf);
}
