/* IPv4 (RFC 791): options, fragments, the header checksum. */
#include "sockit/error.h"
#include "sockit/packet.h"

int sk_ipv4_decode(const uint8_t *p, size_t len, struct sk_ipv4 *out)
{
	if (len < 1)
		return SK_ETRUNCATED;
	if (p[0] >> 4 != 4)
		return SK_EMALFORMED;
	size_t hl = (size_t)(p[0] & 0x0f) * 4;
	out->hl = (uint8_t)hl;
	if (hl < 20)
		return SK_EMALFORMED;
	if (len < 20)
		return SK_ETRUNCATED;
	out->tos = p[1];
	out->total_len = sk_be16(p + 2);
	out->id = sk_be16(p + 4);
	uint16_t ff = sk_be16(p + 6);
	out->df = ff & 0x4000;
	out->mf = ff & 0x2000;
	out->frag_off = (uint16_t)((ff & 0x1fff) * 8);
	out->ttl = p[8];
	out->proto = p[9];
	out->checksum = sk_be16(p + 10);
	out->src = p + 12;
	out->dst = p + 16;
	out->options = NULL;
	out->options_len = 0;
	out->payload = NULL;
	out->payload_len = 0;
	out->checksum_ok = false;
	out->truncated = false;
	out->length_unset = false;
	if (len < hl)
		return SK_ETRUNCATED;
	out->options = p + 20;
	out->options_len = hl - 20;
	out->checksum_ok = sk_inet_checksum(p, hl) == 0;
	/* A total length of 0 is what a sender's capture shows of a segment
	 * it hands to the NIC for TCP segmentation offload (and of BIG TCP
	 * packets over 64 KiB): the frame says how long it is. */
	out->length_unset = out->total_len == 0;
	if (out->total_len < hl && !out->length_unset)
		return SK_EMALFORMED;
	/* The total length clamps the payload: whatever follows it in the
	 * frame is link-layer padding, not IP. */
	size_t have = len - hl;
	size_t declared = out->length_unset ? have : out->total_len - hl;
	out->payload = p + hl;
	out->payload_len = declared < have ? declared : have;
	out->truncated = declared > have;
	return (int)hl;
}
