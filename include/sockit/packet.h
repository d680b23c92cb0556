/* Packet decoders: Ethernet II / 802.3, 802.1Q / 802.1ad tags, Linux cooked
 * capture (SLL, SLL2), BSD loopback (null), ARP, IPv4, IPv6 and its
 * extension headers, ICMP, ICMPv6, TCP, UDP; and the Internet checksum.
 *
 * Every decoder has the same shape:
 *
 *     int sk_X_decode(const uint8_t *p, size_t len, struct sk_X *out);
 *
 * p[0..len) are the captured bytes starting at the header.  The return is
 * the header length in bytes (>= 0) or a negative code:
 *   SK_ETRUNCATED  len is shorter than the header says it is;
 *   SK_EMALFORMED  the header contradicts itself (IPv4 version 6, IHL < 5,
 *                  a TCP data offset below 5, ...).
 * On failure *out may be partly filled (the fields that were read).  The
 * pointers in *out point into p: nothing is allocated or copied, and they
 * are valid as long as the caller's bytes are.  No decoder does I/O or keeps
 * state, so all of them are safe to call from any thread.
 *
 * Fields are read with the big-endian helpers below after one bounds check,
 * never by casting bytes to a struct, so alignment and padding never matter.
 * Lengths a header declares (IPv4 total length, UDP length) clamp what the
 * decoder looks at: payload and payload_len cover the declared payload cut
 * to the captured bytes, and `truncated` says whether it was cut. */
#ifndef SOCKIT_PACKET_H
#define SOCKIT_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- byte order ---------------------------------------------------------- */

static inline uint16_t sk_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t sk_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t sk_le16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

static inline uint32_t sk_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}

static inline void sk_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void sk_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- numbers from the standards ------------------------------------------ */

enum {
	SK_ETH_IPV4 = 0x0800,
	SK_ETH_ARP = 0x0806,
	SK_ETH_RARP = 0x8035, /* the same message format, RFC 903 */
	SK_ETH_VLAN = 0x8100,  /* 802.1Q customer tag */
	SK_ETH_QINQ = 0x88a8,  /* 802.1ad service tag */
	SK_ETH_QINQ1 = 0x9100, /* pre-standard QinQ */
	SK_ETH_IPV6 = 0x86dd,
};

enum {
	SK_IPPROTO_HOPOPTS = 0,
	SK_IPPROTO_ICMP = 1,
	SK_IPPROTO_TCP = 6,
	SK_IPPROTO_UDP = 17,
	SK_IPPROTO_ROUTING = 43,
	SK_IPPROTO_FRAGMENT = 44,
	SK_IPPROTO_ESP = 50,
	SK_IPPROTO_AH = 51,
	SK_IPPROTO_ICMPV6 = 58,
	SK_IPPROTO_NONE = 59,
	SK_IPPROTO_DSTOPTS = 60,
};

/* TCP flag bits as in the header's 9 flag bits (NS is bit 8). */
enum {
	SK_TCP_FIN = 0x01,
	SK_TCP_SYN = 0x02,
	SK_TCP_RST = 0x04,
	SK_TCP_PSH = 0x08,
	SK_TCP_ACK = 0x10,
	SK_TCP_URG = 0x20,
	SK_TCP_ECE = 0x40,
	SK_TCP_CWR = 0x80,
	SK_TCP_NS = 0x100,
};

/* pcap LINKTYPE_* values (the numbers written in pcap files). */
enum sk_linktype {
	SK_LINK_NULL = 0,   /* BSD loopback: 4-byte family, writer's order */
	SK_LINK_ETHERNET = 1,
	SK_LINK_PPP = 9,        /* PPP, RFC 1661, HDLC-like framing optional */
	SK_LINK_PPP_HDLC = 50,  /* PPP in HDLC-like framing, RFC 1662 */
	SK_LINK_RAW = 101,  /* raw IPv4 or IPv6, by the version nibble */
	SK_LINK_C_HDLC = 104,   /* Cisco HDLC */
	SK_LINK_IEEE802_11 = 105, /* 802.11 frames, no radio header */
	SK_LINK_LOOP = 108, /* OpenBSD loopback: 4-byte family, big-endian */
	SK_LINK_SLL = 113,  /* Linux cooked capture v1 ("any") */
	SK_LINK_RADIOTAP = 127, /* 802.11 behind a radiotap header */
	SK_LINK_IPV4 = 228,
	SK_LINK_IPV6 = 229,
	SK_LINK_SLL2 = 276, /* Linux cooked capture v2 */
};

