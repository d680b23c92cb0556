/* sockit cidr: the subnet calculator. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sockit/cidr.h"
#include "sockit/error.h"

static const char usage[] =
	"usage: sockit cidr ADDR[/LEN | /MASK] [MASK] [options]\n"
	"       sockit cidr - [options]     (one block per line on stdin)\n"
	"\n"
	"Shows the block an address belongs to: address, network, netmask (dotted,\n"
	"binary, hex), wildcard, broadcast, first and last usable host, host count\n"
	"and scope.  IPv4 and IPv6.  An address with host bits set is explained:\n"
	"its network part and host part are shown apart.\n"
	"\n"
	"  --split /LEN      list the subnets of length LEN (at most --limit lines)\n"
	"  --limit N         the most lines --split may print (default 65536)\n"
	"  --contains IP     exit 0 if IP is in the block, 1 if not\n"
	"  -q, --quiet       with --contains: print nothing, only the exit status\n"
	"  --json            one JSON object (per subnet with --split)\n"
	"  --color WHEN      auto, always or never: mark network and host bits\n"
	"  -h, --help        this help\n"
	"\n"
	"examples:\n"
	"  sockit cidr 192.168.36.235/24\n"
	"  sockit cidr 10.1.2.3 255.255.240.0\n"
	"  sockit cidr 2001:db8::/48 --split /52\n"
	"  sockit cidr 198.18.0.0/15 --contains 198.19.4.4\n"
	"  printf '10.0.0.0/8\\n::1\\n' | sockit cidr - --json\n"
	"\n"
	"exit status: 0 done (or contained), 1 not contained or a bad line on\n"
	"stdin, 2 usage error.\n";

struct cidr_opts {
	const char *text, *mask;
	int split; /* -1: none */
	uint64_t limit;
	const char *contains;
	bool quiet, json;
	enum sk_color_mode color;
};

static void parse_opts(int argc, char **argv, struct cidr_opts *o)
{
	*o = (struct cidr_opts){ .split = -1, .limit = 65536 };
	const char *split = NULL;
	const struct cli_opt table[] = {
		CLI_STR(0, "split", &split),
		CLI_NUM(0, "limit", &o->limit, 1, UINT64_MAX),
		CLI_STR(0, "contains", &o->contains),
		CLI_FLAG('q', "quiet", &o->quiet),
		CLI_FLAG(0, "json", &o->json),
		CLI_COLOR(&o->color),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 1, 2, "missing address (ADDR/LEN, ADDR MASK or ADDR)");
	o->text = argv[optind];
	o->mask = argv[optind + 1];
	if (split) {
		const char *digits = split[0] == '/' ? split + 1 : split;
		o->split = (int)cli_number("--split", digits, 0, 128);
	}
	if (split && o->contains)
		cli_usage("--split and --contains do not go together");
}

static void fmt(const struct sk_ip *ip, char out[SK_IPSTRLEN])
{
	sk_ip_format(ip, out);
}

/* Bits of the address grouped by octet (IPv4) or by 16 bits (IPv6), with
 * network bits and host bits coloured apart when colour is on. */
static void binary(const struct sk_ip *ip, unsigned prefix, bool color,
		   char *out, size_t cap)
{
	unsigned bits = sk_ip_bits(ip), group = ip->family == AF_INET ? 8 : 16;
	char sep = ip->family == AF_INET ? '.' : ':';
	size_t k = 0;
	for (unsigned i = 0; i < bits && k + 16 < cap; i++) {
		if (i && i % group == 0)
			out[k++] = sep;
		if (color && (i == 0 || i == prefix)) {
			const char *code = i < prefix ? "\033[1;34m" : "\033[0;33m";
			k += (size_t)snprintf(out + k, cap - k, "%s", code);
		}
		out[k++] = (ip->bytes[i / 8] >> (7 - i % 8) & 1) ? '1' : '0';
	}
	if (color)
		k += (size_t)snprintf(out + k, cap - k, "\033[0m");
	out[k] = 0;
}

