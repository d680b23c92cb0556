/* One line per packet in the manner of `tcpdump -nn -S`: the same words,
 * addresses, ports, flags and lengths, so that people who read tcpdump read
 * this.  Sequence numbers are absolute (tcpdump's -S): relative ones need
 * per-connection state, and a line must depend on its packet only. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sockit/dissect.h"
#include "sockit/error.h"

struct line {
	char *buf;
	size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void say(struct line *o,
						     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static const char *addr(const uint8_t *a, bool v6, char *buf, size_t cap)
{
	if (v6)
		inet_ntop(AF_INET6, a, buf, (socklen_t)cap);
	else if (cap >= 16)
		sk_ipv4_format(a, buf);
	return buf;
}

static void hex_bytes(struct line *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		say(o, "%02x", p[i]);
}

/* The options after RFC 793's, in tcpdump's words. */
static void named_option(struct line *o, uint8_t kind, const uint8_t *v, size_t n)
{
	if (kind == SK_TCPOPT_MD5 && n == 16) {
		say(o, "md5 shared secret not supplied with -M, can't check - ");
		hex_bytes(o, v, n);
	} else if (kind == SK_TCPOPT_UTO && n == 2) {
		say(o, "uto 0x%x %u", sk_be16(v), sk_tcp_uto_seconds(sk_be16(v)));
	} else if (kind == SK_TCPOPT_TFO && (n == 0 || (n >= 4 && n <= 16))) {
		say(o, "tfo  %s", n ? "cookie " : "cookiereq");
		hex_bytes(o, v, n);
	} else if (kind == SK_TCPOPT_MPTCP && n >= 1) {
		const char *sub = sk_mptcp_subtype_name(v[0] >> 4);
		if (sub)
			say(o, "mptcp %zu %s", n + 2, sub);
		else
			say(o, "mptcp %zu subtype %u", n + 2, v[0] >> 4);
	} else {
		say(o, "unknown-%u", kind);
	}
}

static void tcp_options(struct line *o, const struct sk_tcp *t)
{
	if (!t->options_len)
		return;
	say(o, ", options [");
	const uint8_t *p = t->options;
	size_t i = 0, n = t->options_len;
	bool first = true;
	while (i < n) {
		uint8_t kind = p[i];
		say(o, "%s", first ? "" : ",");
		first = false;
		if (kind == 0) {
			say(o, "eol");
			break;
		}
		if (kind == 1) {
			say(o, "nop");
			i++;
			continue;
		}
		if (i + 2 > n || p[i + 1] < 2 || i + p[i + 1] > n) {
			say(o, "bad opts");
			break;
		}
		size_t ol = p[i + 1];
		const uint8_t *v = p + i + 2;
		if (kind == 2 && ol == 4)
			say(o, "mss %u", sk_be16(v));
		else if (kind == 3 && ol == 3)
			say(o, "wscale %u", v[0]);
		else if (kind == 4 && ol == 2)
			say(o, "sackOK");
		else if (kind == 5 && (ol - 2) % 8 == 0) {
			say(o, "sack %zu ", (ol - 2) / 8);
			for (size_t b = 0; b + 8 <= ol - 2; b += 8)
				say(o, "{%u:%u}", sk_be32(v + b), sk_be32(v + b + 4));
		} else if (kind == 8 && ol == 10)
			say(o, "TS val %u ecr %u", sk_be32(v), sk_be32(v + 4));
		else
			named_option(o, kind, v, ol - 2);
		i += ol;
	}
	say(o, "]");
}

static const struct sk_layer *after(const struct sk_dissection *d, int i)
{
	return i >= 0 && (unsigned)i + 1 < d->n ? &d->layer[i + 1] : NULL;
}

/* "udp port 9 unreachable": the datagram an ICMP error quotes. */
static void quoted(struct line *o, const uint8_t *p, size_t n, uint8_t code)
{
	struct sk_ipv4 ip;
	if (sk_ipv4_decode(p, n, &ip) >= 0 && code == 3 && ip.payload_len >= 4 &&
	    (ip.proto == SK_IPPROTO_UDP || ip.proto == SK_IPPROTO_TCP)) {
		char a[INET6_ADDRSTRLEN];
		say(o, "%s %s port %u unreachable", addr(ip.dst, false, a, sizeof a),
		    ip.proto == SK_IPPROTO_UDP ? "udp" : "tcp", sk_be16(ip.payload + 2));
		return;
	}
	if (sk_ipv4_decode(p, n, &ip) >= 0 && (code == 0 || code == 1)) {
		char a[INET6_ADDRSTRLEN];
		say(o, "%s %s unreachable", code ? "host" : "net",
		    addr(ip.dst, false, a, sizeof a));
		return;
	}
	const char *cn = sk_icmp_code_name(3, code);
	say(o, "%s", cn ? cn : "unreachable");
}

