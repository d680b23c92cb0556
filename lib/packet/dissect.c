/* The dissect walk: link layer, VLAN tags, network layer, extension
 * headers, transport, then data and padding.  Each step decodes with the
 * matching sk_*_decode into the layer's union and records the byte range;
 * the first layer that cannot be read ends the walk. */
#include <string.h>

#include "sockit/dissect.h"
#include "sockit/error.h"

struct walk {
	struct sk_dissection *d;
	const uint8_t *f;
	size_t cap; /* captured bytes */
	size_t end; /* where the outermost declared length ends (padding after) */
	bool jumbo; /* an IPv6 jumbogram: UDP's length 0 means "see IPv6" */
};

static struct sk_layer *add(struct walk *w, enum sk_proto proto, size_t off)
{
	if (w->d->n >= SK_DISSECT_MAX)
		return NULL;
	struct sk_layer *l = &w->d->layer[w->d->n++];
	memset(l, 0, sizeof *l);
	l->proto = proto;
	l->offset = (uint32_t)off;
	return l;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* A failed decode: the layer keeps the bytes that are there. */
static void fail(struct walk *w, struct sk_layer *l, int rc, size_t want)
{
	l->status = rc;
	l->hdr_len = (uint32_t)min_size(want, w->cap - l->offset);
}

static void data(struct walk *w, size_t off, size_t len)
{
	if (!len)
		return;
	struct sk_layer *l = add(w, SK_P_DATA, off);
	if (l)
		l->hdr_len = (uint32_t)len;
}

static int index_of(struct walk *w, const struct sk_layer *l)
{
	return (int)(l - w->d->layer);
}

/* Checksum offload leaves the pseudo-header sum, folded but not
 * complemented, in the field of an outgoing segment. */
static void offload(struct sk_layer *l, int family, const uint8_t *src,
		    const uint8_t *dst, uint8_t proto, size_t len, uint16_t field)
{
	if (!l->csum_bad)
		return;
	size_t alen = family == 6 ? 16 : 4;
	uint32_t sum = sk_csum_add(sk_csum_add(0, src, alen), dst, alen);
	sum += proto + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	uint16_t partial = (uint16_t)~sk_csum_fold(sum);
	if (partial == field) {
		l->csum_bad = l->csum_checked = false;
		l->csum_partial = true;
	}
}

/* TCP, UDP, ICMP, ICMPv6 in seg[0..have); declared is the length the IP
 * layer gives (have < declared when cut).  src/dst for the pseudo-header;
 * verify false for fragments, whose checksum covers bytes not here. */
static void transport(struct walk *w, int family, const uint8_t *src,
		      const uint8_t *dst, uint8_t proto, size_t off, size_t have,
		      size_t declared, bool verify)
{
	const uint8_t *seg = w->f + off;
	bool whole = verify && have == declared;
	struct sk_layer *l;
	int rc;
	/* ICMP belongs to IPv4 and ICMPv6 to IPv6 (its checksum needs IPv6
	 * addresses): the other pairing is shown as data. */
	if ((proto == SK_IPPROTO_ICMPV6 && family != 6) ||
	    (proto == SK_IPPROTO_ICMP && family != 4))
		proto = SK_IPPROTO_NONE;
	switch (proto) {
	case SK_IPPROTO_TCP:
		if (!(l = add(w, SK_P_TCP, off)))
			return;
		rc = sk_tcp_decode(seg, have, &l->u.tcp);
		if (rc < 0)
			return fail(w, l, rc, 20);
		w->d->transport = index_of(w, l);
		l->hdr_len = (uint32_t)rc;
		l->payload_len = (uint32_t)(declared - (size_t)rc);
		if (whole) {
			l->csum_checked = true;
			l->csum_bad = sk_l4_checksum(family, src, dst, proto, seg, have) != 0;
			offload(l, family, src, dst, proto, have, l->u.tcp.checksum);
		}
		return data(w, off + (size_t)rc, have - (size_t)rc);
	case SK_IPPROTO_UDP:
		if (!(l = add(w, SK_P_UDP, off)))
			return;
		rc = sk_udp_decode(seg, have, &l->u.udp);
		/* In a jumbogram UDP's length is 0 and IPv6's counts (RFC 2675). */
		bool jumbo = rc == SK_EMALFORMED && w->jumbo && !l->u.udp.length && declared > 65535;
		if (rc < 0 && !jumbo)
			return fail(w, l, rc, 8);
		if (jumbo) {
			l->u.udp.payload = seg + 8;
			l->u.udp.payload_len = have - 8;
		}
		w->d->transport = index_of(w, l);
		l->hdr_len = 8;
		l->payload_len = (uint32_t)(jumbo ? declared - 8 : l->u.udp.length - 8u);
		/* A zero UDP checksum over IPv4 means "none". */
		if (whole && (l->u.udp.length == declared || jumbo) &&
		    (family == 6 || l->u.udp.checksum != 0)) {
			l->csum_checked = true;
			l->csum_bad = sk_l4_checksum(family, src, dst, proto, seg, have) != 0;
			offload(l, family, src, dst, proto, have, l->u.udp.checksum);
		}
		return data(w, off + 8, l->u.udp.payload_len);
	case SK_IPPROTO_ICMP:
	case SK_IPPROTO_ICMPV6: {
		bool v6 = proto == SK_IPPROTO_ICMPV6;
		if (!(l = add(w, v6 ? SK_P_ICMP6 : SK_P_ICMP, off)))
			return;
		rc = sk_icmp_decode(seg, have, &l->u.icmp);
		if (rc < 0)
			return fail(w, l, rc, 8);
		w->d->transport = index_of(w, l);
		size_t hl = 8;
		if (v6 && l->u.icmp.type >= 133 && l->u.icmp.type <= 137) {
			/* Neighbour discovery: body and options are all header. */
			struct sk_nd nd;
			int n = sk_nd_decode(seg, have, &nd);
			if (n < 0)
				return fail(w, l, n, 24);
			hl = have;
		}
		l->hdr_len = (uint32_t)hl;
		l->payload_len = (uint32_t)(declared - hl);
		if (whole) {
			l->csum_checked = true;
			l->csum_bad = (v6 ? sk_l4_checksum(6, src, dst, proto, seg, have)
					  : sk_inet_checksum(seg, have)) != 0;
		}
		return data(w, off + hl, have - hl);
	}
	default:
		return data(w, off, have);
	}
}

static void ipv4(struct walk *w, size_t off)
{
	struct sk_layer *l = add(w, SK_P_IPV4, off);
	if (!l)
		return;
	struct sk_ipv4 *ip = &l->u.ipv4;
	int rc = sk_ipv4_decode(w->f + off, w->cap - off, ip);
	if (rc < 0)
		return fail(w, l, rc, rc == SK_ETRUNCATED && ip->hl >= 20 ? ip->hl : 20);
	w->d->net = index_of(w, l);
	l->hdr_len = (uint32_t)rc;
	/* With no total length, the frame on the wire says how long it is. */
	size_t total = ip->length_unset ? w->d->wirelen - off : ip->total_len;
	l->payload_len = (uint32_t)(total - (size_t)rc);
	l->csum_checked = true;
	l->csum_bad = !ip->checksum_ok;
	if (off + total < w->end)
		w->end = off + total;
	size_t poff = off + (size_t)rc;
	if (ip->frag_off)
		return data(w, poff, ip->payload_len);
	transport(w, 4, ip->src, ip->dst, ip->proto, poff, ip->payload_len, total - (size_t)rc,
		  !ip->mf);
}

/* The destination a transport checksum uses (RFC 8200 8.1): with segments
 * left, the last one the routing header lists (types 0 and 2), or segment
 * list[0] of a segment routing header (RFC 8754: the list is in reverse);
 * NULL when the header names no other. */
static const uint8_t *routing_final(const struct sk_ipv6_ext *e)
{
	/* data: type, segments left, 4 type-specific bytes, then addresses. */
	if (!e->segments_left || e->data_len < 6 + 16)
		return NULL;
	size_t n = (e->data_len - 6) / 16;
	switch (e->rt_type) {
	case 0: return e->data + 6 + 16 * (n - 1);
	case 2:
	case 4: return e->data + 6;
	default: return NULL;
	}
}

/* A jumbogram's length (RFC 2675): the Jumbo Payload option of the
 * hop-by-hop header, when its IPv6 payload length is 0.  0 when absent or
 * not a jumbo length (65,536 and up). */
static uint32_t jumbo_length(const struct sk_ipv6_ext *e)
{
	const uint8_t *o = e->data;
	size_t n = e->data_len;
	for (size_t i = 0; i < n;) {
		if (o[i] == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > n || i + 2 + o[i + 1] > n)
			return 0;
		if (o[i] == 0xc2 && o[i + 1] == 4) {
			uint32_t len = sk_be32(o + i + 2);
			return len > 65535 ? len : 0;
		}
		i += 2 + (size_t)o[i + 1];
	}
	return 0;
}

static void ipv6(struct walk *w, size_t off)
{
	struct sk_layer *l = add(w, SK_P_IPV6, off);
	if (!l)
		return;
	struct sk_ipv6 *ip = &l->u.ipv6;
	int rc = sk_ipv6_decode(w->f + off, w->cap - off, ip);
	if (rc < 0)
		return fail(w, l, rc, 40);
	w->d->net = index_of(w, l);
	l->hdr_len = 40;
	l->payload_len = ip->payload_len_field;
	size_t declared_end = off + 40 + ip->payload_len_field;
	if (!(ip->payload_len_field == 0 && ip->next == SK_IPPROTO_HOPOPTS) &&
	    declared_end < w->end)
		w->end = declared_end;
	/* The extension headers again, one layer each. */
	size_t pend = off + 40 + ip->payload_len; /* captured end of payload */
	size_t p = off + 40;
	uint8_t next = ip->next;
	const uint8_t *final_dst = ip->dst;
	uint32_t jumbo = 0;
	while (sk_ipv6_is_ext(next)) {
		struct sk_layer *e = add(w, SK_P_IPV6_EXT, p);
		if (!e)
			return;
		int n = sk_ipv6_ext_decode(next, w->f + p, pend - p, &e->u.ext);
		if (n < 0)
			return fail(w, e, n, e->u.ext.len ? e->u.ext.len : 8);
		e->hdr_len = (uint32_t)n;
		size_t total = 40 + (size_t)ip->payload_len_field;
		size_t used = p - off + (size_t)n;
		e->payload_len = (uint32_t)(total > used ? total - used : 0);
		p += (size_t)n;
		next = e->u.ext.next;
		if (e->u.ext.proto == SK_IPPROTO_HOPOPTS && !ip->payload_len_field) {
			jumbo = jumbo_length(&e->u.ext);
			if (jumbo)
				l->payload_len = jumbo;
		}
		if (e->u.ext.proto == SK_IPPROTO_ROUTING) {
			const uint8_t *f = routing_final(&e->u.ext);
			if (f)
				final_dst = f;
		}
	}
	size_t have = pend - p;
	size_t total_end = off + 40 + (size_t)(jumbo ? jumbo : ip->payload_len_field);
	size_t declared = total_end > p ? total_end - p : have;
	if (ip->payload_len_field == 0 && ip->next == SK_IPPROTO_HOPOPTS && !jumbo)
		declared = have;
	w->jumbo = jumbo != 0;
	if (ip->is_fragment && ip->frag_off)
		return data(w, p, have);
	if (next == SK_IPPROTO_NONE || next == SK_IPPROTO_ESP)
		return data(w, p, have);
	transport(w, 6, ip->src, final_dst, next, p, have, declared, !ip->is_fragment);
}

static void arp(struct walk *w, size_t off)
{
	struct sk_layer *l = add(w, SK_P_ARP, off);
	if (!l)
		return;
	int rc = sk_arp_decode(w->f + off, w->cap - off, &l->u.arp);
	if (rc < 0)
		return fail(w, l, rc, w->cap - off >= 8 ? 8 + 2 * ((size_t)l->u.arp.hlen + l->u.arp.plen) : 28);
	w->d->net = index_of(w, l);
	l->hdr_len = (uint32_t)rc;
	if (off + (size_t)rc < w->end)
		w->end = off + (size_t)rc;
}

/* Everything an EtherType can introduce: VLAN tags, then the network. */
static void ethertype(struct walk *w, uint16_t type, size_t off)
{
	while (type == SK_ETH_VLAN || type == SK_ETH_QINQ || type == SK_ETH_QINQ1) {
		struct sk_layer *l = add(w, SK_P_VLAN, off);
		if (!l)
			return;
		int rc = sk_vlan_decode(w->f + off, w->cap - off, &l->u.vlan);
		if (rc < 0)
			return fail(w, l, rc, 4);
		l->hdr_len = 4;
		l->payload_len = (uint32_t)(w->d->wirelen - off - 4);
		off += 4;
		type = l->u.vlan.type;
	}
	if (off >= w->cap)
		return;
	switch (type) {
	case SK_ETH_IPV4: return ipv4(w, off);
	case SK_ETH_IPV6: return ipv6(w, off);
	case SK_ETH_ARP:
	case SK_ETH_RARP: return arp(w, off);
	default:
		/* An 802.3 length (LLC and what follows) or an EtherType with
		 * no decoder here: the bytes as data. */
		if (type <= 1500 && off + type < w->end)
			w->end = off + type;
		return data(w, off, w->end - off);
	}
}

static void raw_ip(struct walk *w, size_t off)
{
	if (off >= w->cap)
		return;
	switch (w->f[off] >> 4) {
	case 4: return ipv4(w, off);
	case 6: return ipv6(w, off);
	default: return data(w, off, w->cap - off);
	}
}

static void ppp(struct walk *w)
{
	struct sk_layer *l = add(w, SK_P_PPP, 0);
	int rc = sk_ppp_decode(w->f, w->cap, &l->u.ppp);
	if (rc < 0) {
		fail(w, l, rc, 4);
		return;
	}
	w->d->link = 0;
	l->hdr_len = (uint32_t)rc;
	l->payload_len = (uint32_t)(w->d->wirelen - (size_t)rc);
	if (l->u.ppp.type)
		ethertype(w, l->u.ppp.type, (size_t)rc);
	else
		data(w, (size_t)rc, w->cap - (size_t)rc);
}

static void chdlc(struct walk *w)
{
	struct sk_layer *l = add(w, SK_P_CHDLC, 0);
	int rc = sk_chdlc_decode(w->f, w->cap, &l->u.chdlc);
	if (rc < 0) {
		fail(w, l, rc, 4);
		return;
	}
	w->d->link = 0;
	l->hdr_len = 4;
	l->payload_len = (uint32_t)(w->d->wirelen - 4);
	ethertype(w, l->u.chdlc.protocol, 4);
}

/* The body of an 802.11 data frame: LLC/SNAP, then what its EtherType
 * names. */
static void llc(struct walk *w, size_t off)
{
	struct sk_layer *l = add(w, SK_P_LLC, off);
	if (!l)
		return;
	int rc = sk_llc_decode(w->f + off, w->cap - off, &l->u.llc);
	if (rc < 0) {
		fail(w, l, rc, 8);
		return;
	}
	l->hdr_len = (uint32_t)rc;
	l->payload_len = (uint32_t)(w->d->wirelen - off - (size_t)rc);
	if (l->u.llc.snap && l->u.llc.oui == 0)
		ethertype(w, l->u.llc.type, off + (size_t)rc);
	else
		data(w, off + (size_t)rc, w->cap - off - (size_t)rc);
}

static void wifi(struct walk *w, bool radiotap)
{
	size_t off = 0;
	struct sk_layer *l;
	int rc;
	if (radiotap) {
		l = add(w, SK_P_RADIOTAP, 0);
		rc = sk_radiotap_decode(w->f, w->cap, &l->u.radiotap);
		if (rc < 0) {
			fail(w, l, rc, 8);
			return;
		}
		l->hdr_len = (uint32_t)rc;
		l->payload_len = (uint32_t)(w->d->wirelen - (size_t)rc);
		off = (size_t)rc;
	}
	if (off >= w->cap)
		return;
	l = add(w, SK_P_WIFI, off);
	if (!l)
		return;
	rc = sk_wifi_decode(w->f + off, w->cap - off, &l->u.wifi);
	if (rc < 0) {
		fail(w, l, rc, 24);
		return;
	}
	w->d->link = (int)(l - w->d->layer);
	l->hdr_len = (uint32_t)rc;
	l->payload_len = (uint32_t)(w->d->wirelen - off - (size_t)rc);
	off += (size_t)rc;
	if (off >= w->cap)
		return;
	if (sk_wifi_has_llc(&l->u.wifi))
		llc(w, off);
	else
		data(w, off, w->cap - off);
}

size_t sk_ip_missing(const struct sk_dissection *d, const struct sk_layer *l)
{
	size_t declared;
	if (l->status || l->offset > d->wirelen)
		return 0;
	if (l->proto == SK_P_IPV4)
		declared = l->u.ipv4.total_len;
	else if (l->proto == SK_P_IPV6 && l->u.ipv6.payload_len_field)
		declared = 40 + (size_t)l->u.ipv6.payload_len_field;
	else
		return 0;
	size_t on_wire = d->wirelen - l->offset;
	return declared > on_wire ? declared - on_wire : 0;
}

bool sk_dissect_knows(int linktype)
{
	switch (linktype) {
	case SK_LINK_NULL: case SK_LINK_ETHERNET: case SK_LINK_PPP: case SK_LINK_PPP_HDLC:
	case SK_LINK_RAW: case SK_LINK_C_HDLC: case SK_LINK_IEEE802_11: case SK_LINK_LOOP:
	case SK_LINK_SLL: case SK_LINK_RADIOTAP: case SK_LINK_IPV4: case SK_LINK_IPV6:
	case SK_LINK_SLL2:
		return true;
	default:
		return false;
	}
}

int sk_dissect(int linktype, const uint8_t *frame, size_t caplen,
	       size_t wirelen, struct sk_dissection *d)
{
	d->frame = frame;
	d->caplen = caplen;
	d->wirelen = wirelen < caplen ? caplen : wirelen;
	d->linktype = linktype;
	d->link_unknown = false;
	d->n = 0;
	d->link = d->net = d->transport = -1;
	struct walk w = { .d = d, .f = frame, .cap = caplen, .end = caplen };
	struct sk_layer *l;
	int rc;
	switch (linktype) {
	case SK_LINK_ETHERNET:
		if (!caplen)
			return 0;
		l = add(&w, SK_P_ETH, 0);
		rc = sk_eth_decode(frame, caplen, &l->u.eth);
		if (rc < 0) {
			fail(&w, l, rc, 14);
			break;
		}
		d->link = 0;
		l->hdr_len = 14;
		/* "payload": what the header says follows it, by its own
		 * length field (802.3), or else everything after it on the
		 * wire (Ethernet II), captured or not, as for every layer. */
		l->payload_len = (uint32_t)(l->u.eth.is_8023 ? l->u.eth.type : d->wirelen - 14);
		ethertype(&w, l->u.eth.type, 14);
		break;
	case SK_LINK_SLL:
	case SK_LINK_SLL2: {
		if (!caplen)
			return 0;
		bool v2 = linktype == SK_LINK_SLL2;
		l = add(&w, v2 ? SK_P_SLL2 : SK_P_SLL, 0);
		rc = v2 ? sk_sll2_decode(frame, caplen, &l->u.sll)
			: sk_sll_decode(frame, caplen, &l->u.sll);
		if (rc < 0) {
			fail(&w, l, rc, v2 ? 20 : 16);
			break;
		}
		d->link = 0;
		l->hdr_len = (uint32_t)rc;
		l->payload_len = (uint32_t)(d->wirelen - (size_t)rc);
		/* Protocol values below 0x600 name non-Ethernet payloads
		 * (802.2 LLC, CAN...): shown as data. */
		if (l->u.sll.protocol < 0x600)
			data(&w, (size_t)rc, caplen - (size_t)rc);
		else
			ethertype(&w, l->u.sll.protocol, (size_t)rc);
		break;
	}
	case SK_LINK_NULL:
	case SK_LINK_LOOP:
		if (!caplen)
			return 0;
		l = add(&w, SK_P_NULL, 0);
		rc = sk_null_decode(frame, caplen, linktype == SK_LINK_LOOP, &l->u.null);
		if (rc < 0) {
			fail(&w, l, rc, 4);
			break;
		}
		d->link = 0;
		l->hdr_len = 4;
		l->payload_len = (uint32_t)(d->wirelen - 4);
		if (l->u.null.type)
			ethertype(&w, l->u.null.type, 4);
		else
			data(&w, 4, caplen - 4);
		break;
	case SK_LINK_RAW:
		raw_ip(&w, 0);
		break;
	case SK_LINK_PPP:
	case SK_LINK_PPP_HDLC:
		if (caplen)
			ppp(&w);
		break;
	case SK_LINK_C_HDLC:
		if (caplen)
			chdlc(&w);
		break;
	case SK_LINK_RADIOTAP:
	case SK_LINK_IEEE802_11:
		if (caplen)
			wifi(&w, linktype == SK_LINK_RADIOTAP);
		break;
	case SK_LINK_IPV4:
		if (caplen)
			ipv4(&w, 0);
		break;
	case SK_LINK_IPV6:
		if (caplen)
			ipv6(&w, 0);
		break;
	default:
		d->link_unknown = true;
		if (caplen)
			data(&w, 0, caplen);
		break;
	}
	/* Bytes past what the headers account for: the padding of a short
	 * Ethernet frame, or an Ethernet trailer.  Only when the walk
	 * reached the end of its headers without an error. */
	if (d->n && d->layer[d->n - 1].status == 0 && w.end < caplen) {
		const struct sk_layer *last = &d->layer[d->n - 1];
		size_t used = last->offset + last->hdr_len;
		if (used <= w.end) {
			l = add(&w, SK_P_PADDING, w.end);
			if (l)
				l->hdr_len = (uint32_t)(caplen - w.end);
		}
	}
	return (int)d->n;
}

const struct sk_layer *sk_dissect_find(const struct sk_dissection *d,
				       enum sk_proto proto)
{
	for (unsigned i = 0; i < d->n; i++)
		if (d->layer[i].proto == proto)
			return &d->layer[i];
	return NULL;
}

const char *sk_layer_name(const struct sk_layer *l)
{
	switch (l->proto) {
	case SK_P_NULL: return "null";
	case SK_P_SLL: return "sll";
	case SK_P_SLL2: return "sll2";
	case SK_P_PPP: return "ppp";
	case SK_P_CHDLC: return "chdlc";
	case SK_P_RADIOTAP: return "radiotap";
	case SK_P_WIFI: return "wlan";
	case SK_P_LLC: return "llc";
	case SK_P_ETH: return "eth";
	case SK_P_VLAN: return "vlan";
	case SK_P_ARP: return "arp";
	case SK_P_IPV4: return "ipv4";
	case SK_P_IPV6: return "ipv6";
	case SK_P_IPV6_EXT:
		switch (l->u.ext.proto) {
		case SK_IPPROTO_HOPOPTS: return "ipv6-hopopts";
		case SK_IPPROTO_ROUTING: return "ipv6-routing";
		case SK_IPPROTO_FRAGMENT: return "ipv6-frag";
		case SK_IPPROTO_DSTOPTS: return "ipv6-dstopts";
		default: return "ipv6-ah";
		}
	case SK_P_ICMP: return "icmp";
	case SK_P_ICMP6: return "icmpv6";
	case SK_P_TCP: return "tcp";
	case SK_P_UDP: return "udp";
	case SK_P_DATA: return "data";
	case SK_P_PADDING: return "padding";
	}
	return "unknown";
}