/* Maps a libpcap DLT_* value (pcap_datalink) to the LINKTYPE_* value above:
 * they differ only for raw IP (DLT_RAW is 12 or 14 depending on the OS).
 * Other values pass through. */
int sk_linktype_from_dlt(int dlt);

/* ---- link layers --------------------------------------------------------- */

struct sk_eth {
	const uint8_t *dst, *src; /* 6 bytes each */
	uint16_t type;            /* EtherType, or the length for 802.3 */
	bool is_8023;             /* type <= 1500: an 802.3 length field */
};
/* Returns 14. */
int sk_eth_decode(const uint8_t *p, size_t len, struct sk_eth *out);

/* One 802.1Q / 802.1ad tag: p points after the TPID that announced it (the
 * EtherType field before it).  Returns 4. */
struct sk_vlan {
	uint8_t pcp; /* priority 0-7 */
	bool dei;    /* drop eligible */
	uint16_t vid;
	uint16_t type; /* the EtherType that follows the tag */
};
int sk_vlan_decode(const uint8_t *p, size_t len, struct sk_vlan *out);

/* Linux cooked capture v1 (16 bytes) and v2 (20 bytes). */
struct sk_sll {
	uint16_t pkttype; /* 0 to us, 1 broadcast, 2 multicast, 3 other host, 4 outgoing */
	uint16_t hatype;  /* ARPHRD_* */
	uint16_t addr_len;
	const uint8_t *addr; /* 8 bytes, addr_len of them meaningful (<= 8) */
	uint16_t protocol;   /* EtherType */
	uint32_t ifindex;    /* SLL2 only */
};
int sk_sll_decode(const uint8_t *p, size_t len, struct sk_sll *out);  /* 16 */
int sk_sll2_decode(const uint8_t *p, size_t len, struct sk_sll *out); /* 20 */

/* BSD loopback: a 4-byte address family, host order of the writer
 * (SK_LINK_NULL, both orders accepted) or big-endian (SK_LINK_LOOP).
 * type is the EtherType the family stands for (SK_ETH_IPV4/IPV6) or 0.
 * Returns 4. */
struct sk_null {
	uint32_t family;
	uint16_t type;
};
int sk_null_decode(const uint8_t *p, size_t len, bool big_endian,
		   struct sk_null *out);

/* PPP (RFC 1661): an optional FF 03 address and control (RFC 1662), then
 * the protocol, one byte when its low bit is set (protocol field
 * compression), else two.  type is the EtherType the protocol stands for
 * (IPv4 0x0021, IPv6 0x0057) or 0.  Returns the header length, 1 to 4. */
struct sk_ppp {
	bool has_ac;
	uint16_t protocol;
	uint16_t type;
};
int sk_ppp_decode(const uint8_t *p, size_t len, struct sk_ppp *out);
/* "IPv4", "IPv6", "LCP", "IPCP", "IPV6CP", "PAP", "CHAP"... or NULL. */
const char *sk_ppp_protocol_name(uint16_t protocol);

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, EtherType.
 * Returns 4. */
struct sk_chdlc {
	uint8_t address, control;
	uint16_t protocol;
};
int sk_chdlc_decode(const uint8_t *p, size_t len, struct sk_chdlc *out);

/* The radiotap header before 802.11 frames: version 0, its length (which
 * the frame after it starts at) and the first present-fields word.
 * Returns the length, SK_EMALFORMED when it is shorter than 8 bytes or the
 * version is not 0. */
