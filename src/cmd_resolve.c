/* sockit resolve: every address of a name, as getaddrinfo sees it. */
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "commands.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/output.h"
#include "sockit/resolve.h"

static const char usage[] =
	"usage: sockit resolve HOST... [-4 | -6] [--json]\n"
	"\n"
	"Looks HOST up the way every sockit command does (getaddrinfo: /etc/hosts,\n"
	"then DNS as /etc/nsswitch.conf says) and prints each address with its\n"
	"family, and the canonical name.  An IPv6 address may be written bare\n"
	"(::1) or in brackets ([::1]) as endpoints write it.\n"
	"\n"
	"  -4, -6        only IPv4 or only IPv6 addresses\n"
	"  --json        one JSON object per host:\n"
	"                {\"host\":...,\"canonical\":...,\"addresses\":[{\"family\":\"ipv4\",\"address\":...}]}\n"
	"  -h, --help    this help\n"
	"\n"
	"examples:\n"
	"  sockit resolve localhost\n"
	"  sockit resolve -6 localhost --json\n"
	"\n"
	"exit status: 0 every host resolved, 1 a host did not, 2 usage error.\n";

static const char *family_name(int family)
{
	return family == AF_INET ? "ipv4" : "ipv6";
}

static void print_json(const char *host, const struct sk_addrlist *l)
{
	struct sk_str s = { 0 };
	sk_str_puts(&s, "{");
	sk_json_key(&s, "host");
	sk_json_string(&s, (const uint8_t *)host, strlen(host));
	sk_str_puts(&s, ",");
	sk_json_key(&s, "canonical");
	if (l->canonical)
		sk_json_string(&s, (const uint8_t *)l->canonical,
			       strlen(l->canonical));
	else
		sk_str_puts(&s, "null");
	sk_str_puts(&s, ",\"addresses\":[");
	for (size_t i = 0; i < l->count; i++) {
		char addr[SK_ADDRSTRLEN];
		const struct sockaddr *sa = (const void *)&l->addrs[i].ss;
		sk_sockaddr_format(sa, false, addr, sizeof addr);
		sk_str_printf(&s, "%s{\"family\":\"%s\",\"address\":", i ? "," : "",
			      family_name(sa->sa_family));
		sk_json_string(&s, (const uint8_t *)addr, strlen(addr));
		sk_str_puts(&s, "}");
	}
	sk_str_puts(&s, "]}\n");
	fputs(s.p, stdout);
	sk_str_free(&s);
}

static void print_text(const char *host, const struct sk_addrlist *l)
{
	printf("%s\n", host);
	if (l->canonical && strcmp(l->canonical, host))
		printf("  canonical name  %s\n", l->canonical);
	for (size_t i = 0; i < l->count; i++) {
		char addr[SK_ADDRSTRLEN];
		const struct sockaddr *sa = (const void *)&l->addrs[i].ss;
		sk_sockaddr_format(sa, false, addr, sizeof addr);
		printf("  %-15s %s\n", sa->sa_family == AF_INET ? "IPv4" : "IPv6", addr);
	}
}

int cmd_resolve(int argc, char **argv)
{
	int family = AF_UNSPEC;
	bool json = false;
	const struct cli_opt table[] = {
		CLI_FAMILY(&family),
		CLI_FLAG(0, "json", &json),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 1, INT_MAX, "missing HOST");
	int status = EXIT_OK;
	for (int i = optind; i < argc; i++) {
		const char *host = argv[i];
		if (!*host)
			cli_usage("empty host name");
		/* [::1], as every endpoint writes an IPv6 address, is ::1. */
		char bare[SK_HOSTLEN];
		size_t n = strlen(host);
		if (host[0] == '[' && n > 2 && host[n - 1] == ']' && n - 2 < sizeof bare &&
		    memchr(host + 1, ':', n - 2)) {
			memcpy(bare, host + 1, n - 2);
			bare[n - 2] = 0;
			host = bare;
		}
		struct sk_addrlist l;
		char err[SK_ERRLEN];
		if (sk_resolve(host, 0, family, SOCK_STREAM, SK_RESOLVE_CANON, &l,
			       err) < 0) {
			cli_warn("%s", err);
			status = EXIT_FAIL;
			continue;
		}
		if (json)
			print_json(host, &l);
		else
			print_text(host, &l);
		sk_addrlist_free(&l);
	}
	return status;
}
