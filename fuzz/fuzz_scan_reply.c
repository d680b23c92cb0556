/* libFuzzer: the decoder the SYN and UDP scans run on every received
 * frame.  Invariants: no read past the frame (ASan), and what it accepts
 * is consistent: families match, ICMP replies quote TCP or UDP. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockit/packet.h"
#include "sockit/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any over-read. */
	uint8_t *frame = malloc(size ? size : 1);
	if (!frame)
		return 0;
	memcpy(frame, data, size);
	struct sk_reply r;
	if (sk_scan_decode_reply(frame, size, &r) == 0) {
		if (r.from.family != r.to.family)
			abort();
		if (r.from.family != AF_INET && r.from.family != AF_INET6)
			abort();
		if (r.kind == SK_REPLY_ICMP && r.probe_proto != SK_IPPROTO_TCP &&
		    r.probe_proto != SK_IPPROTO_UDP)
			abort();
		if (r.kind < SK_REPLY_TCP || r.kind > SK_REPLY_ICMP)
			abort();
	}
	free(frame);
	return 0;
}
