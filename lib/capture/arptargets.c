/* The addresses an ARP sweep asks for, from what the user wrote: a CIDR
 * block (its usable hosts), a range A-B or A-N (N the last octet), or one
 * address.  Pure: no I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockit/arpscan.h"
#include "sockit/cidr.h"
#include "core/say.h"
#include "sockit/error.h"
#include "sockit/packet.h"

static bool parse_v4(const char *text, uint32_t *out)
{
	struct sk_ip ip;
	if (sk_ip_parse(text, &ip) || ip.family != AF_INET)
		return false;
	*out = sk_be32(ip.bytes);
	return true;
}

/* Appends first..last, when they fit. */
static int add_span(uint64_t first, uint64_t last, uint32_t *v, size_t *n, size_t max,
		    const char *text, char *err)
{
	if (last - first + 1 > max - *n)
		return sk__err_say(err, SK_ETOOMANY, "'%s': more than %zu addresses", text, max);
	for (uint64_t x = first; x <= last; x++)
		v[(*n)++] = (uint32_t)x;
	return 0;
}

static int add_range(const char *text, const char *dash, uint32_t *v, size_t *n,
		     size_t max, char *err)
{
	char a_text[64];
	uint32_t a, b;
	snprintf(a_text, sizeof a_text, "%.*s", (int)(dash - text), text);
	if ((size_t)(dash - text) >= sizeof a_text || !parse_v4(a_text, &a))
		return sk__err_say(err, SK_EBADADDR, "'%s': not an IPv4 address", a_text);
	if (!parse_v4(dash + 1, &b)) {
		char *end;
		unsigned long last = strtoul(dash + 1, &end, 10);
		if (!dash[1] || *end || last > 255)
			return sk__err_say(err, SK_EBADADDR,
					  "'%s': a range is A-B or A-N (the last octet)", text);
		b = (a & 0xffffff00u) | (uint32_t)last;
	}
	if (b < a)
		return sk__err_say(err, SK_EBADADDR, "'%s': the range ends before it starts",
				  text);
	return add_span(a, b, v, n, max, text, err);
}

int sk_arpscan_targets_add(const char *text, uint32_t *v, size_t *n, size_t max, char *err)
{
	const char *dash = strchr(text, '-');
	if (dash)
		return add_range(text, dash, v, n, max, err);
	struct sk_cidr c;
	if (sk_cidr_parse(text, NULL, &c, err))
		return SK_EBADADDR;
	if (c.addr.family != AF_INET)
		return sk__err_say(err, SK_EBADADDR, "'%s': ARP is IPv4 only", text);
	struct sk_ip first, last;
	sk_cidr_first_host(&c, &first);
	sk_cidr_last_host(&c, &last);
	return add_span(sk_be32(first.bytes), sk_be32(last.bytes), v, n, max, text, err);
}
