/* Frame builders: ARP request/reply, and TCP (SYN, RST, any flags) or UDP
 * over IPv4 or IPv6, with or without an Ethernet header, checksums filled.
 * Pure: they write into the caller's buffer and return the frame length, or
 * SK_ELIMIT when cap is too small, or SK_EFAMILY for a family other than 4
 * or 6.  Nothing is sent: send the bytes on an AF_PACKET socket (with an
 * Ethernet header), a raw IP socket (without), or pcap_inject.
 *
 * Used by `sockit arp` and `sockit scan --syn/--udp`.  Example, a SYN over
 * Ethernet and IPv4:
 *
 *     struct sk_l4_build b = {
 *             .eth_src = my_mac, .eth_dst = router_mac,   // NULL: no Ethernet
 *             .family = 4, .src = my_ip4, .dst = target_ip4,
 *             .sport = 40000, .dport = 80, .seq = cookie,
 *             .flags = SK_TCP_SYN, .mss = 1460,
 *     };
 *     uint8_t frame[SK_BUILD_MAX];
 *     int n = sk_build_tcp(frame, sizeof frame, &b);   // 58 bytes
 */
#ifndef SOCKIT_PKTBUILD_H
#define SOCKIT_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockit/packet.h"

/* Enough for every frame built here without a payload (Ethernet 14 + IPv6
 * 40 + TCP 24), and for a minimum-size padded Ethernet frame (60). */
#define SK_BUILD_MAX 128

enum { SK_ARP_REQUEST = 1, SK_ARP_REPLY = 2 };

/* An Ethernet/IPv4 ARP message in an Ethernet frame.
 *   op       SK_ARP_REQUEST or SK_ARP_REPLY
 *   eth_dst  the frame's destination (ff:ff:ff:ff:ff:ff for a request)
 *   sha/spa  sender MAC and IPv4 address (the frame's source MAC is sha)
 *   tha/tpa  target MAC (zeros in a request) and IPv4 address
 *   pad      pad to the 60-byte minimum frame (14 + 28 + 18 zero bytes), as
 *            the NIC would; without it the frame is 42 bytes
 * Returns 60 or 42. */
int sk_build_arp(uint8_t *out, size_t cap, uint16_t op, const uint8_t eth_dst[6],
		 const uint8_t sha[6], const uint8_t spa[4], const uint8_t tha[6],
		 const uint8_t tpa[4], bool pad);

/* An IPv6 neighbour solicitation for target from src (link-local or global)
 * with a source link-layer address option, sent to the target's
 * solicited-node multicast group (ff02::1:ffXX:XXXX, MAC 33:33:ff:XX:XX:XX),
 * hop limit 255.  Returns 86. */
int sk_build_ns(uint8_t *out, size_t cap, const uint8_t src_mac[6],
		const uint8_t src[16], const uint8_t target[16]);

struct sk_l4_build {
	const uint8_t *eth_src, *eth_dst; /* both or neither (NULL: IP first) */
	int family;                       /* 4 or 6 */
	const uint8_t *src, *dst;         /* 4 or 16 bytes */
	uint16_t sport, dport;
	uint8_t ttl;     /* IPv4 TTL / IPv6 hop limit; 0 means 64 */
	uint16_t ip_id;  /* IPv4 identification */
	/* TCP only: */
	uint32_t seq, ack;
	uint16_t flags;  /* SK_TCP_* */
	uint16_t window; /* 0 means 1024 for a SYN, 0 otherwise */
	uint16_t mss;    /* >0 adds an MSS option (4 bytes) */
	/* Both: */
	const uint8_t *payload;
	size_t payload_len;
};

/* TCP segment in IPv4/IPv6 (DF set for IPv4), optionally in Ethernet.
 * Lengths: 14? + 20|40 + 20 (+4 with mss) + payload.  A SYN for a scan:
 * flags SK_TCP_SYN; the RST that tears a half-open one down: SK_TCP_RST
 * with seq = the SYN-ACK's ack. */
int sk_build_tcp(uint8_t *out, size_t cap, const struct sk_l4_build *b);

/* UDP datagram in IPv4/IPv6, optionally in Ethernet: 14? + 20|40 + 8 +
 * payload. */
int sk_build_udp(uint8_t *out, size_t cap, const struct sk_l4_build *b);

#endif
