/* lib/packet: decoders, the dissect walk, summaries and builders against
 * frames scapy built (packet_vectors.h, from tests/e2e/packet_corpus.py),
 * with every truncation point read against a guard page. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "packet_vectors.h"
#include "sockit/dissect.h"
#include "sockit/error.h"
#include "sockit/pktbuild.h"

#define NVEC (sizeof vectors / sizeof vectors[0])

static const struct vector *vec(const char *name)
{
	for (size_t i = 0; i < NVEC; i++)
		if (!strcmp(vectors[i].name, name))
			return &vectors[i];
	cr_assert_fail("no vector %s", name);
	return NULL;
}

static const uint8_t *B(const struct vector *v)
{
	return (const uint8_t *)v->bytes;
}

/* n bytes placed so that the byte after them is an unmapped page: any read
 * past the end faults. */
static uint8_t *guard_base;
static size_t page;

static const uint8_t *guarded(const uint8_t *p, size_t n)
{
	if (!guard_base) {
		page = (size_t)sysconf(_SC_PAGESIZE);
		guard_base = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		cr_assert_neq(guard_base, MAP_FAILED);
		cr_assert_eq(mprotect(guard_base + page, page, PROT_NONE), 0);
	}
	cr_assert_leq(n, page);
	uint8_t *dst = guard_base + page - n;
	memcpy(dst, p, n);
	return dst;
}

static void layer_string(const struct sk_dissection *d, char *buf, size_t cap)
{
	size_t k = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < d->n; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s%s@%u+%u", i ? "," : "",
				      sk_layer_name(&d->layer[i]), d->layer[i].offset,
				      d->layer[i].hdr_len);
}

Test(packet, big_endian_helpers)
{
	const uint8_t b[] = { 0x12, 0x34, 0x56, 0x78 };
	cr_expect_eq(sk_be16(b), 0x1234);
	cr_expect_eq(sk_be32(b), 0x12345678u);
	cr_expect_eq(sk_le16(b), 0x3412);
	cr_expect_eq(sk_le32(b), 0x78563412u);
	uint8_t o[4];
	sk_put_be32(o, 0xa1b2c3d4u);
	cr_expect_eq(sk_be32(o), 0xa1b2c3d4u);
	sk_put_be16(o, 0xbeef);
	cr_expect_eq(sk_be16(o), 0xbeef);
}

Test(packet, checksum_rfc1071_example)
{
	/* RFC 1071 section 3: the sum of these words is 0xddf2. */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	cr_expect_eq(sk_inet_checksum(b, sizeof b), (uint16_t)~0xddf2);
	/* An odd length pads with zero. */
	const uint8_t odd[] = { 0x01 };
	cr_expect_eq(sk_inet_checksum(odd, 1), (uint16_t)~0x0100);
	cr_expect_eq(sk_inet_checksum(b, 0), 0xffff);
}

Test(packet, every_vector_dissects_to_scapys_layers)
{
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &vectors[i];
		if (!v->layers)
			continue;
		struct sk_dissection d;
		int n = sk_dissect(v->linktype, B(v), v->len, v->len, &d);
		cr_assert_gt(n, 0, "%s", v->name);
		char got[512];
		layer_string(&d, got, sizeof got);
		cr_expect_str_eq(got, v->layers, "%s", v->name);
		bool bad_expected = strstr(v->name, "bad_checksum") != NULL;
		bool any_bad = false;
		for (unsigned k = 0; k < d.n; k++) {
			cr_expect_eq(d.layer[k].status, 0, "%s layer %u", v->name, k);
			any_bad |= d.layer[k].csum_bad;
		}
		cr_expect_eq(any_bad, bad_expected, "%s", v->name);
	}
}

/* tcpdump prints these differently on purpose: it names the application
 * (HTTP on 8080), walks the IPv6 extension headers in its own words, and
 * does not print checksums without -v. */
static const char *const summary_differs[] = {
	"tcp_psh_data", "ipv6_ext_headers", "ipv6_fragment", "tcp_bad_checksum",
	"ip_bad_checksum", "udp_bad_checksum", "icmp_time_exceeded",
	"icmpv6_port_unreachable", "icmpv6_ra", "icmpv6_rs", "icmpv6_na",
	"ethertype_unknown",
};

static bool differs(const char *name)
{
	for (size_t i = 0; i < sizeof summary_differs / sizeof summary_differs[0]; i++)
		if (!strcmp(summary_differs[i], name))
			return true;
	return false;
}

Test(packet, summaries_match_tcpdump)
{
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &vectors[i];
		if (!v->summary || differs(v->name))
			continue;
		struct sk_dissection d;
		sk_dissect(v->linktype, B(v), v->len, v->len, &d);
		char line[512];
		sk_dissect_summary(&d, false, line, sizeof line);
		cr_expect_str_eq(line, v->summary, "%s", v->name);
	}
}