struct sk_radiotap {
	uint8_t version;
	uint16_t len;
	uint32_t present;
};
int sk_radiotap_decode(const uint8_t *p, size_t len, struct sk_radiotap *out);

/* An 802.11 MAC header.  type 0 management, 1 control, 2 data; addr[] are
 * the 1 to 4 address fields in frame order (their meaning, receiver /
 * transmitter / destination / source / BSSID, follows from to_ds and
 * from_ds: sk_wifi_roles).  Returns the header length (10 to 36). */
struct sk_wifi {
	uint16_t fc;
	uint8_t type, subtype;
	bool to_ds, from_ds, more_frag, retry, protected_frame, order;
	uint16_t duration;
	const uint8_t *addr[4];
	unsigned naddr;
	bool has_seq;
	uint16_t seq, frag;
	bool qos;
	uint8_t tid;
};
int sk_wifi_decode(const uint8_t *p, size_t len, struct sk_wifi *out);
/* Which address is which: pointers into w's addresses, NULL when the frame
 * does not carry that role (ACK has only a receiver). */
struct sk_wifi_roles {
	const uint8_t *ra, *ta, *da, *sa, *bssid;
};
void sk_wifi_roles(const struct sk_wifi *w, struct sk_wifi_roles *out);
/* "Beacon", "Probe Request", "ACK", "QoS Data"... or NULL. */
const char *sk_wifi_subtype_name(uint8_t type, uint8_t subtype);
/* Whether the frame body is an LLC payload (a data frame with data, not
 * protected). */
bool sk_wifi_has_llc(const struct sk_wifi *w);

/* 802.2 LLC, with SNAP when DSAP and SSAP are 0xaa: then type is the
 * EtherType after the OUI.  Returns 3 (LLC) or 8 (LLC + SNAP). */
struct sk_llc {
	uint8_t dsap, ssap, control;
	bool snap;
	uint32_t oui;
	uint16_t type;
};
int sk_llc_decode(const uint8_t *p, size_t len, struct sk_llc *out);

/* ---- ARP ------------------------------------------------------------------ */

struct sk_arp {
	uint16_t htype, ptype, op; /* op 1 request, 2 reply */
	uint8_t hlen, plen;
	const uint8_t *sha, *spa, *tha, *tpa; /* hlen / plen bytes each */
};
/* Any hardware/protocol sizes; returns 8 + 2*(hlen+plen) (28 for
 * Ethernet/IPv4).  sk_arp_is_eth_ipv4 says whether it is that kind. */
int sk_arp_decode(const uint8_t *p, size_t len, struct sk_arp *out);
bool sk_arp_is_eth_ipv4(const struct sk_arp *a);

/* ---- IPv4 ----------------------------------------------------------------- */

struct sk_ipv4 {
	uint8_t hl; /* header length in bytes (IHL * 4) */
	uint8_t tos, ttl, proto;
	uint16_t total_len, id, checksum;
	bool df, mf;
	uint16_t frag_off;   /* fragment offset in bytes */
	bool checksum_ok;    /* the header checksum verifies */
	const uint8_t *src, *dst; /* 4 bytes each */
	const uint8_t *options;
	size_t options_len;
	const uint8_t *payload; /* total_len - hl bytes, cut to the capture */
	size_t payload_len;
	bool truncated; /* the capture ends before total_len */
	bool length_unset; /* total_len 0: segmentation offload, BIG TCP; the
			      payload is what the frame holds */
};
/* Returns hl.  SK_EMALFORMED for a version other than 4, IHL < 5 or a
 * total length below the header length. */
int sk_ipv4_decode(const uint8_t *p, size_t len, struct sk_ipv4 *out);

/* ---- IPv6 ----------------------------------------------------------------- */

