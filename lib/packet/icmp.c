/* ICMP (RFC 792) and ICMPv6 (RFC 4443) with neighbour discovery (RFC 4861). */
#include <string.h>

#include "sockit/error.h"
#include "sockit/packet.h"

int sk_icmp_decode(const uint8_t *p, size_t len, struct sk_icmp *out)
{
	if (len < 4)
		return SK_ETRUNCATED;
	out->type = p[0];
	out->code = p[1];
	out->checksum = sk_be16(p + 2);
	out->rest = 0;
	out->id = out->seq = 0;
	out->payload = NULL;
	out->payload_len = 0;
	if (len < 8)
		return SK_ETRUNCATED;
	out->rest = sk_be32(p + 4);
	out->id = sk_be16(p + 4);
	out->seq = sk_be16(p + 6);
	out->payload = p + 8;
	out->payload_len = len - 8;
	return 8;
}

struct name {
	uint8_t v;
	const char *name;
};

static const char *lookup(const struct name *t, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return NULL;
}

#define LOOKUP(table, v) lookup(table, sizeof table / sizeof table[0], v)

static const struct name icmp_types[] = {
	{ 0, "echo-reply" }, { 3, "destination-unreachable" },
	{ 4, "source-quench" }, { 5, "redirect" }, { 8, "echo-request" },
	{ 9, "router-advertisement" }, { 10, "router-solicitation" },
	{ 11, "time-exceeded" }, { 12, "parameter-problem" },
	{ 13, "timestamp-request" }, { 14, "timestamp-reply" },
	{ 17, "address-mask-request" }, { 18, "address-mask-reply" },
};

static const struct name unreach_codes[] = {
	{ 0, "net-unreachable" }, { 1, "host-unreachable" },
	{ 2, "protocol-unreachable" }, { 3, "port-unreachable" },
	{ 4, "fragmentation-needed" }, { 5, "source-route-failed" },
	{ 6, "net-unknown" }, { 7, "host-unknown" }, { 8, "source-host-isolated" },
	{ 9, "net-prohibited" }, { 10, "host-prohibited" },
	{ 11, "net-tos-unreachable" }, { 12, "host-tos-unreachable" },
	{ 13, "admin-prohibited" }, { 14, "host-precedence-violation" },
	{ 15, "precedence-cutoff" },
};

static const struct name redirect_codes[] = {
	{ 0, "redirect-net" }, { 1, "redirect-host" },
	{ 2, "redirect-tos-net" }, { 3, "redirect-tos-host" },
};

static const struct name exceeded_codes[] = {
	{ 0, "ttl-exceeded" }, { 1, "reassembly-exceeded" },
};

static const struct name param_codes[] = {
	{ 0, "pointer" }, { 1, "missing-option" }, { 2, "bad-length" },
};

const char *sk_icmp_type_name(uint8_t type)
{
	return LOOKUP(icmp_types, type);
}

const char *sk_icmp_code_name(uint8_t type, uint8_t code)
{
	switch (type) {
	case 3: return LOOKUP(unreach_codes, code);
	case 5: return LOOKUP(redirect_codes, code);
	case 11: return LOOKUP(exceeded_codes, code);
	case 12: return LOOKUP(param_codes, code);
	default: return NULL;
	}
}

