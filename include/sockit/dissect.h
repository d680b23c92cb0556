/* The dissect walk: a captured frame turned into its layers, outermost
 * first, each with the byte range it occupies, the payload it declares and
 * its named fields.  Pure: no I/O, no allocation; the result points into the
 * caller's frame.
 *
 *     struct sk_dissection d;
 *     sk_dissect(SK_LINK_ETHERNET, frame, caplen, wirelen, &d);
 *     for (unsigned i = 0; i < d.n; i++) {
 *             const struct sk_layer *l = &d.layer[i];
 *             ... l->proto, l->offset, l->hdr_len, l->payload_len ...
 *             struct sk_field f[SK_FIELDS_MAX];
 *             int nf = sk_layer_fields(&d, i, f, SK_FIELDS_MAX);
 *     }
 *
 * A frame cut short or carrying nonsense never fails the walk: the layer
 * that could not be read gets status SK_ETRUNCATED or SK_EMALFORMED and the
 * walk stops there.  Bytes after the last layer a header accounts for (the
 * padding of short Ethernet frames: a 28-byte ARP message padded with 18
 * bytes to the 46-byte minimum payload) become a "padding" layer. */
#ifndef SOCKIT_DISSECT_H
#define SOCKIT_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockit/packet.h"

enum sk_proto {
	SK_P_NULL,  /* BSD loopback header */
	SK_P_SLL,   /* Linux cooked v1 */
	SK_P_SLL2,  /* Linux cooked v2 */
	SK_P_PPP,
	SK_P_CHDLC,    /* Cisco HDLC */
	SK_P_RADIOTAP, /* the radio header in front of 802.11 */
	SK_P_WIFI,     /* an 802.11 MAC header */
	SK_P_LLC,      /* 802.2 LLC, with SNAP */
	SK_P_ETH,
	SK_P_VLAN,
	SK_P_ARP,
	SK_P_IPV4,
	SK_P_IPV6,
	SK_P_IPV6_EXT, /* one extension header */
	SK_P_ICMP,
	SK_P_ICMP6,
	SK_P_TCP,
	SK_P_UDP,
	SK_P_DATA,    /* a payload no decoder claims (application data) */
	SK_P_PADDING, /* bytes past the end a header declares */
};

struct sk_layer {
	enum sk_proto proto;
	uint32_t offset;      /* from the start of the frame */
	uint32_t hdr_len;     /* bytes of the frame this layer occupies itself:
				 its header (for data and padding: all of it) */
	uint32_t payload_len; /* bytes it says it carries after its header, by its
				 own length fields; may exceed what was captured */
	int status;           /* 0, SK_ETRUNCATED or SK_EMALFORMED */
	/* A checksum this layer carries (IPv4 header, ICMP, TCP, UDP):
	 * checked is false when it could not be verified (a cut capture, a
	 * fragment, UDP's 0 = none); bad when it was checked and is wrong. */
	bool csum_checked, csum_bad;
	/* A TCP/UDP checksum that holds only the pseudo-header sum: checksum
	 * offload, filled in by the NIC after the capture saw the packet
	 * (every outgoing packet on lo and veth).  Not checked, not bad. */
	bool csum_partial;
	union {
		struct sk_null null;
		struct sk_sll sll;
		struct sk_ppp ppp;
		struct sk_chdlc chdlc;
		struct sk_radiotap radiotap;
		struct sk_wifi wifi;
		struct sk_llc llc;
		struct sk_eth eth;
		struct sk_vlan vlan;
		struct sk_arp arp;
		struct sk_ipv4 ipv4;
		struct sk_ipv6 ipv6;
		struct sk_ipv6_ext ext;
		struct sk_icmp icmp;
		struct sk_tcp tcp;
		struct sk_udp udp;
	} u;
};

#define SK_DISSECT_MAX 24

struct sk_dissection {
	const uint8_t *frame;
	size_t caplen;  /* bytes captured */
	size_t wirelen; /* bytes on the wire (>= caplen) */
	int linktype;
	/* A link type sockit does not decode: the frame is one data layer. */
	bool link_unknown;
	unsigned n; /* layers filled */
	struct sk_layer layer[SK_DISSECT_MAX];
	/* Indices into layer[] of the layers a one-line summary needs, or -1. */
	int link, net, transport; /* e.g. eth, ipv4, tcp */
};

/* Walks the frame.  linktype is an SK_LINK_* value.  Returns the number of
 * layers (>= 1 for any caplen > 0; 0 for an empty frame).  A link type it
 * does not decode gives one data layer and link_unknown. */