struct sk_ipv6 {
	uint8_t tclass, next, hlim; /* next: the fixed header's Next Header */
	uint32_t flow;
	uint16_t payload_len_field;
	const uint8_t *src, *dst; /* 16 bytes each */
	/* After walking the extension headers (hop-by-hop, routing, fragment,
	 * destination options, AH): */
	uint8_t upper;   /* the upper-layer protocol (SK_IPPROTO_*) */
	size_t upper_off; /* its offset from the start of the IPv6 header */
	unsigned n_ext;
	bool is_fragment;  /* a fragment header was seen */
	uint16_t frag_off; /* in bytes */
	bool frag_mf;
	uint32_t frag_id;
	const uint8_t *payload; /* everything after the fixed header, as declared by
				   the payload length, cut to the capture */
	size_t payload_len;
	bool truncated;
	bool ext_truncated; /* the capture ends inside an extension header */
};
/* Returns 40.  The extension-header walk never fails the decode: a walk that
 * runs out of bytes sets ext_truncated and leaves upper at the header it
 * could not read.  A non-first fragment's upper layer is not decodable:
 * callers check frag_off. */
int sk_ipv6_decode(const uint8_t *p, size_t len, struct sk_ipv6 *out);

/* One extension header (proto is the Next Header value that announced it:
 * HOPOPTS, ROUTING, FRAGMENT, DSTOPTS or AH).  Returns its length. */
struct sk_ipv6_ext {
	uint8_t proto, next;
	size_t len;
	/* routing */
	uint8_t rt_type, segments_left;
	/* fragment */
	uint16_t frag_off; /* bytes */
	bool frag_mf;
	uint32_t frag_id;
	const uint8_t *data; /* the header's body after next/length */
	size_t data_len;
};
int sk_ipv6_ext_decode(uint8_t proto, const uint8_t *p, size_t len,
		       struct sk_ipv6_ext *out);
bool sk_ipv6_is_ext(uint8_t proto);

/* ---- ICMP and ICMPv6 ------------------------------------------------------ */

struct sk_icmp {
	uint8_t type, code;
	uint16_t checksum;
	uint32_t rest; /* the 4 bytes after the checksum */
	uint16_t id, seq; /* echo request/reply: the halves of rest */
	const uint8_t *payload; /* after the 8-byte header */
	size_t payload_len;
};
/* ICMP (v4 and v6 share the header).  Returns 8. */
int sk_icmp_decode(const uint8_t *p, size_t len, struct sk_icmp *out);

/* Type and code names: "echo-request", "port-unreachable"; NULL when
 * unknown.  The ICMPv6 ones name neighbour discovery (router/neighbor
 * solicitation/advertisement, redirect) and MLD. */
const char *sk_icmp_type_name(uint8_t type);
const char *sk_icmp_code_name(uint8_t type, uint8_t code);
const char *sk_icmp6_type_name(uint8_t type);
const char *sk_icmp6_code_name(uint8_t type, uint8_t code);

/* Neighbour discovery (ICMPv6 133-137): the fixed body and the link-layer
 * address options.  p/len is the whole ICMPv6 message.  Returns the length
 * of the fixed part (header + body: 8, 16, 24 or 40), SK_EUNSUPPORTED for
 * another type, SK_ETRUNCATED.  Options that run past len are ignored and
 * flagged with opts_truncated. */
struct sk_nd {
	const uint8_t *target; /* NS, NA, redirect: 16 bytes; else NULL */
	const uint8_t *dest;   /* redirect only */
	bool router, solicited, override; /* NA flags */
	uint8_t cur_hop_limit; /* RA */
	bool managed, other;   /* RA flags */
	uint16_t router_lifetime;
	uint32_t reachable, retrans;
	const uint8_t *src_lladdr, *tgt_lladdr; /* 6 bytes each, or NULL */
	uint32_t mtu;  /* RA MTU option, 0 if absent */
	bool opts_truncated;
};
int sk_nd_decode(const uint8_t *p, size_t len, struct sk_nd *out);

/* ---- TCP and UDP ---------------------------------------------------------- */

