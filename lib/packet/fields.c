/* Named fields of each layer, for the --layers view and --json: listed
 * as references (names and texts static, addresses in the frame), so that
 * an emitter writing millions of them copies nothing on the way;
 * sk_layer_fields turns the list into text for callers that want that. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sockit/bytes.h"
#include "sockit/dissect.h"
#include "sockit/error.h"

/* Only the members a field's kind reads are set. */
static struct sk_field_ref *next(struct sk_field_list *o, const char *name, unsigned len,
				 enum sk_ref_kind kind)
{
	if (o->n >= SK_FIELDS_MAX)
		return NULL;
	struct sk_field_ref *f = &o->f[o->n++];
	f->name = name;
	f->name_len = len;
	f->kind = kind;
	f->flags = 0;
	return f;
}

/* The name's length from the literal itself: every call site names its
 * field with a string literal ("" x "" refuses anything else). */
#define NAME(x) "" x "", (unsigned)(sizeof("" x "") - 1)

static void num_flags(struct sk_field_list *o, const char *name, unsigned len, uint64_t v,
		      unsigned flags)
{
	struct sk_field_ref *f = next(o, name, len, SK_REF_UINT);
	if (f) {
		f->num = v;
		f->flags = flags;
	}
}

static void boolean_(struct sk_field_list *o, const char *name, unsigned len, bool v)
{
	struct sk_field_ref *f = next(o, name, len, SK_REF_BOOL);
	if (f)
		f->num = v;
}

/* Text that names the value of the field before it ("type_name" right
 * after "type") says so, for a view that shows the two on one line. */
static void text_(struct sk_field_list *o, const char *name, unsigned len, const char *v,
		  size_t n)
{
	const struct sk_field_ref *prev = o->n ? &o->f[o->n - 1] : NULL;
	struct sk_field_ref *f = next(o, name, len, SK_REF_TEXT);
	if (!f)
		return;
	f->text = v;
	f->text_len = n;
	if (prev && len == prev->name_len + 5u && !memcmp(name, prev->name, prev->name_len) &&
	    !memcmp(name + prev->name_len, "_name", 5))
		f->flags = SK_REF_NAMES_PREV;
}

static void str_(struct sk_field_list *o, const char *name, unsigned len, const char *v)
{
	text_(o, name, len, v, strlen(v));
}

/* A copy in the list's scratch, for what the walk composes itself; NULL
 * when it is full. */
static const void *keep(struct sk_field_list *o, const void *v, size_t n)
{
	if (n > sizeof o->scratch - o->used)
		return NULL;
	char *p = o->scratch + o->used;
	memcpy(p, v, n);
	o->used += n;
	return p;
}

static void composed_(struct sk_field_list *o, const char *name, unsigned len, const char *v,
		      size_t n)
{
	const char *kept = keep(o, v, n);
	if (kept)
		text_(o, name, len, kept, n);
}

static void addr_(struct sk_field_list *o, const char *name, unsigned len,
		  enum sk_ref_kind kind, const uint8_t *a)
{
	struct sk_field_ref *f = next(o, name, len, kind);
	if (f)
		f->addr = a;
}

#define num(o, name, v) num_flags(o, NAME(name), v, 0)
#define hexnum(o, name, v) num_flags(o, NAME(name), v, SK_REF_HEX)
#define boolean(o, name, v) boolean_(o, NAME(name), v)
#define str(o, name, v) str_(o, NAME(name), v)
#define composed(o, name, v) composed_(o, NAME(name), v, strlen(v))
#define mac(o, name, a) addr_(o, NAME(name), SK_REF_MAC, a)
#define ip4(o, name, a) addr_(o, NAME(name), SK_REF_IPV4, a)
#define ip6(o, name, a) addr_(o, NAME(name), SK_REF_IPV6, a)

static void checksum(struct sk_field_list *o, const struct sk_layer *l, uint16_t value)
{
	hexnum(o, "checksum", value);
	if (l->csum_checked)
		boolean(o, "checksum_ok", !l->csum_bad);
	if (l->csum_partial)
		boolean(o, "checksum_offloaded", true);
}

/* Bytes as lower-case hex digits (n <= 32). */
static void hex_text(struct sk_field_list *o, const char *name, unsigned len,
		     const uint8_t *p, size_t n)
{
	char buf[65];
	composed_(o, name, len, buf, sk_hex_encode(p, n, buf, sizeof buf));
}