Test(packet, summaries_flag_checksums_and_truncation)
{
	char line[512];
	struct sk_dissection d;
	const struct vector *v = vec("tcp_bad_checksum");
	sk_dissect(1, B(v), v->len, v->len, &d);
	sk_dissect_summary(&d, false, line, sizeof line);
	cr_expect(strstr(line, "[bad tcp cksum]"), "%s", line);
	v = vec("ip_bad_checksum");
	sk_dissect(1, B(v), v->len, v->len, &d);
	sk_dissect_summary(&d, false, line, sizeof line);
	cr_expect(strstr(line, "[bad ipv4 cksum]"), "%s", line);
	v = vec("truncated_tcp_header");
	sk_dissect(1, B(v), v->len, v->len + 30, &d);
	sk_dissect_summary(&d, false, line, sizeof line);
	/* The ports were captured: shown, as tcpdump does. */
	cr_expect_str_eq(line, "IP 198.18.0.1.40000 > 198.18.0.2.8080:  [|tcp]");
	v = vec("arp_request");
	sk_dissect(1, B(v), v->len, v->len, &d);
	sk_dissect_summary(&d, true, line, sizeof line);
	cr_expect_str_eq(line, "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP "
			       "(0x0806), length 42: Request who-has 198.18.0.2 tell "
			       "198.18.0.1, length 28");
	/* snprintf's contract: the length wanted, and a cut string. */
	char tiny[8];
	size_t want = sk_dissect_summary(&d, false, tiny, sizeof tiny);
	cr_expect_gt(want, sizeof tiny);
	cr_expect_eq(strlen(tiny), sizeof tiny - 1);
}

Test(packet, damaged_frames_are_flagged_not_fatal)
{
	static const struct {
		const char *name;
		const char *last; /* the last layer's name */
		int status;
	} cases[] = {
		{ "truncated_tcp_header", "tcp", SK_ETRUNCATED },
		{ "truncated_ip_header", "ipv4", SK_ETRUNCATED },
		{ "truncated_eth", "eth", SK_ETRUNCATED },
		{ "ipv4_bad_version", "ipv4", SK_EMALFORMED },
		{ "ipv4_ihl_too_small", "ipv4", SK_EMALFORMED },
		{ "tcp_bad_offset", "tcp", SK_EMALFORMED },
		{ "truncated_udp_payload", "data", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct vector *v = vec(cases[i].name);
		struct sk_dissection d;
		cr_assert_gt(sk_dissect(1, B(v), v->len, v->len, &d), 0);
		const struct sk_layer *l = &d.layer[d.n - 1];
		cr_expect_str_eq(sk_layer_name(l), cases[i].last, "%s", cases[i].name);
		cr_expect_eq(l->status, cases[i].status, "%s", cases[i].name);
		struct sk_field f[SK_FIELDS_MAX];
		/* Malformed: nothing to trust.  Cut: the fields held whole. */
		int nf = sk_layer_fields(&d, d.n - 1, f, SK_FIELDS_MAX);
		if (cases[i].status == SK_EMALFORMED)
			cr_expect_eq(nf, 0, "%s", cases[i].name);
		else if (!cases[i].status)
			cr_expect_eq(nf, 1, "%s", cases[i].name);
		for (int k = 0; k < nf && cases[i].status; k++)
			cr_expect_neq(strcmp(f[k].name, "checksum_ok"), 0, "%s", cases[i].name);
	}
	/* A UDP datagram cut by the snap length: IP says truncated, UDP too. */
	const struct vector *v = vec("truncated_udp_payload");
	struct sk_dissection d;
	sk_dissect(1, B(v), v->len, v->len + 2, &d);
	const struct sk_layer *ip = sk_dissect_find(&d, SK_P_IPV4);
	cr_expect(ip->u.ipv4.truncated);
	cr_expect_not(sk_dissect_find(&d, SK_P_UDP)->csum_checked);
}

/* Every prefix of every frame, against the guard page: never a read past
 * the captured bytes, layers inside them, fields and summary always work. */
Test(packet, every_truncation_point_of_every_vector)
{
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &vectors[i];
		for (size_t n = 0; n <= v->len; n++) {
			const uint8_t *p = guarded(B(v), n);
			struct sk_dissection d;
			int rc = sk_dissect(v->linktype, p, n, v->len, &d);
			cr_assert_geq(rc, 0, "%s/%zu", v->name, n);
			for (unsigned k = 0; k < d.n; k++) {
				const struct sk_layer *l = &d.layer[k];
				cr_assert_leq((size_t)l->offset + l->hdr_len, n,
					      "%s/%zu layer %u", v->name, n, k);
				struct sk_field f[SK_FIELDS_MAX];
				sk_layer_fields(&d, k, f, SK_FIELDS_MAX);
			}
			char line[512];
			sk_dissect_summary(&d, true, line, sizeof line);
			sk_dissect_summary(&d, false, line, sizeof line);
		}
	}
}

/* Each decoder alone: every length shorter than its header is
 * SK_ETRUNCATED, the full header decodes. */
