/* libFuzzer: port lists.  Invariants: an accepted list finishes into an
 * ascending list of (proto, port) with ports 1-65535. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	static struct sk_ports p;
	memset(&p, 0, sizeof p);
	char err[SK_ERRLEN];
	if (sk_ports_parse(&p, text, SK_SCAN_TCP, err) == 0) {
		if (sk_ports_finish(&p, err) != 0 || p.count == 0)
			abort();
		for (uint32_t i = 0; i < p.count; i++) {
			if ((p.list[i] & 0xffff) == 0 || p.list[i] >> 16 > 1)
				abort();
			if (i && p.list[i] <= p.list[i - 1])
				abort();
		}
		sk_ports_free(&p);
	}
	return 0;
}