/* Version 0 (RFC 6824) had crypto bits C to H, H naming HMAC-SHA1;
 * version 1 made C "no more subflows" and H HMAC-SHA256. */
static void mptcp_capable_flags(struct sk_field_list *o, uint8_t version, uint8_t f)
{
	boolean(o, "mptcp_checksum_required", f & 0x80);
	boolean(o, "mptcp_extensibility", f & 0x40);
	if (version == 0) {
		boolean(o, "mptcp_sha1", f & 0x01);
		return;
	}
	boolean(o, "mptcp_no_more_subflows", f & 0x20);
	boolean(o, "mptcp_sha256", f & 0x01);
}

static void mptcp_rst_flags(struct sk_field_list *o, uint8_t f)
{
	boolean(o, "mptcp_flag_u", f & 0x08);
	boolean(o, "mptcp_flag_v", f & 0x04);
	boolean(o, "mptcp_flag_w", f & 0x02);
	boolean(o, "mptcp_transient", f & 0x01);
}

/* The first MPTCP option's subtype by RFC 8684's name and the fields it
 * carries, in the order tshark lists them. */
static void mptcp_fields(struct sk_field_list *o, const uint8_t *v, size_t n)
{
	struct sk_mptcp m;
	int rc = sk_mptcp_decode(v, n, &m);
	const char *name = sk_mptcp_name(m.subtype);
	if (name)
		str(o, "mptcp", name);
	else
		num(o, "mptcp", m.subtype);
	if (rc < 0) {
		boolean(o, "mptcp_malformed", true);
		return;
	}
	if (m.subtype == SK_MPTCP_CAPABLE)
		num(o, "mptcp_version", m.version);
	if (m.has_flags)
		num(o, "mptcp_flags", m.flags);
	if (m.subtype == SK_MPTCP_CAPABLE)
		mptcp_capable_flags(o, m.version, m.flags);
	if (m.subtype == SK_MPTCP_DSS)
		boolean(o, "mptcp_data_fin", m.data_fin);
	if (m.subtype == SK_MPTCP_TCPRST)
		mptcp_rst_flags(o, m.flags);
	if (m.has_backup)
		boolean(o, "mptcp_backup", m.backup);
	if (m.has_echo)
		boolean(o, "mptcp_echo", m.echo);
	if (m.has_addr_id)
		num(o, "mptcp_addr_id", m.addr_id);
	if (m.has_send_key)
		num(o, "mptcp_send_key", m.send_key);
	if (m.has_recv_key)
		num(o, "mptcp_recv_key", m.recv_key);
	if (m.has_token)
		num(o, "mptcp_token", m.token);
	if (m.has_nonce)
		num(o, "mptcp_nonce", m.nonce);
	if (m.has_trunc_hmac)
		num(o, "mptcp_trunc_hmac", m.trunc_hmac);
	if (m.hmac)
		hex_text(o, NAME("mptcp_hmac"), m.hmac, 20);
	if (m.has_data_ack)
		num(o, "mptcp_data_ack", m.data_ack);
	if (m.has_dsn)
		num(o, "mptcp_dsn", m.dsn);
	if (m.has_ssn)
		num(o, "mptcp_ssn", m.ssn);
	if (m.has_data_len)
		num(o, "mptcp_data_len", m.data_len);
	if (m.has_checksum)
		num(o, "mptcp_checksum", m.checksum);
	if (m.addr && m.addr_len == 4)
		ip4(o, "mptcp_addr", m.addr);
	else if (m.addr)
		ip6(o, "mptcp_addr", m.addr);
	if (m.has_port)
		num(o, "mptcp_port", m.port);
	if (m.n_addr_ids) {
		char ids[SK_FIELD_STRLEN];
		size_t k = 0;
		for (unsigned i = 0; i < m.n_addr_ids && k + 5 < sizeof ids; i++)
			k += (size_t)snprintf(ids + k, sizeof ids - k, "%s%u", i ? "," : "",
					      m.addr_ids[i]);
		composed(o, "mptcp_addr_ids", ids);
	}
	if (m.has_reason)
		num(o, "mptcp_reason", m.reason);
}