static int dec_eth(const uint8_t *p, size_t n) { struct sk_eth o; return sk_eth_decode(p, n, &o); }
static int dec_vlan(const uint8_t *p, size_t n) { struct sk_vlan o; return sk_vlan_decode(p, n, &o); }
static int dec_arp(const uint8_t *p, size_t n) { struct sk_arp o; return sk_arp_decode(p, n, &o); }
static int dec_ipv4(const uint8_t *p, size_t n) { struct sk_ipv4 o; return sk_ipv4_decode(p, n, &o); }
static int dec_ipv6(const uint8_t *p, size_t n) { struct sk_ipv6 o; return sk_ipv6_decode(p, n, &o); }
static int dec_tcp(const uint8_t *p, size_t n) { struct sk_tcp o; return sk_tcp_decode(p, n, &o); }
static int dec_udp(const uint8_t *p, size_t n) { struct sk_udp o; return sk_udp_decode(p, n, &o); }
static int dec_icmp(const uint8_t *p, size_t n) { struct sk_icmp o; return sk_icmp_decode(p, n, &o); }
static int dec_sll(const uint8_t *p, size_t n) { struct sk_sll o; return sk_sll_decode(p, n, &o); }
static int dec_sll2(const uint8_t *p, size_t n) { struct sk_sll o; return sk_sll2_decode(p, n, &o); }
static int dec_null(const uint8_t *p, size_t n) { struct sk_null o; return sk_null_decode(p, n, false, &o); }
static int dec_nd(const uint8_t *p, size_t n) { struct sk_nd o; return sk_nd_decode(p, n, &o); }
static int dec_frag(const uint8_t *p, size_t n) { struct sk_ipv6_ext o; return sk_ipv6_ext_decode(SK_IPPROTO_FRAGMENT, p, n, &o); }
static int dec_hbh(const uint8_t *p, size_t n) { struct sk_ipv6_ext o; return sk_ipv6_ext_decode(SK_IPPROTO_HOPOPTS, p, n, &o); }
static int dec_rt(const uint8_t *p, size_t n) { struct sk_ipv6_ext o; return sk_ipv6_ext_decode(SK_IPPROTO_ROUTING, p, n, &o); }