static void transport(struct line *o, const struct sk_dissection *d, bool v6,
		      const uint8_t *src, const uint8_t *dst, size_t l4len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const struct sk_layer *t = d->transport >= 0 ? &d->layer[d->transport] : NULL;
	const struct sk_layer *last = &d->layer[d->n - 1];
	addr(src, v6, a, sizeof a);
	addr(dst, v6, b, sizeof b);
	if (!t) {
		/* Truncated transport header, a fragment or another protocol. */
		const uint8_t *h = d->frame + last->offset;
		if (last->status && (last->proto == SK_P_TCP || last->proto == SK_P_UDP) &&
		    last->hdr_len >= 4) {
			/* The ports were captured: tcpdump shows them, then a
			 * second space before the cut. */
			say(o, "%s.%u > %s.%u:  [|%s]", a, sk_be16(h), b, sk_be16(h + 2),
			    sk_layer_name(last));
			return;
		}
		say(o, "%s > %s: ", a, b);
		if (last->status && (last->proto == SK_P_TCP || last->proto == SK_P_UDP ||
				     last->proto == SK_P_ICMP || last->proto == SK_P_ICMP6))
			say(o, "[|%s]", sk_layer_name(last));
		else if (last->proto == SK_P_IPV6_EXT && last->status)
			say(o, "[|ipv6 ext]");
		else {
			const struct sk_layer *net = &d->layer[d->net];
			uint8_t proto = v6 ? net->u.ipv6.upper : net->u.ipv4.proto;
			const char *pn = sk_ipproto_name(proto);
			if (v6 && pn)
				say(o, "%s, length %zu", pn, l4len);
			else
				say(o, "ip-proto-%u", proto);
		}
		return;
	}
	switch (t->proto) {
	case SK_P_TCP: {
		const struct sk_tcp *tc = &t->u.tcp;
		char fl[16];
		sk_tcp_flags_letters(tc->flags, fl, sizeof fl);
		size_t plen = t->payload_len;
		say(o, "%s.%u > %s.%u: Flags [%s]", a, tc->sport, b, tc->dport, fl);
		if (plen || (tc->flags & (SK_TCP_SYN | SK_TCP_FIN | SK_TCP_RST)) || !(tc->flags & SK_TCP_ACK)) {
			if (plen)
				say(o, ", seq %u:%u", tc->seq, (uint32_t)(tc->seq + plen));
			else
				say(o, ", seq %u", tc->seq);
		}
		if (tc->flags & SK_TCP_ACK)
			say(o, ", ack %u", tc->ack);
		say(o, ", win %u", tc->window);
		if (tc->flags & SK_TCP_URG)
			say(o, ", urg %u", tc->urg);
		tcp_options(o, tc);
		say(o, ", length %zu", plen);
		break;
	}
	case SK_P_UDP:
		/* payload_len: UDP's own length, or a jumbogram's. */
		say(o, "%s.%u > %s.%u: UDP, length %u", a, t->u.udp.sport, b,
		    t->u.udp.dport, t->payload_len);
		break;
	case SK_P_ICMP: {
		const struct sk_icmp *c = &t->u.icmp;
		say(o, "%s > %s: ICMP ", a, b);
		if (c->type == 8 || c->type == 0)
			say(o, "echo %s, id %u, seq %u", c->type ? "request" : "reply",
			    c->id, c->seq);
		else if (c->type == 3)
			quoted(o, c->payload, c->payload_len, c->code);
		else if (c->type == 11)
			say(o, "time exceeded in-transit");
		else {
			const char *tn = sk_icmp_type_name(c->type);
			if (tn)
				say(o, "%s", tn);
			else
				say(o, "type-#%u", c->type);
		}
		say(o, ", length %zu", l4len);
		break;
	}
	case SK_P_ICMP6: {
		const struct sk_icmp *c = &t->u.icmp;
		say(o, "%s > %s: ICMP6, ", a, b);
		struct sk_nd nd;
		char tg[INET6_ADDRSTRLEN];
		if (c->type == 128 || c->type == 129)
			say(o, "echo %s, id %u, seq %u", c->type == 128 ? "request" : "reply",
			    c->id, c->seq);
		else if ((c->type == 135 || c->type == 136) &&
			 sk_nd_decode(d->frame + t->offset, t->hdr_len, &nd) >= 0)
			say(o, "neighbor %s, %s %s",
			    c->type == 135 ? "solicitation" : "advertisement",
			    c->type == 135 ? "who has" : "tgt is",
			    addr(nd.target, true, tg, sizeof tg));
		else {
			const char *tn = sk_icmp6_type_name(c->type);
			if (tn) {
				/* tcpdump's words: "router solicitation". */
				char w[48];
				snprintf(w, sizeof w, "%s", tn);
				for (char *q = w; *q; q++)
					if (*q == '-')
						*q = ' ';
				say(o, "%s", w);
			} else {
				say(o, "type-#%u", c->type);
			}
		}
		say(o, ", length %zu", l4len);
		break;
	}
	default:
		break;
	}
	(void)after;
}