int sk_dissect(int linktype, const uint8_t *frame, size_t caplen,
	       size_t wirelen, struct sk_dissection *out);

/* Bytes an IPv4 or IPv6 layer's length fields declare beyond the end of
 * the frame as it was on the wire (not a snap length's cut: those bytes
 * existed): tcpdump's "truncated-ip - N bytes missing".  0 when none. */
size_t sk_ip_missing(const struct sk_dissection *d, const struct sk_layer *l);

/* Whether sk_dissect decodes frames of this link type. */
bool sk_dissect_knows(int linktype);

/* The first layer of the given protocol, or NULL. */
const struct sk_layer *sk_dissect_find(const struct sk_dissection *d,
				       enum sk_proto proto);

/* Short lower-case name: "eth", "vlan", "arp", "ipv4", "ipv6", "ipv6-frag",
 * "icmp", "icmpv6", "tcp", "udp", "data", "padding", "sll", "sll2", "null",
 * "ppp", "chdlc", "radiotap", "wlan", "llc". */
const char *sk_layer_name(const struct sk_layer *l);

/* ---- named fields ----------------------------------------------------------
 * Each layer's header fields as (name, value) pairs for display and JSON.
 * Numbers stay numbers (kind UINT), booleans BOOL, and everything with a
 * text form (addresses, flag lists, names) is STR. */

enum sk_field_kind { SK_FIELD_UINT, SK_FIELD_BOOL, SK_FIELD_STR };

#define SK_FIELD_STRLEN 100

struct sk_field {
	const char *name; /* static, lower-case, e.g. "src", "ttl", "flags" */
	enum sk_field_kind kind;
	uint64_t num;     /* UINT and BOOL */
	char str[SK_FIELD_STRLEN];
};

#define SK_FIELDS_MAX 40

/* Fills up to cap fields of layer i of d; returns how many. */
int sk_layer_fields(const struct sk_dissection *d, unsigned i,
		    struct sk_field *out, unsigned cap);

/* ---- field list ------------------------------------------------------------
 * The same fields in the same order as references, for emitters that write
 * millions of them (sniff --json): names and texts are not copied,
 * addresses come as their bytes for the caller to format, and two display
 * hints come with each field.  The list reuses one caller-owned struct. */

enum sk_ref_kind { SK_REF_UINT, SK_REF_BOOL, SK_REF_TEXT, SK_REF_IPV4, SK_REF_IPV6, SK_REF_MAC };

#define SK_REF_HEX 1u        /* a number that reads better in hex (EtherTypes, checksums) */
#define SK_REF_NAMES_PREV 2u /* text naming the value of the field just before it
				("type_name" right after "type") */

/* Only the members the kind names are set. */
struct sk_field_ref {
	const char *name;    /* static, NUL-terminated, name_len bytes */
	const char *text;    /* TEXT: text_len bytes of ASCII, not NUL-terminated */
	const uint8_t *addr; /* IPV4: 4 bytes, IPV6: 16, MAC: 6 */
	uint64_t num;        /* UINT and BOOL */
	uint32_t text_len;   /* less than SK_FIELD_STRLEN */
	uint8_t name_len;
	uint8_t kind;        /* enum sk_ref_kind */
	uint8_t flags;       /* SK_REF_HEX, SK_REF_NAMES_PREV */
};

struct sk_field_list {
	unsigned n;
	struct sk_field_ref f[SK_FIELDS_MAX];
	size_t used;
	char scratch[256]; /* texts the list composes (flag lists, hex digits) */
};

/* Lists the fields of layer i of d in out: the first SK_FIELDS_MAX of
 * those sk_layer_fields names.  Texts and addresses point into static
 * storage, out's scratch or d's frame and layers: valid while out and d
 * are, until out is used again.  Returns out->n (0 when i is not a layer
 * of d). */
int sk_layer_list(const struct sk_dissection *d, unsigned i, struct sk_field_list *out);

/* ---- one-line summary ------------------------------------------------------
 * tcpdump -nn's line after the timestamp, e.g.
 *   IP 127.0.0.1.40000 > 127.0.0.1.80: Flags [S], seq 1, win 65495, options [mss 65495], length 0
 *   ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 28
 * With link, the link layer comes first as with tcpdump -e.  Writes at most
 * cap bytes (NUL included) and returns the length it wanted, as snprintf. */
size_t sk_dissect_summary(const struct sk_dissection *d, bool link, char *buf,
			  size_t cap);

#endif