Test(packet, each_decoder_at_every_truncation_point)
{
	static const struct {
		int (*dec)(const uint8_t *, size_t);
		const char *vector;
		size_t off, hl;
	} cases[] = {
		{ dec_eth, "tcp_syn_options", 0, 14 },
		{ dec_vlan, "vlan", 14, 4 },
		{ dec_arp, "arp_request", 14, 28 },
		{ dec_ipv4, "tcp_syn_options", 14, 20 },
		{ dec_ipv4, "ip_options", 14, 24 },
		{ dec_ipv6, "ipv6_udp", 14, 40 },
		{ dec_tcp, "tcp_syn_options", 34, 40 },
		{ dec_tcp, "tcp_rst", 34, 20 },
		{ dec_udp, "udp", 34, 8 },
		{ dec_icmp, "icmp_echo", 34, 8 },
		{ dec_icmp, "icmpv6_echo", 54, 8 },
		{ dec_sll, "sll_tcp", 0, 16 },
		{ dec_sll2, "sll2_udp", 0, 20 },
		{ dec_null, "null_ipv4", 0, 4 },
		{ dec_nd, "icmpv6_ns", 54, 24 },
		{ dec_hbh, "ipv6_ext_headers", 54, 8 },
		{ dec_rt, "ipv6_ext_headers", 70, 24 },
		{ dec_frag, "ipv6_fragment", 54, 8 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct vector *v = vec(cases[i].vector);
		const uint8_t *hdr = B(v) + cases[i].off;
		for (size_t n = 0; n < cases[i].hl; n++)
			cr_expect_eq(cases[i].dec(guarded(hdr, n), n), SK_ETRUNCATED,
				     "%s@%zu len %zu", cases[i].vector, cases[i].off, n);
		cr_expect_eq(cases[i].dec(guarded(hdr, cases[i].hl), cases[i].hl),
			     (int)cases[i].hl, "%s@%zu", cases[i].vector, cases[i].off);
	}
}

Test(packet, ipv4_fields_and_fragments)
{
	struct sk_ipv4 ip;
	const struct vector *v = vec("ipv4_later_fragment");
	cr_assert_eq(sk_ipv4_decode(B(v) + 14, v->len - 14, &ip), 20);
	cr_expect_eq(ip.frag_off, 24);
	cr_expect_not(ip.mf);
	cr_expect_eq(ip.id, 9);
	cr_expect(ip.checksum_ok);
	v = vec("ipv4_first_fragment");
	cr_assert_eq(sk_ipv4_decode(B(v) + 14, v->len - 14, &ip), 20);
	cr_expect(ip.mf);
	cr_expect_eq(ip.frag_off, 0);
	struct sk_dissection d;
	sk_dissect(1, B(v), v->len, v->len, &d);
	/* The first fragment's UDP checksum covers bytes not here. */
	cr_expect_not(sk_dissect_find(&d, SK_P_UDP)->csum_checked);
	v = vec("ip_options");
	cr_assert_eq(sk_ipv4_decode(B(v) + 14, v->len - 14, &ip), 24);
	cr_expect_eq(ip.options_len, 4);
	cr_expect_eq(ip.options[0], 0x94);
	v = vec("udp_padded");
	cr_assert_eq(sk_ipv4_decode(B(v) + 14, v->len - 14, &ip), 20);
	cr_expect_eq(ip.payload_len, 10); /* the padding is not IP */
}

Test(packet, ipv6_extension_walk)
{
	struct sk_ipv6 ip;
	const struct vector *v = vec("ipv6_ext_headers");
	cr_assert_eq(sk_ipv6_decode(B(v) + 14, v->len - 14, &ip), 40);
	cr_expect_eq(ip.n_ext, 3);
	cr_expect_eq(ip.upper, SK_IPPROTO_UDP);
	cr_expect_eq(ip.upper_off, 40 + 8 + 8 + 24);
	cr_expect_not(ip.is_fragment);
	v = vec("ipv6_fragment");
	cr_assert_eq(sk_ipv6_decode(B(v) + 14, v->len - 14, &ip), 40);
	cr_expect(ip.is_fragment);
	cr_expect(ip.frag_mf);
	cr_expect_eq(ip.frag_id, 7);
	cr_expect_eq(ip.upper, SK_IPPROTO_UDP);
	/* Cut inside the routing header: the walk stops, the decode does not. */
	v = vec("ipv6_ext_headers");
	cr_assert_eq(sk_ipv6_decode(B(v) + 14, 40 + 8 + 8 + 10, &ip), 40);
	cr_expect(ip.ext_truncated);
	cr_expect_eq(ip.upper, SK_IPPROTO_ROUTING);
}

Test(packet, tcp_options)
{
	struct sk_tcp t;
	const struct vector *v = vec("tcp_syn_options");
	cr_assert_eq(sk_tcp_decode(B(v) + 34, v->len - 34, &t), 40);
	cr_expect_eq(t.flags, SK_TCP_SYN);
	cr_expect_eq(t.seq, 1000);
	struct sk_tcp_opts o;
	cr_assert_eq(sk_tcp_options(t.options, t.options_len, &o), 0);
	cr_expect(o.has_mss && o.mss == 1460);
	cr_expect(o.sack_ok);
	cr_expect(o.has_ts && o.ts_val == 1 && o.ts_ecr == 0);
	cr_expect(o.has_wscale && o.wscale == 7);
	v = vec("tcp_sack");
	cr_assert_eq(sk_tcp_decode(B(v) + 34, v->len - 34, &t), 40);
	cr_assert_eq(sk_tcp_options(t.options, t.options_len, &o), 0);
	cr_expect_eq(o.n_sack, 2);
	cr_expect_eq(o.sack[1][0], 300);
	cr_expect_eq(o.sack[1][1], 400);
	static const struct {
		const char *opts;
		size_t len;
		int rc;
	} cases[] = {
		{ "\x02\x04\x05", 3, SK_EMALFORMED },         /* MSS cut */
		{ "\x02\x03\x05\xb4", 4, SK_EMALFORMED },     /* MSS length 3 */
		{ "\x03\x01", 2, SK_EMALFORMED },             /* length below 2 */
		{ "\x08\x0a\x00", 3, SK_EMALFORMED },         /* TS runs past */
		{ "\x01\x01\x00\xff", 4, 0 },                 /* EOL ends it */
		{ "\xfd\x02", 2, 0 },                         /* unknown kind */
		{ "\x1e\x02", 2, SK_EMALFORMED },             /* MPTCP without subtype */
		{ "\x1c\x04\x81\x2c", 4, 0 },                 /* user timeout */
		{ "\x1c\x03\x81", 3, SK_EMALFORMED },          /* user timeout cut */
		{ "\x22\x02", 2, 0 },                         /* Fast Open cookie request */
		{ "\x22\x04\x01\x02", 4, SK_EMALFORMED },     /* cookie under 4 bytes */
		{ "\x13\x12\x00", 3, SK_EMALFORMED },          /* MD5 runs past */
		{ "\x02", 1, SK_EMALFORMED },                 /* kind without length */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_expect_eq(sk_tcp_options(guarded((const uint8_t *)cases[i].opts, cases[i].len),
					    cases[i].len, &o),
			     cases[i].rc, "case %zu", i);
	char buf[48];
	sk_tcp_flags_str(SK_TCP_SYN | SK_TCP_ACK, buf, sizeof buf);
	cr_expect_str_eq(buf, "SYN,ACK");
	sk_tcp_flags_str(0, buf, sizeof buf);
	cr_expect_str_eq(buf, "none");
	sk_tcp_flags_str(0x1ff, buf, sizeof buf);
	cr_expect_str_eq(buf, "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR,NS");
	sk_tcp_flags_str(SK_TCP_SYN | SK_TCP_ACK, buf, 6); /* cut as snprintf cuts */
	cr_expect_str_eq(buf, "SYN,A");
	sk_tcp_flags_letters(SK_TCP_SYN | SK_TCP_ACK, buf, sizeof buf);
	cr_expect_str_eq(buf, "S.");
	sk_tcp_flags_letters(SK_TCP_PSH | SK_TCP_ACK | SK_TCP_FIN, buf, sizeof buf);
	cr_expect_str_eq(buf, "FP.");
}

/* Each subtype in each length RFC 8684 gives it: the value (after kind and
 * length) decodes, and one byte more or less is malformed. */
Test(packet, mptcp_subtypes)
{
	static const struct {
		const char *v;
		size_t len;
		unsigned subtype;
	} ok[] = {
		{ "\x01\x81", 2, SK_MPTCP_CAPABLE },
		{ "\x01\x81\x11\x22\x33\x44\x55\x66\x77\x88", 10, SK_MPTCP_CAPABLE },
		{ "\x11\x03\xde\xad\xbe\xef\x01\x02\x03\x04", 10, SK_MPTCP_JOIN },
		{ "\x20\x05\x00\x00\x03\xe8\x00\x00\x07\xd0\x00\x00\x0b\xb8\x00\x32", 16,
		  SK_MPTCP_DSS },
		{ "\x20\x01\x00\x00\x00\x4d", 6, SK_MPTCP_DSS },
		{ "\x31\x06\xc6\x12\x00\x0a", 6, SK_MPTCP_ADD_ADDR },
		{ "\x40\x01", 2, SK_MPTCP_REMOVE_ADDR },
		{ "\x51", 1, SK_MPTCP_PRIO },
		{ "\x60\x00\x00\x00\x00\x1c\xbe\x99\x1a\x14", 10, SK_MPTCP_FAIL },
		{ "\x70\x00\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 10, SK_MPTCP_FASTCLOSE },
		{ "\x8a\x03", 2, SK_MPTCP_TCPRST },
	};
	struct sk_mptcp m;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		const uint8_t *v = guarded((const uint8_t *)ok[i].v, ok[i].len);
		cr_expect_eq(sk_mptcp_decode(v, ok[i].len, &m), 0, "case %zu", i);
		cr_expect_eq(m.subtype, ok[i].subtype, "case %zu", i);
		cr_expect_eq(sk_mptcp_decode(v, ok[i].len - 1, &m), SK_EMALFORMED, "case %zu", i);
	}
	cr_assert_eq(sk_mptcp_decode((const uint8_t *)ok[1].v, 10, &m), 0);
	cr_expect(m.has_send_key && m.send_key == 0x1122334455667788ull && !m.has_recv_key);
	cr_expect(m.version == 1 && m.flags == 0x81);
	cr_assert_eq(sk_mptcp_decode((const uint8_t *)ok[2].v, 10, &m), 0);
	cr_expect(m.backup && m.addr_id == 3 && m.token == 0xdeadbeef && m.nonce == 0x01020304);
	cr_assert_eq(sk_mptcp_decode((const uint8_t *)ok[3].v, 16, &m), 0);
	cr_expect(m.data_ack == 1000 && m.dsn == 2000 && m.ssn == 3000 && m.data_len == 50);
	cr_expect(!m.has_checksum && !m.data_fin);
	cr_assert_eq(sk_mptcp_decode((const uint8_t *)ok[5].v, 6, &m), 0);
	cr_expect(m.echo && m.addr_id == 6 && m.addr_len == 4 && m.addr[3] == 10 && !m.has_port);
	cr_assert_eq(sk_mptcp_decode((const uint8_t *)"\x40\x01\x02\x03", 4, &m), 0);
	cr_expect(m.n_addr_ids == 3 && m.addr_ids[2] == 3);
	cr_assert_eq(sk_mptcp_decode((const uint8_t *)ok[8].v, 10, &m), 0);
	cr_expect_eq(m.dsn, 123456789012ull);
	cr_assert_eq(sk_mptcp_decode((const uint8_t *)ok[10].v, 2, &m), 0);
	cr_expect(m.flags == 0x0a && m.reason == 3);
	/* An unknown subtype gives its number only. */
	cr_expect_eq(sk_mptcp_decode((const uint8_t *)"\xf0\x00", 2, &m), 0);
	cr_expect(m.subtype == 15 && !sk_mptcp_name(15));
	cr_expect_str_eq(sk_mptcp_name(SK_MPTCP_FASTCLOSE), "MP_FASTCLOSE");
	cr_expect_eq(sk_mptcp_decode(NULL, 0, &m), SK_EMALFORMED);
}

Test(packet, neighbour_discovery_and_icmp_names)
{
	struct sk_nd nd;
	const struct vector *v = vec("icmpv6_ns");
	cr_assert_eq(sk_nd_decode(B(v) + 54, v->len - 54, &nd), 24);
	cr_expect_eq(nd.target[0], 0xfe);
	cr_assert(nd.src_lladdr);
	cr_expect_eq(nd.src_lladdr[5], 1);
	v = vec("icmpv6_na");
	cr_assert_eq(sk_nd_decode(B(v) + 54, v->len - 54, &nd), 24);
	cr_expect(nd.solicited && nd.override && !nd.router);
	cr_assert(nd.tgt_lladdr);
	v = vec("icmpv6_ra");
	cr_assert_eq(sk_nd_decode(B(v) + 54, v->len - 54, &nd), 16);
	cr_expect_eq(nd.router_lifetime, 1800);
	cr_expect(nd.managed);
	cr_expect_eq(nd.mtu, 1500);
	cr_expect_str_eq(sk_icmp_type_name(8), "echo-request");
	cr_expect_str_eq(sk_icmp_code_name(3, 3), "port-unreachable");
	cr_expect_str_eq(sk_icmp6_type_name(135), "neighbor-solicitation");
	cr_expect_str_eq(sk_icmp6_code_name(1, 4), "port-unreachable");
	cr_expect_null(sk_icmp_type_name(200));
	cr_expect_null(sk_icmp_code_name(8, 0));
}

Test(packet, link_types)
{
	struct sk_dissection d;
	/* A link type not decoded: the frame is one data layer, flagged. */
	cr_expect_not(sk_dissect_knows(9999));
	cr_expect_eq(sk_dissect(9999, (const uint8_t *)"abc", 3, 3, &d), 1);
	cr_expect(d.link_unknown);
	cr_expect_eq(d.layer[0].proto, SK_P_DATA);
	cr_expect_eq(d.layer[0].hdr_len, 3);
	cr_expect(sk_dissect_knows(SK_LINK_RADIOTAP) && sk_dissect_knows(SK_LINK_PPP));
	cr_expect_eq(sk_dissect(SK_LINK_ETHERNET, (const uint8_t *)"", 0, 0, &d), 0);
	cr_expect_eq(sk_linktype_from_dlt(12), SK_LINK_RAW);
	cr_expect_eq(sk_linktype_from_dlt(1), SK_LINK_ETHERNET);
	/* Null link type in both byte orders, and OpenBSD's loop. */
	const uint8_t le[] = { 2, 0, 0, 0 }, be[] = { 0, 0, 0, 24 };
	struct sk_null nl;
	cr_expect_eq(sk_null_decode(le, 4, false, &nl), 4);
	cr_expect_eq(nl.type, SK_ETH_IPV4);
	cr_expect_eq(sk_null_decode(be, 4, false, &nl), 4);
	cr_expect_eq(nl.type, SK_ETH_IPV6);
	cr_expect_eq(sk_null_decode(be, 4, true, &nl), 4);
	cr_expect_eq(nl.family, 24);
	const struct vector *v = vec("sll2_udp");
	sk_dissect(v->linktype, B(v), v->len, v->len, &d);
	cr_expect_eq(d.layer[0].u.sll.ifindex, 3);
	cr_expect_eq(d.layer[0].u.sll.pkttype, 4);
	cr_expect_eq(d.net, 1);
	cr_expect_eq(d.transport, 2);
}

Test(packet, fields_are_named_and_typed)
{
	struct sk_dissection d;
	const struct vector *v = vec("arp_reply_padded");
	sk_dissect(1, B(v), v->len, v->len, &d);
	struct sk_field f[SK_FIELDS_MAX];
	int n = sk_layer_fields(&d, 1, f, SK_FIELDS_MAX);
	bool seen_spa = false;
	for (int i = 0; i < n; i++)
		if (!strcmp(f[i].name, "spa")) {
			seen_spa = true;
			cr_expect_eq(f[i].kind, SK_FIELD_STR);
			cr_expect_str_eq(f[i].str, "198.18.0.1");
		}
	cr_expect(seen_spa);
	n = sk_layer_fields(&d, 2, f, SK_FIELDS_MAX);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(f[0].name, "length");
	cr_expect_eq(f[0].num, 18);
	cr_expect_eq(f[1].kind, SK_FIELD_BOOL);
	cr_expect_eq(f[1].num, 1);
	/* The cap is respected. */
	v = vec("tcp_syn_options");
	sk_dissect(1, B(v), v->len, v->len, &d);
	cr_expect_eq(sk_layer_fields(&d, 2, f, 3), 3);
	cr_expect_eq(sk_layer_fields(&d, 99, f, SK_FIELDS_MAX), 0);
}

/* The list and the text carry the same fields: every layer of every
 * vector, each reference formatted as sk_layer_fields formats it. */
Test(packet, field_list_matches_the_named_fields)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		struct sk_dissection d;
		const struct vector *v = &vectors[i];
		sk_dissect(v->linktype, B(v), v->len, v->len, &d);
		for (unsigned k = 0; k < d.n; k++) {
			struct sk_field f[SK_FIELDS_MAX];
			struct sk_field_list fl;
			int n = sk_layer_fields(&d, k, f, SK_FIELDS_MAX);
			cr_assert_eq(sk_layer_list(&d, k, &fl), n, "%s layer %u", v->name, k);
			for (int j = 0; j < n; j++) {
				const struct sk_field_ref *r = &fl.f[j];
				cr_expect_str_eq(r->name, f[j].name);
				cr_expect_eq(r->name_len, strlen(f[j].name));
				if (r->kind == SK_REF_UINT || r->kind == SK_REF_BOOL) {
					cr_expect_eq(r->num, f[j].num);
					continue;
				}
				char text[SK_FIELD_STRLEN] = "";
				if (r->kind == SK_REF_TEXT)
					memcpy(text, r->text, r->text_len);
				else if (r->kind == SK_REF_IPV4)
					sk_ipv4_format(r->addr, text);
				else if (r->kind == SK_REF_MAC)
					sk_mac_format(r->addr, text);
				else
					inet_ntop(AF_INET6, r->addr, text, sizeof text);
				cr_expect_str_eq(text, f[j].str, "%s %s", v->name, r->name);
			}
		}
	}
}