static void checks(struct line *o, const struct sk_dissection *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		const struct sk_layer *l = &d->layer[i];
		if (l->csum_checked && l->csum_bad)
			say(o, " [bad %s cksum]", sk_layer_name(l));
	}
	const struct sk_layer *last = &d->layer[d->n - 1];
	if (last->status == SK_EMALFORMED)
		say(o, " [malformed %s]", sk_layer_name(last));
}

static void net(struct line *o, const struct sk_dissection *d, bool link)
{
	const struct sk_layer *n = &d->layer[d->net];
	switch (n->proto) {
	case SK_P_ARP: {
		const struct sk_arp *a = &n->u.arp;
		char s[INET_ADDRSTRLEN], t[INET_ADDRSTRLEN], m[18];
		/* tcpdump counts the ARP "length" as everything after the
		 * link header, padding included. */
		size_t len = d->wirelen - n->offset;
		if (!link)
			say(o, "ARP, ");
		if (!sk_arp_is_eth_ipv4(a)) {
			say(o, "htype %u ptype 0x%04x op %u, length %zu", a->htype, a->ptype,
			    a->op, len);
			return;
		}
		addr(a->spa, false, s, sizeof s);
		addr(a->tpa, false, t, sizeof t);
		char th[18];
		sk_mac_format(a->sha, m);
		sk_mac_format(a->tha, th);
		/* RARP (RFC 903) and InARP (RFC 2390) ask for an address by a
		 * MAC: tcpdump's words for each. */
		if (a->op == 1)
			say(o, "Request who-has %s tell %s, length %zu", t, s, len);
		else if (a->op == 2)
			say(o, "Reply %s is-at %s, length %zu", s, m, len);
		else if (a->op == 3 || a->op == 8)
			say(o, "%s Request who-is %s tell %s, length %zu",
			    a->op == 3 ? "Reverse" : "Inverse", th, m, len);
		else if (a->op == 4) /* the asker's MAC and its new address */
			say(o, "Reverse Reply %s at %s, length %zu", th, t, len);
		else if (a->op == 9) /* the answerer's MAC and address */
			say(o, "Inverse Reply %s at %s, length %zu", m, s, len);
		else
			say(o, "op %u %s > %s, length %zu", a->op, s, t, len);
		return;
	}
	case SK_P_IPV4:
		if (!link)
			say(o, "IP ");
		if (sk_ip_missing(d, n))
			say(o, "truncated-ip - %zu bytes missing! ", sk_ip_missing(d, n));
		transport(o, d, false, n->u.ipv4.src, n->u.ipv4.dst, n->payload_len);
		return;
	case SK_P_IPV6: {
		if (!link)
			say(o, "IP6 ");
		const struct sk_ipv6 *ip = &n->u.ipv6;
		size_t l4 = ip->payload_len_field > ip->upper_off - 40
				    ? ip->payload_len_field - (ip->upper_off - 40)
				    : 0;
		transport(o, d, true, ip->src, ip->dst, l4);
		return;
	}
	default:
		return;
	}
}

/* "802.11 Beacon, 02:..:01 > ff:..:ff, BSSID 02:..:01, length 60": the
 * frame's kind, who sent it to whom, and its network. */
