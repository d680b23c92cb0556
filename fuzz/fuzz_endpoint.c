/* libFuzzer: endpoint parsing must never crash, and what it accepts must
 * format back into text that parses to the same endpoint. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/endpoint.h"
#include "sockit/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct sk_endpoint ep, again;
	char err[SK_ERRLEN];
	if (sk_endpoint_parse(text, "udp", &ep, err) != 0)
		return 0;
	char back[SK_HOSTLEN + SK_PATHLEN + 16];
	if (sk_endpoint_format(&ep, back, sizeof back) < 0)
		abort();
	if (sk_endpoint_parse(back, "udp", &again, err) != 0 ||
	    again.kind != ep.kind || again.port != ep.port ||
	    strcmp(again.host, ep.host) || strcmp(again.path, ep.path))
		abort();
	return 0;
}