Test(packet, field_list_hints)
{
	struct sk_dissection d;
	struct sk_field_list fl;
	const struct vector *v = vec("arp_reply_padded");
	sk_dissect(1, B(v), v->len, v->len, &d);
	/* eth: dst, src, type (hex) and type_name naming it. */
	cr_assert_eq(sk_layer_list(&d, 0, &fl), 4);
	cr_expect_eq(fl.f[0].kind, SK_REF_MAC);
	cr_expect_eq(fl.f[2].flags, SK_REF_HEX);
	cr_expect_eq(fl.f[2].num, 0x0806);
	cr_expect_eq(fl.f[3].flags, SK_REF_NAMES_PREV);
	cr_expect_eq(fl.f[3].text_len, 3);
	cr_expect_eq(memcmp(fl.f[3].text, "ARP", 3), 0);
	cr_expect_eq(sk_layer_list(&d, 99, &fl), 0);
	cr_expect_eq(fl.n, 0);
	/* TCP: the flag list is composed in the list's own scratch. */
	v = vec("tcp_psh_data");
	sk_dissect(1, B(v), v->len, v->len, &d);
	cr_assert_gt(sk_layer_list(&d, 2, &fl), 6);
	cr_expect_str_eq(fl.f[5].name, "flags");
	cr_expect_eq(fl.f[5].text_len, 7);
	cr_expect_eq(memcmp(fl.f[5].text, "PSH,ACK", 7), 0);
	cr_expect(fl.f[5].text >= fl.scratch && fl.f[5].text < fl.scratch + sizeof fl.scratch);
}