static const struct name icmp6_types[] = {
	{ 1, "destination-unreachable" }, { 2, "packet-too-big" },
	{ 3, "time-exceeded" }, { 4, "parameter-problem" },
	{ 128, "echo-request" }, { 129, "echo-reply" },
	{ 130, "mld-query" }, { 131, "mld-report" }, { 132, "mld-done" },
	{ 133, "router-solicitation" }, { 134, "router-advertisement" },
	{ 135, "neighbor-solicitation" }, { 136, "neighbor-advertisement" },
	{ 137, "redirect" }, { 138, "router-renumbering" },
	{ 139, "node-information-query" }, { 140, "node-information-response" },
	{ 141, "inverse-nd-solicitation" }, { 142, "inverse-nd-advertisement" },
	{ 143, "mldv2-report" }, { 144, "home-agent-address-discovery-request" },
	{ 145, "home-agent-address-discovery-reply" }, { 146, "mobile-prefix-solicitation" },
	{ 147, "mobile-prefix-advertisement" }, { 148, "certification-path-solicitation" },
	{ 149, "certification-path-advertisement" }, { 150, "experimental-mobility" },
	{ 151, "multicast-router-advertisement" }, { 152, "multicast-router-solicitation" },
	{ 153, "multicast-router-termination" }, { 154, "fmipv6" }, { 155, "rpl-control" },
	{ 156, "ilnpv6-locator-update" }, { 157, "duplicate-address-request" },
	{ 158, "duplicate-address-confirmation" }, { 159, "mpl-control" },
	{ 160, "extended-echo-request" }, { 161, "extended-echo-reply" },
	{ 100, "private-experimentation" }, { 101, "private-experimentation" },
	{ 127, "reserved-error-expansion" }, { 200, "private-experimentation" },
	{ 201, "private-experimentation" }, { 255, "reserved-informational-expansion" },
};

static const struct name unreach6_codes[] = {
	{ 0, "no-route" }, { 1, "admin-prohibited" }, { 2, "beyond-scope" },
	{ 3, "address-unreachable" }, { 4, "port-unreachable" },
	{ 5, "source-policy-failed" }, { 6, "reject-route" },
};

static const struct name exceeded6_codes[] = {
	{ 0, "hop-limit-exceeded" }, { 1, "reassembly-exceeded" },
};

static const struct name param6_codes[] = {
	{ 0, "erroneous-header" }, { 1, "unknown-next-header" },
	{ 2, "unknown-option" },
};

const char *sk_icmp6_type_name(uint8_t type)
{
	return LOOKUP(icmp6_types, type);
}

const char *sk_icmp6_code_name(uint8_t type, uint8_t code)
{
	switch (type) {
	case 1: return LOOKUP(unreach6_codes, code);
	case 3: return LOOKUP(exceeded6_codes, code);
	case 4: return LOOKUP(param6_codes, code);
	default: return NULL;
	}
}

int sk_nd_decode(const uint8_t *p, size_t len, struct sk_nd *out)
{
	memset(out, 0, sizeof *out);
	if (len < 8)
		return SK_ETRUNCATED;
	size_t fixed;
	switch (p[0]) {
	case 133: fixed = 8; break;
	case 134: fixed = 16; break;
	case 135: case 136: fixed = 24; break;
	case 137: fixed = 40; break;
	default: return SK_EUNSUPPORTED;
	}
	if (len < fixed)
		return SK_ETRUNCATED;
	switch (p[0]) {
	case 134:
		out->cur_hop_limit = p[4];
		out->managed = p[5] & 0x80;
		out->other = p[5] & 0x40;
		out->router_lifetime = sk_be16(p + 6);
		out->reachable = sk_be32(p + 8);
		out->retrans = sk_be32(p + 12);
		break;
	case 136:
		out->router = p[4] & 0x80;
		out->solicited = p[4] & 0x40;
		out->override = p[4] & 0x20;
		out->target = p + 8;
		break;
	case 135:
		out->target = p + 8;
		break;
	case 137:
		out->target = p + 8;
		out->dest = p + 24;
		break;
	}
	/* Options: type, length in units of 8 bytes (0 is invalid). */
	size_t i = fixed;
	while (i < len) {
		if (len - i < 2 || p[i + 1] == 0 || (size_t)p[i + 1] * 8 > len - i) {
			out->opts_truncated = true;
			break;
		}
		size_t olen = (size_t)p[i + 1] * 8;
		if (p[i] == 1 && olen >= 8)
			out->src_lladdr = p + i + 2;
		else if (p[i] == 2 && olen >= 8)
			out->tgt_lladdr = p + i + 2;
		else if (p[i] == 5 && olen >= 8)
			out->mtu = sk_be32(p + i + 4);
		i += olen;
	}
	return (int)fixed;
}