static void wifi_line(struct line *o, const struct sk_dissection *d)
{
	const struct sk_wifi *w = &d->layer[d->link].u.wifi;
	const char *name = sk_wifi_subtype_name(w->type, w->subtype);
	if (name)
		say(o, "802.11 %s", name);
	else
		say(o, "802.11 type %u subtype %u", w->type, w->subtype);
	struct sk_wifi_roles r;
	sk_wifi_roles(w, &r);
	char a[18], b[18];
	const uint8_t *from = r.sa ? r.sa : r.ta, *to = r.da ? r.da : r.ra;
	if (from) {
		sk_mac_format(from, a);
		sk_mac_format(to, b);
		say(o, ", %s > %s", a, b);
	} else {
		sk_mac_format(to, b);
		say(o, ", RA %s", b);
	}
	if (r.bssid) {
		sk_mac_format(r.bssid, a);
		say(o, ", BSSID %s", a);
	}
	if (w->protected_frame)
		say(o, ", protected");
	say(o, ", length %zu", d->wirelen);
}

size_t sk_dissect_summary(const struct sk_dissection *d, bool link, char *buf,
			  size_t cap)
{
	struct line o = { .buf = buf, .cap = cap };
	if (cap)
		buf[0] = 0;
	if (!d->n) {
		say(&o, "empty frame");
		return o.len;
	}
	const struct sk_layer *first = &d->layer[0];
	unsigned i = 0;
	if (link && first->status == 0 && first->proto == SK_P_ETH) {
		char s[18], t[18];
		sk_mac_format(first->u.eth.src, s);
		sk_mac_format(first->u.eth.dst, t);
		const char *tn = sk_ethertype_name(first->u.eth.type);
		if (first->u.eth.is_8023)
			say(&o, "%s > %s, 802.3, length %zu: ", s, t, d->wirelen);
		else
			say(&o, "%s > %s, ethertype %s (0x%04x), length %zu: ", s, t,
			    tn ? tn : "Unknown", first->u.eth.type, d->wirelen);
		for (i = 1; i < d->n && d->layer[i].proto == SK_P_VLAN; i++) {
			const struct sk_vlan *v = &d->layer[i].u.vlan;
			if (d->layer[i].status)
				break;
			tn = sk_ethertype_name(v->type);
			say(&o, "vlan %u, p %u, ethertype %s (0x%04x), ", v->vid, v->pcp,
			    tn ? tn : "Unknown", v->type);
		}
	} else if (link && first->status == 0 &&
		   (first->proto == SK_P_SLL || first->proto == SK_P_SLL2)) {
		static const char *const dir[] = { "In", "B", "M", "P", "Out" };
		const struct sk_sll *s = &first->u.sll;
		say(&o, "%s ", s->pkttype < 5 ? dir[s->pkttype] : "?");
		if (s->addr_len == 6) {
			char m[18];
			sk_mac_format(s->addr, m);
			say(&o, "%s ", m);
		}
		const char *tn = sk_ethertype_name(s->protocol);
		say(&o, "ethertype %s (0x%04x), length %zu: ", tn ? tn : "Unknown",
		    s->protocol, d->wirelen);
	} else {
		link = false;
	}
	if (d->net >= 0) {
		net(&o, d, link);
		checks(&o, d);
		return o.len;
	}
	/* Nothing above the link layer that we decode. */
	const struct sk_layer *last = &d->layer[d->n - 1];
	if (last->status) {
		/* tcpdump's words for an IP header the capture cuts. */
		if (last->proto == SK_P_IPV4)
			say(&o, "IP  [|ip]");
		else if (last->proto == SK_P_IPV6)
			say(&o, " [|ip6]");
		else
			say(&o, "[|%s]", sk_layer_name(last));
		return o.len;
	}
	if (first->proto == SK_P_ETH) {
		if (!link) {
			uint16_t type = first->u.eth.type;
			for (unsigned k = 1; k < d->n; k++)
				if (d->layer[k].proto == SK_P_VLAN)
					type = d->layer[k].u.vlan.type;
			if (first->u.eth.is_8023)
				say(&o, "802.3, length %zu", d->wirelen);
			else
				say(&o, "ethertype 0x%04x, length %zu", type, d->wirelen);
		} else {
			say(&o, "length %zu", d->wirelen - first->hdr_len);
		}
	} else if (d->link >= 0 && d->layer[d->link].proto == SK_P_WIFI) {
		wifi_line(&o, d);
	} else if (d->net < 0 && d->n > 1 && d->layer[1].proto == SK_P_IPV4) {
		say(&o, "[|ipv4]");
	} else {
		say(&o, "%s, length %zu", sk_layer_name(first), d->wirelen);
	}
	checks(&o, d);
	(void)i;
	return o.len;
}