static void tcp_fields(struct sk_field_list *o, const struct sk_layer *l)
{
	const struct sk_tcp *t = &l->u.tcp;
	char buf[64];
	num(o, "sport", t->sport);
	num(o, "dport", t->dport);
	num(o, "seq", t->seq);
	num(o, "ack", t->ack);
	num(o, "hl", t->hl);
	sk_tcp_flags_str(t->flags, buf, sizeof buf);
	composed(o, "flags", buf);
	num(o, "window", t->window);
	checksum(o, l, t->checksum);
	num(o, "urg", t->urg);
	if (!t->options_len)
		return;
	struct sk_tcp_opts op;
	bool bad = sk_tcp_options(t->options, t->options_len, &op) < 0;
	if (op.has_mss)
		num(o, "mss", op.mss);
	if (op.has_wscale)
		num(o, "wscale", op.wscale);
	if (op.sack_ok)
		boolean(o, "sack_ok", true);
	if (op.has_ts) {
		num(o, "ts_val", op.ts_val);
		num(o, "ts_ecr", op.ts_ecr);
	}
	if (op.n_sack) {
		char s[SK_FIELD_STRLEN];
		size_t k = 0;
		for (unsigned i = 0; i < op.n_sack; i++) {
			int n = snprintf(s + k, sizeof s - k, "%s%u-%u", i ? " " : "",
					 op.sack[i][0], op.sack[i][1]);
			if (n < 0 || (size_t)n >= sizeof s - k)
				break;
			k += (size_t)n;
		}
		composed(o, "sack", s);
	}
	if (op.md5)
		hex_text(o, NAME("md5"), op.md5, 16);
	if (op.has_uto)
		num(o, "uto", op.uto);
	if (op.has_mptcp)
		mptcp_fields(o, op.mptcp, op.mptcp_len);
	if (op.tfo && op.tfo_cookie_len)
		hex_text(o, NAME("tfo_cookie"), op.tfo_cookie, op.tfo_cookie_len);
	else if (op.tfo)
		boolean(o, "tfo_cookie_request", true);
	if (bad)
		boolean(o, "options_malformed", true);
}