struct sk_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hl;     /* header length in bytes (data offset * 4) */
	uint16_t flags; /* SK_TCP_* */
	uint16_t window, checksum, urg;
	const uint8_t *options;
	size_t options_len;
	const uint8_t *payload;
	size_t payload_len; /* everything after the header that was captured */
};
/* Returns hl.  SK_EMALFORMED when the data offset is below 5. */
int sk_tcp_decode(const uint8_t *p, size_t len, struct sk_tcp *out);

struct sk_tcp_opts {
	bool has_mss, has_wscale, sack_ok, has_ts;
	uint16_t mss;
	uint8_t wscale;
	uint32_t ts_val, ts_ecr;
	unsigned n_sack; /* SACK blocks, at most 4 */
	uint32_t sack[4][2];
	unsigned n_nop, n_unknown;
	bool eol;
	const uint8_t *md5;   /* TCP MD5 signature (RFC 2385), 16 bytes, or NULL */
	bool has_uto;
	unsigned uto;         /* user timeout (RFC 5482), seconds */
	bool has_mptcp;
	unsigned mptcp_subtype; /* sk_mptcp_subtype_name */
	const uint8_t *mptcp;   /* the first MPTCP option's value (sk_mptcp_decode) */
	uint8_t mptcp_len;
	bool tfo;             /* TCP Fast Open (RFC 7413): a cookie request */
	const uint8_t *tfo_cookie; /* or a cookie of tfo_cookie_len bytes */
	uint8_t tfo_cookie_len;
};

/* TCP option kinds beyond RFC 793's. */
enum { SK_TCPOPT_MD5 = 19, SK_TCPOPT_UTO = 28, SK_TCPOPT_MPTCP = 30, SK_TCPOPT_TFO = 34 };
/* The user timeout option's value in seconds. */
unsigned sk_tcp_uto_seconds(uint16_t value);
/* "capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail",
 * "fast-close", "tcprst", or NULL. */
const char *sk_mptcp_subtype_name(unsigned subtype);

/* Multipath TCP (RFC 8684): the option's subtypes and the fields each may
 * carry (a has_ flag says which came).  Pointers point into the option. */
enum {
	SK_MPTCP_CAPABLE, SK_MPTCP_JOIN, SK_MPTCP_DSS, SK_MPTCP_ADD_ADDR,
	SK_MPTCP_REMOVE_ADDR, SK_MPTCP_PRIO, SK_MPTCP_FAIL, SK_MPTCP_FASTCLOSE,
	SK_MPTCP_TCPRST
};
struct sk_mptcp {
	uint8_t subtype;
	uint8_t version;         /* MP_CAPABLE */
	bool has_flags;          /* MP_CAPABLE and DSS: the flags byte */
	uint8_t flags;           /* (MP_TCPRST: U V W T in the low bits) */
	bool has_send_key, has_recv_key; /* MP_CAPABLE; MP_FASTCLOSE: recv */
	uint64_t send_key, recv_key;
	bool has_data_len, has_checksum; /* MP_CAPABLE with data, DSS */
	uint16_t data_len, checksum;
	bool has_addr_id, has_backup;    /* MP_JOIN, ADD_ADDR, MP_PRIO */
	uint8_t addr_id;
	bool backup;
	bool has_token, has_nonce, has_trunc_hmac; /* MP_JOIN, ADD_ADDR's HMAC */
	uint32_t token, nonce;
	uint64_t trunc_hmac;
	const uint8_t *hmac;     /* MP_JOIN's third ACK: 20 bytes, or NULL */
	bool data_fin, has_data_ack, has_dsn, has_ssn; /* DSS; MP_FAIL: dsn */
	uint64_t data_ack, dsn;
	uint32_t ssn;
	bool has_echo, echo, has_port;   /* ADD_ADDR */
	const uint8_t *addr;     /* ADD_ADDR: addr_len (4 or 16) bytes, or NULL */
	uint8_t addr_len;
	uint16_t port;
	const uint8_t *addr_ids; /* REMOVE_ADDR: n_addr_ids address IDs */
	uint8_t n_addr_ids;
	bool has_reason;         /* MP_TCPRST */
	uint8_t reason;
};
/* Decodes an MPTCP option's value (the n bytes after kind and length).
 * Returns 0 (an unknown subtype gives only its number), or SK_EMALFORMED
 * when the length does not fit the subtype. */
