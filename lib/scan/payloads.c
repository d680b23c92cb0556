/* UDP probe payloads: services that stay silent for an empty datagram
 * answer a well-formed request, which tells open from open|filtered. */
#include "sockit/scan.h"

/* DNS: a standard query for the root's NS records (id 0x736b). */
static const uint8_t dns[] = {
	0x73, 0x6b, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00, 0x01,
};

/* NTP: a version 4 client request (LI 3, VN 4, mode 3), 48 bytes. */
static const uint8_t ntp[48] = { 0xe3 };

/* SNMPv1 GetRequest, community "public", for sysDescr.0. */
static const uint8_t snmp[] = {
	0x30, 0x29, 0x02, 0x01, 0x00, 0x04, 0x06, 'p',  'u',  'b',  'l',
	'i',  'c',  0xa0, 0x1c, 0x02, 0x04, 0x00, 0x00, 0x00, 0x01, 0x02,
	0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08,
	0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
};

void sk_udp_payload(uint16_t port, const uint8_t **payload, size_t *len)
{
	switch (port) {
	case 53:
	case 5353:
		*payload = dns;
		*len = sizeof dns;
		return;
	case 123:
		*payload = ntp;
		*len = sizeof ntp;
		return;
	case 161:
		*payload = snmp;
		*len = sizeof snmp;
		return;
	default:
		*payload = NULL;
		*len = 0;
	}
}
