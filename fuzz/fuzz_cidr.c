/* libFuzzer: CIDR parsing and the block arithmetic on whatever it accepts.
 * The invariants: network <= address <= last, the block contains its own
 * network, first and last host, and a canonical form parses back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/cidr.h"
#include "sockit/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	if (size >= sizeof text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	/* An optional separate mask after a NUL-free '|' exercises both forms. */
	char *mask = strchr(text, '|');
	if (mask)
		*mask++ = 0;
	struct sk_cidr c;
	char err[SK_ERRLEN];
	if (sk_cidr_parse(text, mask, &c, err) != 0)
		return 0;
	struct sk_ip net, last, first, lasth;
	sk_cidr_network(&c, &net);
	sk_cidr_last(&c, &last);
	sk_cidr_first_host(&c, &first);
	sk_cidr_last_host(&c, &lasth);
	if (!sk_cidr_contains(&c, &net) || !sk_cidr_contains(&c, &last) ||
	    !sk_cidr_contains(&c, &first) || !sk_cidr_contains(&c, &lasth) ||
	    !sk_cidr_contains(&c, &c.addr))
		abort();
	char hosts[SK_COUNTSTRLEN], a[SK_IPSTRLEN], back[SK_IPSTRLEN + 8];
	sk_cidr_hosts(&c, hosts);
	if (hosts[0] < '1' || hosts[0] > '9')
		abort();
	sk_ip_format(&net, a);
	size_t n = strlen(a);
	memcpy(back, a, n);
	back[n] = '/';
	back[n + 1] = (char)('0' + c.prefix / 100);
	back[n + 2] = (char)('0' + c.prefix / 10 % 10);
	back[n + 3] = (char)('0' + c.prefix % 10);
	back[n + 4] = 0;
	struct sk_cidr again;
	if (sk_cidr_parse(back, NULL, &again, err) != 0 ||
	    again.prefix != c.prefix || memcmp(&again.addr, &net, sizeof net))
		abort();
	return 0;
}
