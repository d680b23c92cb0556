/* Names of EtherTypes and IP protocols; MAC address text. */
#include <stdio.h>

#include "core/digits.h"
#include "sockit/bytes.h"
#include "sockit/error.h"
#include "sockit/packet.h"

const char *sk_ethertype_name(uint16_t type)
{
	switch (type) {
	case SK_ETH_IPV4: return "IPv4";
	case SK_ETH_ARP: return "ARP";
	case SK_ETH_IPV6: return "IPv6";
	case SK_ETH_VLAN: return "802.1Q";
	case SK_ETH_QINQ: return "802.1ad";
	case SK_ETH_QINQ1: return "QinQ";
	case 0x8035: return "RARP";
	case 0x8847: return "MPLS unicast";
	case 0x8848: return "MPLS multicast";
	case 0x8863: return "PPPoE D";
	case 0x8864: return "PPPoE S";
	case 0x888e: return "EAPOL";
	case 0x88cc: return "LLDP";
	case 0x88f7: return "PTP";
	default: return NULL;
	}
}

const char *sk_ipproto_name(uint8_t proto)
{
	switch (proto) {
	case SK_IPPROTO_HOPOPTS: return "hop-by-hop";
	case SK_IPPROTO_ICMP: return "ICMP";
	case 2: return "IGMP";
	case 4: return "IPIP";
	case SK_IPPROTO_TCP: return "TCP";
	case SK_IPPROTO_UDP: return "UDP";
	case 41: return "IPv6";
	case SK_IPPROTO_ROUTING: return "routing";
	case SK_IPPROTO_FRAGMENT: return "fragment";
	case 47: return "GRE";
	case SK_IPPROTO_ESP: return "ESP";
	case SK_IPPROTO_AH: return "AH";
	case SK_IPPROTO_ICMPV6: return "ICMPv6";
	case SK_IPPROTO_NONE: return "none";
	case SK_IPPROTO_DSTOPTS: return "destination-options";
	case 89: return "OSPF";
	case 103: return "PIM";
	case 112: return "VRRP";
	case 132: return "SCTP";
	default: return NULL;
	}
}

static const char hex_digits[] = "0123456789abcdef";

static char *hex_pair(char *p, uint8_t b)
{
	p[0] = hex_digits[b >> 4];
	p[1] = hex_digits[b & 15];
	return p + 2;
}

/* Unrolled: a frame's JSON holds two to four of these. */
void sk_mac_format(const uint8_t *mac, char buf[18])
{
	char *p = buf;
	p = hex_pair(p, mac[0]);
	*p++ = ':';
	p = hex_pair(p, mac[1]);
	*p++ = ':';
	p = hex_pair(p, mac[2]);
	*p++ = ':';
	p = hex_pair(p, mac[3]);
	*p++ = ':';
	p = hex_pair(p, mac[4]);
	*p++ = ':';
	p = hex_pair(p, mac[5]);
	*p = 0;
}

const char *sk_arp_op_name(uint16_t op)
{
	static const char *const names[] = { NULL, "request", "reply", "reverse-request",
					     "reverse-reply", "drarp-request", "drarp-reply",
					     "drarp-error", "inverse-request", "inverse-reply",
					     "nak" };
	return op < sizeof names / sizeof names[0] && names[op] ? names[op] : "other";
}

size_t sk_ipv4_format(const uint8_t *a, char buf[16])
{
	char *p = buf;
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];
		if (v >= 100) {
			unsigned h = v / 100;
			*p++ = (char)('0' + h);
			v -= 100 * h;
			sk__put_pair(p, v);
			p += 2;
		} else if (v >= 10) {
			sk__put_pair(p, v);
			p += 2;
		} else {
			*p++ = (char)('0' + v);
		}
		*p++ = '.';
	}
	p[-1] = 0;
	return (size_t)(p - 1 - buf);
}

int sk_mac_parse(const char *t, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = sk_hex_digit(t[0]), lo = hi < 0 ? -1 : sk_hex_digit(t[1]);
		if (hi < 0 || lo < 0)
			return SK_EBADADDR;
		mac[i] = (uint8_t)(hi << 4 | lo);
		t += 2;
		if (i < 5) {
			if (*t != ':' && *t != '-')
				return SK_EBADADDR;
			t++;
		}
	}
	return *t ? SK_EBADADDR : 0;
}