static void expect_built(const char *name, const uint8_t *got, int n)
{
	for (size_t i = 0; i < sizeof builts / sizeof builts[0]; i++) {
		if (strcmp(builts[i].name, name))
			continue;
		cr_assert_eq(n, (int)builts[i].len, "%s", name);
		for (int k = 0; k < n; k++)
			cr_expect_eq(got[k], (uint8_t)builts[i].bytes[k], "%s byte %d", name, k);
		return;
	}
	cr_assert_fail("no built %s", name);
}

static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero6[6];
static const uint8_t a1[4] = { 198, 18, 0, 1 }, a2[4] = { 198, 18, 0, 2 };
static const uint8_t v61[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v62[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

Test(packet, builders_match_scapy)
{
	uint8_t f[SK_BUILD_MAX];
	expect_built("arp_request", f,
		     sk_build_arp(f, sizeof f, SK_ARP_REQUEST, bcast, mac1, a1, zero6, a2, false));
	expect_built("arp_reply_padded", f,
		     sk_build_arp(f, sizeof f, SK_ARP_REPLY, mac1, mac2, a2, mac1, a1, true));
	struct sk_l4_build b = { .eth_src = mac1, .eth_dst = mac2, .family = 4,
				 .src = a1, .dst = a2, .sport = 40000, .dport = 80,
				 .ip_id = 0x1234, .seq = 0xdeadbeef, .flags = SK_TCP_SYN,
				 .mss = 1460 };
	expect_built("syn4", f, sk_build_tcp(f, sizeof f, &b));
	b = (struct sk_l4_build){ .family = 4, .src = a1, .dst = a2, .sport = 40000,
				  .dport = 80, .seq = 0xdeadbef0, .flags = SK_TCP_RST };
	expect_built("rst4_noeth", f, sk_build_tcp(f, sizeof f, &b));
	b = (struct sk_l4_build){ .eth_src = mac1, .eth_dst = mac2, .family = 6,
				  .src = v61, .dst = v62, .sport = 40000, .dport = 443,
				  .seq = 1, .flags = SK_TCP_SYN };
	expect_built("syn6", f, sk_build_tcp(f, sizeof f, &b));
	b = (struct sk_l4_build){ .eth_src = mac1, .eth_dst = mac2, .family = 4,
				  .src = a1, .dst = a2, .sport = 5000, .dport = 53, .ip_id = 7,
				  .payload = (const uint8_t *)"probe", .payload_len = 5 };
	expect_built("udp4", f, sk_build_udp(f, sizeof f, &b));
	b = (struct sk_l4_build){ .family = 6, .src = v61, .dst = v62, .sport = 5000,
				  .dport = 53, .payload = (const uint8_t *)"probe",
				  .payload_len = 5 };
	expect_built("udp6_noeth", f, sk_build_udp(f, sizeof f, &b));
	const uint8_t ll1[16] = { 0xfe, 0x80, [15] = 1 }, ll2[16] = { 0xfe, 0x80, [15] = 2 };
	expect_built("ns", f, sk_build_ns(f, sizeof f, mac1, ll1, ll2));
}

Test(packet, builders_refuse_small_buffers_and_bad_families)
{
	uint8_t f[SK_BUILD_MAX];
	cr_expect_eq(sk_build_arp(f, 59, 1, bcast, mac1, a1, zero6, a2, true), SK_ELIMIT);
	cr_expect_eq(sk_build_arp(f, 42, 1, bcast, mac1, a1, zero6, a2, false), 42);
	struct sk_l4_build b = { .family = 4, .src = a1, .dst = a2, .flags = SK_TCP_SYN };
	cr_expect_eq(sk_build_tcp(f, 39, &b), SK_ELIMIT);
	cr_expect_eq(sk_build_tcp(f, 40, &b), 40);
	b.family = 5;
	cr_expect_eq(sk_build_tcp(f, sizeof f, &b), SK_EFAMILY);
	cr_expect_eq(sk_build_ns(f, 85, mac1, v61, v62), SK_ELIMIT);
	/* What the builders make, the dissector reads back with good sums. */
	b = (struct sk_l4_build){ .eth_src = mac1, .eth_dst = mac2, .family = 6,
				  .src = v61, .dst = v62, .sport = 1, .dport = 2,
				  .flags = SK_TCP_RST | SK_TCP_ACK, .seq = 5, .ack = 6 };
	int n = sk_build_tcp(f, sizeof f, &b);
	struct sk_dissection d;
	sk_dissect(SK_LINK_ETHERNET, f, (size_t)n, (size_t)n, &d);
	const struct sk_layer *t = sk_dissect_find(&d, SK_P_TCP);
	cr_assert(t);
	cr_expect(t->csum_checked && !t->csum_bad);
	cr_expect_eq(t->u.tcp.flags, SK_TCP_RST | SK_TCP_ACK);
}

Test(packet, mac_text)
{
	uint8_t m[6];
	char buf[18];
	cr_expect_eq(sk_mac_parse("02:00:5E:10:00:ff", m), 0);
	sk_mac_format(m, buf);
	cr_expect_str_eq(buf, "02:00:5e:10:00:ff");
	cr_expect_eq(sk_mac_parse("02-00-5e-10-00-ff", m), 0);
	static const char *const bad[] = { "", "02:00:5e:10:00", "02:00:5e:10:00:ff:",
					   "0g:00:00:00:00:00", "02:00:5e:10:00:f",
					   "020:0:5e:10:00:ff" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_eq(sk_mac_parse(bad[i], m), SK_EBADADDR, "%s", bad[i]);
}

Test(packet, offloaded_checksums_are_not_bad)
{
	/* What lo and veth hand the capture for an outgoing segment: the
	 * checksum field holds only the pseudo-header sum. */
	uint8_t f[SK_BUILD_MAX];
	struct sk_l4_build b = { .eth_src = mac1, .eth_dst = mac2, .family = 4, .src = a1,
				 .dst = a2, .sport = 1, .dport = 2,
				 .payload = (const uint8_t *)"abc", .payload_len = 3 };
	int n = sk_build_udp(f, sizeof f, &b);
	uint8_t *u = f + 34;
	uint32_t sum = sk_csum_add(sk_csum_add(0, a1, 4), a2, 4) + SK_IPPROTO_UDP + 11;
	sk_put_be16(u + 6, (uint16_t)~sk_csum_fold(sum));
	struct sk_dissection d;
	sk_dissect(SK_LINK_ETHERNET, f, (size_t)n, (size_t)n, &d);
	const struct sk_layer *l = sk_dissect_find(&d, SK_P_UDP);
	cr_assert(l);
	cr_expect(l->csum_partial);
	cr_expect_not(l->csum_checked);
	cr_expect_not(l->csum_bad);
	/* Any other wrong value is bad. */
	sk_put_be16(u + 6, 0x1234);
	sk_dissect(SK_LINK_ETHERNET, f, (size_t)n, (size_t)n, &d);
	l = sk_dissect_find(&d, SK_P_UDP);
	cr_expect(l->csum_checked && l->csum_bad && !l->csum_partial);
}

Test(packet, ipv4_text_matches_inet_ntop)
{
	static const uint8_t addrs[][4] = { { 0, 0, 0, 0 }, { 255, 255, 255, 255 },
					    { 198, 18, 0, 1 }, { 10, 9, 100, 99 } };
	for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		char got[16], want[16];
		sk_ipv4_format(addrs[i], got);
		inet_ntop(AF_INET, addrs[i], want, sizeof want);
		cr_expect_str_eq(got, want);
	}
}

/* Every prefix of an 802.11 frame behind radiotap, of PPP and of Cisco
 * HDLC decodes without reading past it (the guard is ASan's). */
Test(packet, new_link_layers_every_prefix)
{
	static const uint8_t wifi[] = {
		0, 0, 8, 0, 0, 0, 0, 0,                         /* radiotap */
		0x88, 0x01, 0, 0,                               /* QoS data, to DS */
		2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 3,
		0x30, 0x12, 5, 0,                               /* seq, QoS */
		0xaa, 0xaa, 3, 0, 0, 0, 0x08, 0x00,             /* LLC/SNAP IPv4 */
		0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
	};
	static const uint8_t ppp[] = { 0xff, 0x03, 0x00, 0x21, 0x45, 0, 0, 20, 0, 0, 0, 0, 64,
				       1, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2 };
	static const uint8_t chdlc[] = { 0x0f, 0, 0x86, 0xdd, 0x60, 0, 0, 0 };
	struct sk_dissection d;
	for (size_t n = 0; n <= sizeof wifi; n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, wifi, n);
		cr_expect_geq(sk_dissect(SK_LINK_RADIOTAP, p, n, n, &d), 0);
		free(p);
	}
	cr_expect_geq(sk_dissect(SK_LINK_RADIOTAP, wifi, sizeof wifi, sizeof wifi, &d), 4);
	cr_expect_eq(d.layer[1].u.wifi.tid, 5);
	cr_expect_eq(d.layer[1].u.wifi.seq, 0x123);
	cr_expect_eq(d.layer[3].proto, SK_P_IPV4);
	for (size_t n = 0; n <= sizeof ppp; n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, ppp, n);
		cr_expect_geq(sk_dissect(SK_LINK_PPP, p, n, n, &d), 0);
		free(p);
	}
	cr_expect_geq(sk_dissect(SK_LINK_PPP, ppp, sizeof ppp, sizeof ppp, &d), 2);
	cr_expect_eq(d.layer[1].proto, SK_P_IPV4);
	cr_expect_eq(sk_dissect(SK_LINK_C_HDLC, chdlc, sizeof chdlc, sizeof chdlc, &d), 2);
	cr_expect_eq(d.layer[1].proto, SK_P_IPV6);
	cr_expect_eq(d.layer[1].status, SK_ETRUNCATED);
}
