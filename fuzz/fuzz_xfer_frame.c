/* libFuzzer: the xfer frame decoder over a stream of frames, as the
 * receiver and sender read them.  It must never crash or over-read, and
 * every frame it accepts must encode back to exactly the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/xfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t back[SK_XFER_FRAME_MAX];
	size_t off = 0;
	while (off < size) {
		struct sk_xfer_msg m;
		int rc = sk_xfer_decode(data + off, size - off, &m);
		if (rc == SK_EFRAMESHORT || rc == SK_EFRAMEBAD || rc == SK_EFRAMEBIG)
			break;
		if (rc <= 0 || (size_t)rc > size - off)
			abort();
		uint8_t type;
		uint32_t plen;
		if (sk_xfer_head_decode(data + off, size - off, &type, &plen) != SK_XFER_HEADLEN ||
		    type != m.type || SK_XFER_HEADLEN + plen != (uint32_t)rc)
			abort();
		int n = sk_xfer_encode(back, sizeof back, &m);
		if (n != rc || memcmp(back, data + off, (size_t)rc))
			abort();
		if (m.type == SK_XFER_FILE) {
			char err[SK_ERRLEN];
			int ok = sk_xfer_name_check(m.u.file.name, m.u.file.name_len, err);
			if (ok != 0 && ok != SK_ENAMEBAD)
				abort();
		}
		off += (size_t)rc;
	}
	return 0;
}