/* Everything both views show, computed once. */
struct cidr_view {
	bool v4;
	struct sk_ip mask;
	char addr[SK_IPSTRLEN], network[SK_IPSTRLEN], last[SK_IPSTRLEN],
		netmask[SK_IPSTRLEN], wildcard[SK_IPSTRLEN], first_host[SK_IPSTRLEN],
		last_host[SK_IPSTRLEN], hostpart[SK_IPSTRLEN];
	char hosts[SK_COUNTSTRLEN];
	struct sk_scope scope;
};

static void view(const struct sk_cidr *c, struct cidr_view *v)
{
	struct sk_ip ip;
	v->v4 = c->addr.family == AF_INET;
	fmt(&c->addr, v->addr);
	sk_cidr_network(c, &ip);
	fmt(&ip, v->network);
	sk_cidr_last(c, &ip);
	fmt(&ip, v->last);
	sk_cidr_netmask(c, &v->mask);
	sk_ip_format_mask(&v->mask, v->netmask);
	sk_cidr_wildcard(c, &ip);
	sk_ip_format_mask(&ip, v->wildcard);
	sk_cidr_first_host(c, &ip);
	fmt(&ip, v->first_host);
	sk_cidr_last_host(c, &ip);
	fmt(&ip, v->last_host);
	sk_cidr_hostpart(c, &ip);
	fmt(&ip, v->hostpart);
	sk_cidr_hosts(c, v->hosts);
	v->scope = sk_ip_scope(&c->addr);
}

static void print_text(const struct sk_cidr *c, bool color)
{
	struct cidr_view v;
	view(c, &v);
	char bin[256];
	printf("address:    %s\n", v.addr);
	binary(&c->addr, c->prefix, color, bin, sizeof bin);
	printf("            %s\n", bin);
	printf("network:    %s/%u\n", v.network, c->prefix);
	printf("netmask:    %s = /%u\n", v.netmask, c->prefix);
	binary(&v.mask, c->prefix, color, bin, sizeof bin);
	printf("            %s\n", bin);
	if (v.v4)
		printf("            0x%02x%02x%02x%02x\n", v.mask.bytes[0],
		       v.mask.bytes[1], v.mask.bytes[2], v.mask.bytes[3]);
	printf("wildcard:   %s\n", v.wildcard);
	printf("%s  %s\n", v.v4 ? "broadcast:" : "last addr:", v.last);
	printf("first host: %s\n", v.first_host);
	printf("last host:  %s\n", v.last_host);
	printf("hosts:      %s%s\n", v.hosts,
	       v.v4 && c->prefix == 31 ? " (point-to-point link, RFC 3021)" :
	       !v.v4 && c->prefix < 127 ? " (the Subnet-Router anycast address excluded)" : "");
	printf("scope:      %s (%s)\n", v.scope.name, v.scope.ref);
	if (!sk_cidr_is_canonical(c))
		printf("note:       %s has host bits set: network part %s, host part %s\n",
		       v.addr, v.network, v.hostpart);
}

static void print_json(const struct sk_cidr *c)
{
	struct cidr_view v;
	view(c, &v);
	/* Every value here is an address, a number or a fixed word: no
	 * escaping is needed.  IPv6 has no broadcast, and its host count can
	 * pass 2^53, so it is a string. */
	const char *q = v.v4 ? "" : "\"";
	printf("{\"version\":%d,\"address\":\"%s\",\"prefix\":%u,"
	       "\"network\":\"%s\",\"netmask\":\"%s\",\"wildcard\":\"%s\","
	       "\"broadcast\":%s%s%s,\"first\":\"%s\",\"last\":\"%s\","
	       "\"hosts\":%s%s%s,\"scope\":\"%s\"}\n",
	       v.v4 ? 4 : 6, v.addr, c->prefix, v.network, v.netmask, v.wildcard,
	       v.v4 ? "\"" : "", v.v4 ? v.last : "null", v.v4 ? "\"" : "",
	       v.first_host, v.last_host, q, v.hosts, q, v.scope.name);
}