int sk_mptcp_decode(const uint8_t *v, size_t n, struct sk_mptcp *out);
/* RFC 8684's name of a subtype ("MP_CAPABLE", "DSS", ...), or NULL. */
const char *sk_mptcp_name(unsigned subtype);
/* Walks the options (MSS, window scale, SACK-permitted, SACK, timestamps,
 * MD5 signature, user timeout, MPTCP, Fast Open, NOP, EOL).  Returns 0, or SK_EMALFORMED when an option's length is wrong
 * or runs past the end (what came before it is kept). */
int sk_tcp_options(const uint8_t *p, size_t len, struct sk_tcp_opts *out);

/* "SYN,ACK" style list of the set flags into buf (>= 40 bytes); "none"
 * when no flag is set. */
void sk_tcp_flags_str(uint16_t flags, char *buf, size_t cap);
/* tcpdump's letters: "S.", "R.", "P.", "F." ... ("none" for no flag). */
void sk_tcp_flags_letters(uint16_t flags, char *buf, size_t cap);

struct sk_udp {
	uint16_t sport, dport, length, checksum;
	const uint8_t *payload; /* length - 8 bytes, cut to the capture */
	size_t payload_len;
	bool truncated;
};
/* Returns 8.  SK_EMALFORMED for a length field below 8. */
int sk_udp_decode(const uint8_t *p, size_t len, struct sk_udp *out);

/* ---- the Internet checksum (RFC 1071) ------------------------------------- */

/* Adds n bytes to a running 32-bit sum (an odd n pads with a zero byte, so
 * only the last piece of a sum may be odd). */
uint32_t sk_csum_add(uint32_t sum, const uint8_t *p, size_t n);
/* Folds to 16 bits and complements: the value to store in a checksum
 * field, and 0 when verifying bytes that include a correct checksum. */
uint16_t sk_csum_fold(uint32_t sum);
/* The checksum of p[0..n): 0 over a header with a correct checksum. */
uint16_t sk_inet_checksum(const uint8_t *p, size_t n);
/* The TCP/UDP/ICMPv6 checksum with the pseudo-header: family 4 or 6,
 * src/dst 4 or 16 bytes, proto, and the segment (its checksum field
 * included).  0 when the segment's checksum is correct; when building, fill
 * the field with 0, then store the result (a UDP result of 0 is sent as
 * 0xffff). */
uint16_t sk_l4_checksum(int family, const uint8_t *src, const uint8_t *dst,
			uint8_t proto, const uint8_t *seg, size_t n);

/* ---- names ---------------------------------------------------------------- */

/* "IPv4", "ARP", "IPv6", "802.1Q"... or NULL. */
const char *sk_ethertype_name(uint16_t type);
/* "TCP", "UDP", "ICMP", "ICMPv6", "fragment"... or NULL. */
const char *sk_ipproto_name(uint8_t proto);

/* Formats 6 bytes as "aa:bb:cc:dd:ee:ff" (buf >= 18 bytes). */
void sk_mac_format(const uint8_t *mac, char buf[18]);
/* ARP opcode names (IANA): "request", "reply", "reverse-request" (RARP),
 * "inverse-request" (InARP)... "other" for the rest. */
const char *sk_arp_op_name(uint16_t op);
/* Formats 4 bytes as dotted decimal, as inet_ntop does without its printf
 * (buf >= 16 bytes).  Returns the length, NUL not counted. */
size_t sk_ipv4_format(const uint8_t *a, char buf[16]);
/* Parses "aa:bb:cc:dd:ee:ff" (also '-' separated).  Returns 0 or
 * SK_EBADADDR. */
int sk_mac_parse(const char *text, uint8_t mac[6]);

#endif