static void icmp_fields(struct sk_field_list *o, const struct sk_dissection *d,
			const struct sk_layer *l)
{
	const struct sk_icmp *c = &l->u.icmp;
	bool v6 = l->proto == SK_P_ICMP6;
	num(o, "type", c->type);
	const char *tn = v6 ? sk_icmp6_type_name(c->type) : sk_icmp_type_name(c->type);
	if (tn)
		str(o, "type_name", tn);
	num(o, "code", c->code);
	const char *cn = v6 ? sk_icmp6_code_name(c->type, c->code)
			    : sk_icmp_code_name(c->type, c->code);
	if (cn)
		str(o, "code_name", cn);
	checksum(o, l, c->checksum);
	bool echo = v6 ? (c->type == 128 || c->type == 129)
		       : (c->type == 0 || c->type == 8 || c->type == 13 || c->type == 14);
	if (echo) {
		num(o, "id", c->id);
		num(o, "seq", c->seq);
	} else if ((!v6 && c->type == 3 && c->code == 4)) {
		num(o, "mtu", c->rest & 0xffff);
	} else if (v6 && c->type == 2) {
		num(o, "mtu", c->rest);
	} else if (!v6 && c->type == 5) {
		uint8_t gw[4] = { (uint8_t)(c->rest >> 24), (uint8_t)(c->rest >> 16),
				  (uint8_t)(c->rest >> 8), (uint8_t)c->rest };
		const uint8_t *kept = keep(o, gw, sizeof gw);
		if (kept)
			ip4(o, "gateway", kept);
	}
	if (!v6 || c->type < 133 || c->type > 137)
		return;
	struct sk_nd nd;
	if (sk_nd_decode(d->frame + l->offset, l->hdr_len, &nd) < 0)
		return;
	if (nd.target)
		ip6(o, "target", nd.target);
	if (nd.dest)
		ip6(o, "destination", nd.dest);
	if (c->type == 136) {
		boolean(o, "router", nd.router);
		boolean(o, "solicited", nd.solicited);
		boolean(o, "override", nd.override);
	}
	if (c->type == 134) {
		num(o, "cur_hop_limit", nd.cur_hop_limit);
		boolean(o, "managed", nd.managed);
		boolean(o, "other", nd.other);
		num(o, "router_lifetime", nd.router_lifetime);
		num(o, "reachable_time", nd.reachable);
		num(o, "retrans_timer", nd.retrans);
		if (nd.mtu)
			num(o, "mtu", nd.mtu);
	}
	if (nd.src_lladdr)
		mac(o, "src_lladdr", nd.src_lladdr);
	if (nd.tgt_lladdr)
		mac(o, "tgt_lladdr", nd.tgt_lladdr);
	if (nd.opts_truncated)
		boolean(o, "options_malformed", true);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void wifi_fields(struct sk_field_list *o, const struct sk_wifi *w)
{
	num(o, "type", w->type);
	num(o, "subtype", w->subtype);
	const char *name = sk_wifi_subtype_name(w->type, w->subtype);
	if (name)
		str(o, "type_name", name);
	boolean(o, "to_ds", w->to_ds);
	boolean(o, "from_ds", w->from_ds);
	boolean(o, "retry", w->retry);
	boolean(o, "protected", w->protected_frame);
	num(o, "duration", w->duration);
	struct sk_wifi_roles r;
	sk_wifi_roles(w, &r);
	static const char *const names[] = { "ra", "ta", "da", "sa", "bssid" };
	const uint8_t *addrs[] = { r.ra, r.ta, r.da, r.sa, r.bssid };
	for (unsigned i = 0; i < 5; i++)
		if (addrs[i])
			addr_(o, names[i], (unsigned)strlen(names[i]), SK_REF_MAC, addrs[i]);
	if (w->has_seq) {
		num(o, "seq", w->seq);
		num(o, "frag", w->frag);
	}
	if (w->qos)
		num(o, "tid", w->tid);
}

/* The fixed-place fields of the headers a capture may cut, in the order
 * and with the names a whole header gives them. */
enum cut_kind { CUT_NUM, CUT_HEX, CUT_IP4, CUT_IP6 };
struct cut_field {
	const char *name;
	uint8_t off, size;
	enum cut_kind kind;
};
static const struct cut_field ipv4_cut[] = {
	{ "total_len", 2, 2, CUT_NUM }, { "id", 4, 2, CUT_NUM }, { "ttl", 8, 1, CUT_NUM },
	{ "proto", 9, 1, CUT_NUM }, { "checksum", 10, 2, CUT_HEX }, { "src", 12, 4, CUT_IP4 },
	{ "dst", 16, 4, CUT_IP4 }, { NULL, 0, 0, CUT_NUM },
};
static const struct cut_field ipv6_cut[] = {
	{ "payload_len", 4, 2, CUT_NUM }, { "next", 6, 1, CUT_NUM }, { "hlim", 7, 1, CUT_NUM },
	{ "src", 8, 16, CUT_IP6 }, { "dst", 24, 16, CUT_IP6 }, { NULL, 0, 0, CUT_NUM },
};
static const struct cut_field tcp_cut[] = {
	{ "sport", 0, 2, CUT_NUM }, { "dport", 2, 2, CUT_NUM }, { "seq", 4, 4, CUT_NUM },
	{ "ack", 8, 4, CUT_NUM }, { "window", 14, 2, CUT_NUM }, { "checksum", 16, 2, CUT_HEX },
	{ "urg", 18, 2, CUT_NUM }, { NULL, 0, 0, CUT_NUM },
};
static const struct cut_field udp_cut[] = {
	{ "sport", 0, 2, CUT_NUM }, { "dport", 2, 2, CUT_NUM }, { "length", 4, 2, CUT_NUM },
	{ "checksum", 6, 2, CUT_HEX }, { NULL, 0, 0, CUT_NUM },
};

static void cut_fields(struct sk_field_list *o, const struct sk_dissection *d, const struct sk_layer *l)
{
	const struct cut_field *t = l->proto == SK_P_IPV4 ? ipv4_cut
				    : l->proto == SK_P_IPV6 ? ipv6_cut
				    : l->proto == SK_P_TCP ? tcp_cut
				    : l->proto == SK_P_UDP ? udp_cut : NULL;
	const uint8_t *p = d->frame + l->offset;
	size_t have = l->offset < d->caplen ? d->caplen - l->offset : 0;
	for (; t && t->name; t++) {
		if ((size_t)t->off + t->size > have)
			continue;
		const uint8_t *v = p + t->off;
		unsigned len = (unsigned)strlen(t->name);
		if (t->kind == CUT_IP4 || t->kind == CUT_IP6)
			addr_(o, t->name, len, t->kind == CUT_IP4 ? SK_REF_IPV4 : SK_REF_IPV6, v);
		else
			num_flags(o, t->name, len,
				  t->size == 1 ? v[0] : t->size == 2 ? sk_be16(v) : sk_be32(v),
				  t->kind == CUT_HEX ? SK_REF_HEX : 0);
	}
}

/* Link layers' fields; false for a layer that is not one. */
static bool link_fields(struct sk_field_list *o, const struct sk_layer *l)
{
	const char *name;
	switch (l->proto) {
	case SK_P_NULL:
		num(o, "family", l->u.null.family);
		break;
	case SK_P_SLL:
	case SK_P_SLL2: {
		const struct sk_sll *s = &l->u.sll;
		num(o, "pkttype", s->pkttype);
		num(o, "hatype", s->hatype);
		num(o, "addr_len", s->addr_len);
		if (s->addr_len == 6)
			mac(o, "addr", s->addr);
		hexnum(o, "protocol", s->protocol);
		if (l->proto == SK_P_SLL2)
			num(o, "ifindex", s->ifindex);
		break;
	}
	case SK_P_PPP:
		boolean(o, "address_control", l->u.ppp.has_ac);
		hexnum(o, "protocol", l->u.ppp.protocol);
		if ((name = sk_ppp_protocol_name(l->u.ppp.protocol)))
			str(o, "protocol_name", name);
		break;
	case SK_P_CHDLC:
		num(o, "address", l->u.chdlc.address);
		num(o, "control", l->u.chdlc.control);
		hexnum(o, "protocol", l->u.chdlc.protocol);
		if ((name = sk_ethertype_name(l->u.chdlc.protocol)))
			str(o, "protocol_name", name);
		break;
	case SK_P_RADIOTAP:
		num(o, "version", l->u.radiotap.version);
		num(o, "length", l->u.radiotap.len);
		num(o, "present", l->u.radiotap.present);
		break;
	case SK_P_WIFI:
		wifi_fields(o, &l->u.wifi);
		break;
	case SK_P_LLC:
		num(o, "dsap", l->u.llc.dsap);
		num(o, "ssap", l->u.llc.ssap);
		num(o, "control", l->u.llc.control);
		if (l->u.llc.snap) {
			num(o, "oui", l->u.llc.oui);
			num(o, "type", l->u.llc.type);
			if ((name = sk_ethertype_name(l->u.llc.type)))
				str(o, "type_name", name);
		}
		break;
	case SK_P_ETH:
		mac(o, "dst", l->u.eth.dst);
		mac(o, "src", l->u.eth.src);
		if (l->u.eth.is_8023) {
			num(o, "length", l->u.eth.type);
		} else {
			hexnum(o, "type", l->u.eth.type);
			if ((name = sk_ethertype_name(l->u.eth.type)))
				str(o, "type_name", name);
		}
		break;
	case SK_P_VLAN:
		num(o, "pcp", l->u.vlan.pcp);
		boolean(o, "dei", l->u.vlan.dei);
		num(o, "vid", l->u.vlan.vid);
		hexnum(o, "type", l->u.vlan.type);
		break;
	default:
		return false;
	}
	return true;
}

/* ARP's and IP's fields; false for another layer. */
static bool net_fields(struct sk_field_list *o, const struct sk_dissection *d, const struct sk_layer *l)
{
	const char *name;
	size_t missing;
	switch (l->proto) {
	case SK_P_ARP: {
		const struct sk_arp *a = &l->u.arp;
		num(o, "htype", a->htype);
		hexnum(o, "ptype", a->ptype);
		num(o, "hlen", a->hlen);
		num(o, "plen", a->plen);
		num(o, "op", a->op);
		str(o, "op_name", sk_arp_op_name(a->op));
		if (sk_arp_is_eth_ipv4(a)) {
			mac(o, "sha", a->sha);
			ip4(o, "spa", a->spa);
			mac(o, "tha", a->tha);
			ip4(o, "tpa", a->tpa);
		}
		break;
	}
	case SK_P_IPV4: {
		const struct sk_ipv4 *ip = &l->u.ipv4;
		num(o, "version", 4);
		num(o, "hl", ip->hl);
		num(o, "dscp", ip->tos >> 2);
		num(o, "ecn", ip->tos & 3);
		num(o, "total_len", ip->total_len);
		num(o, "id", ip->id);
		boolean(o, "df", ip->df);
		boolean(o, "mf", ip->mf);
		num(o, "frag_off", ip->frag_off);
		num(o, "ttl", ip->ttl);
		num(o, "proto", ip->proto);
		if ((name = sk_ipproto_name(ip->proto)))
			str(o, "proto_name", name);
		checksum(o, l, ip->checksum);
		ip4(o, "src", ip->src);
		ip4(o, "dst", ip->dst);
		if (ip->options_len)
			num(o, "options_len", ip->options_len);
		if ((missing = sk_ip_missing(d, l)))
			num(o, "missing", missing);
		if (ip->length_unset)
			boolean(o, "length_from_frame", true);
		break;
	}
	case SK_P_IPV6: {
		const struct sk_ipv6 *ip = &l->u.ipv6;
		num(o, "version", 6);
		num(o, "tclass", ip->tclass);
		num(o, "flow", ip->flow);
		num(o, "payload_len", ip->payload_len_field);
		num(o, "next", ip->next);
		if ((name = sk_ipproto_name(ip->next)))
			str(o, "next_name", name);
		num(o, "hlim", ip->hlim);
		ip6(o, "src", ip->src);
		ip6(o, "dst", ip->dst);
		if ((missing = sk_ip_missing(d, l)))
			num(o, "missing", missing);
		break;
	}
	default:
		return false;
	}
	return true;
}

/* The fields of layers that are neither link nor network layers. */
static void upper_fields(struct sk_field_list *o, const struct sk_dissection *d,
			 const struct sk_layer *l)
{
	const char *name;
	switch (l->proto) {
	case SK_P_IPV6_EXT: {
		const struct sk_ipv6_ext *e = &l->u.ext;
		num(o, "next", e->next);
		if ((name = sk_ipproto_name(e->next)))
			str(o, "next_name", name);
		num(o, "len", e->len);
		if (e->proto == SK_IPPROTO_ROUTING) {
			num(o, "type", e->rt_type);
			num(o, "segments_left", e->segments_left);
		} else if (e->proto == SK_IPPROTO_FRAGMENT) {
			num(o, "frag_off", e->frag_off);
			boolean(o, "mf", e->frag_mf);
			num(o, "id", e->frag_id);
		}
		break;
	}
	case SK_P_ICMP:
	case SK_P_ICMP6:
		icmp_fields(o, d, l);
		break;
	case SK_P_TCP:
		tcp_fields(o, l);
		break;
	case SK_P_UDP:
		num(o, "sport", l->u.udp.sport);
		num(o, "dport", l->u.udp.dport);
		num(o, "length", l->u.udp.length);
		checksum(o, l, l->u.udp.checksum);
		break;
	case SK_P_DATA:
		num(o, "length", l->hdr_len);
		break;
	case SK_P_PADDING:
		num(o, "length", l->hdr_len);
		boolean(o, "zero", all_zero(d->frame + l->offset, l->hdr_len));
		break;
	default: /* the link and network layers, in their own functions */
		break;
	}
}

int sk_layer_list(const struct sk_dissection *d, unsigned i, struct sk_field_list *out)
{
	out->n = 0;
	out->used = 0;
	if (i >= d->n)
		return 0;
	const struct sk_layer *l = &d->layer[i];
	/* A malformed header has no fields to trust; one the capture cuts
	 * still shows those it holds whole. */
	if (l->status == SK_ETRUNCATED)
		cut_fields(out, d, l);
	else if (!l->status && !link_fields(out, l) && !net_fields(out, d, l))
		upper_fields(out, d, l);
	return (int)out->n;
}

int sk_layer_fields(const struct sk_dissection *d, unsigned i,
		    struct sk_field *f, unsigned cap)
{
	struct sk_field_list list;
	unsigned n = (unsigned)sk_layer_list(d, i, &list);
	if (n > cap)
		n = cap;
	for (unsigned k = 0; k < n; k++) {
		const struct sk_field_ref *r = &list.f[k];
		f[k].name = r->name;
		f[k].kind = SK_FIELD_STR;
		f[k].num = 0;
		f[k].str[0] = 0;
		switch (r->kind) {
		case SK_REF_UINT:
		case SK_REF_BOOL:
			f[k].kind = r->kind == SK_REF_UINT ? SK_FIELD_UINT : SK_FIELD_BOOL;
			f[k].num = r->num;
			break;
		case SK_REF_IPV4: sk_ipv4_format(r->addr, f[k].str); break;
		case SK_REF_IPV6: inet_ntop(AF_INET6, r->addr, f[k].str, sizeof f[k].str); break;
		case SK_REF_MAC: sk_mac_format(r->addr, f[k].str); break;
		case SK_REF_TEXT: {
			size_t len = r->text_len < sizeof f[k].str ? r->text_len : sizeof f[k].str - 1;
			memcpy(f[k].str, r->text, len);
			f[k].str[len] = 0;
			break;
		}
		}
	}
	return (int)n;
}
