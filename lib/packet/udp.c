/* UDP (RFC 768). */
#include "sockit/error.h"
#include "sockit/packet.h"

int sk_udp_decode(const uint8_t *p, size_t len, struct sk_udp *out)
{
	if (len < 8)
		return SK_ETRUNCATED;
	out->sport = sk_be16(p);
	out->dport = sk_be16(p + 2);
	out->length = sk_be16(p + 4);
	out->checksum = sk_be16(p + 6);
	if (out->length < 8) {
		out->payload = NULL;
		out->payload_len = 0;
		out->truncated = false;
		return SK_EMALFORMED;
	}
	size_t declared = out->length - 8u, have = len - 8;
	out->payload = p + 8;
	out->payload_len = declared < have ? declared : have;
	out->truncated = declared > have;
	return 8;
}