static int split(const struct cidr_opts *o, const struct sk_cidr *c)
{
	unsigned bits = sk_ip_bits(&c->addr);
	if ((unsigned)o->split > bits)
		cli_usage("--split /%d: longer than the %u bits of the address",
			  o->split, bits);
	if ((unsigned)o->split < c->prefix)
		cli_usage("--split /%d: shorter than the block's own /%u",
			  o->split, c->prefix);
	uint64_t count = sk_cidr_subnet_count(c, (unsigned)o->split);
	if (count > o->limit)
		cli_usage("--split /%d gives %s%llu subnets, above the limit of %llu "
			  "(raise it with --limit)",
			  o->split, count == UINT64_MAX ? "at least " : "",
			  (unsigned long long)count, (unsigned long long)o->limit);
	for (uint64_t i = 0; i < count; i++) {
		struct sk_cidr sub;
		sk_cidr_subnet(c, (unsigned)o->split, i, &sub);
		if (o->json) {
			print_json(&sub);
		} else {
			char n[SK_IPSTRLEN];
			fmt(&sub.addr, n);
			printf("%s/%u\n", n, sub.prefix);
		}
	}
	return EXIT_OK;
}

static int contains(const struct cidr_opts *o, const struct sk_cidr *c)
{
	struct sk_ip ip;
	if (sk_ip_parse(o->contains, &ip))
		cli_usage("--contains '%s': not an IP address", o->contains);
	if (ip.family != c->addr.family)
		cli_usage("--contains %s: not the same family as %s", o->contains,
			  o->text);
	bool in = sk_cidr_contains(c, &ip);
	if (!o->quiet) {
		struct sk_ip net;
		char n[SK_IPSTRLEN];
		sk_cidr_network(c, &net);
		fmt(&net, n);
		printf("%s: %s is %sin %s/%u\n", in ? "yes" : "no", o->contains,
		       in ? "" : "not ", n, c->prefix);
	}
	return in ? EXIT_OK : EXIT_FAIL;
}

/* One block: parsed from text (and mask), then shown as the options say.
 * Returns the exit status. */
static int one(const struct cidr_opts *o, const char *text, const char *mask)
{
	struct sk_cidr c;
	char err[SK_ERRLEN];
	if (sk_cidr_parse(text, mask, &c, err))
		cli_usage("%s", err);
	if (o->split >= 0)
		return split(o, &c);
	if (o->contains)
		return contains(o, &c);
	if (o->json)
		print_json(&c);
	else
		print_text(&c, sk_color_enabled(o->color, isatty(STDOUT_FILENO)));
	return EXIT_OK;
}

/* "-": a block per line on stdin.  A bad line is reported with its number
 * and skipped, so one typo does not hide the rest of a list. */
static int from_stdin(const struct cidr_opts *o)
{
	if (o->split >= 0 || o->contains)
		cli_usage("'-' (blocks on stdin) goes with --json or the text view only");
	int status = EXIT_OK;
	char line[256];
	unsigned long lineno = 0;
	bool first = true;
	while (fgets(line, sizeof line, stdin)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			cli_warn("stdin line %lu: longer than %zu bytes", lineno, sizeof line - 2);
			status = EXIT_FAIL;
			int ch;
			while ((ch = getchar()) != '\n' && ch != EOF)
				;
			continue;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = 0;
		char *text = line + strspn(line, " \t");
		if (!*text || *text == '#')
			continue;
		struct sk_cidr c;
		char err[SK_ERRLEN];
		if (sk_cidr_parse(text, NULL, &c, err)) {
			cli_warn("stdin line %lu: %s", lineno, err);
			status = EXIT_FAIL;
			continue;
		}
		if (o->json) {
			print_json(&c);
		} else {
			if (!first)
				putchar('\n');
			print_text(&c, sk_color_enabled(o->color, isatty(STDOUT_FILENO)));
		}
		first = false;
	}
	return status;
}

int cmd_cidr(int argc, char **argv)
{
	struct cidr_opts o;
	parse_opts(argc, argv, &o);
	if (!strcmp(o.text, "-")) {
		if (o.mask)
			cli_usage("unexpected argument '%s' after '-'", o.mask);
		return from_stdin(&o);
	}
	return one(&o, o.text, o.mask);
}
