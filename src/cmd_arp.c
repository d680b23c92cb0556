/* sockit arp: resolve one IPv4 address on the link like arping, or sweep a
 * block like arp-scan, with vendor names from the IEEE registries. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "sockit/arpscan.h"
#include "sockit/capture.h"
#include "sockit/cidr.h"
#include "sockit/error.h"
#include "sockit/oui.h"
#include "sockit/packet.h"

static const char usage[] =
	"usage: sockit arp IP [-i IF] [-c N] [options]\n"
	"       sockit arp -6 IPV6[%IF] [-i IF] [-c N] [options]\n"
	"       sockit arp --scan CIDR|RANGE... [-i IF] [options]\n"
	"\n"
	"Asks the link who has an IPv4 address (an ARP request, as arping does) and\n"
	"prints each reply: the MAC address, the vendor from the IEEE registries\n"
	"(Debian's ieee-data, the longest matching prefix) and the round-trip time.\n"
	"With --scan, asks every address of the blocks (198.18.0.0/24,\n"
	"198.18.0.1-198.18.0.50 or 198.18.0.1-50) at --rate, asks the silent ones\n"
	"again up to --retries times, once silent as long as the answers so far\n"
	"suggest, and prints one line per host\n"
	"as arp-scan does; a second MAC for an address is flagged DUP.\n"
	"With an IPv6 address (or -6), resolves it by neighbour solicitation\n"
	"(IPv6's ARP) from the interface's link-local address; -i or %IF is needed.\n"
	"\n"
	"  --scan            sweep the blocks given instead of resolving one address\n"
	"  -6                the address is IPv6: neighbour discovery\n"
	"  -i, --interface IF  the interface (default: the one whose network holds\n"
	"                    the first address)\n"
	"  -c, --count N     resolve: requests to send (default 3)\n"
	"  --interval D      resolve: time between requests (default 1s); scan: between\n"
	"                    two requests (overrides --rate)\n"
	"  --rate PPS        scan: requests per second (default 2000)\n"
	"  --retries N       scan: extra rounds for silent addresses (default 2)\n"
	"  --wait D          scan: wait after the last request (default 100ms); a\n"
	"                    silent address is asked again after 4x the slowest\n"
	"                    answer (10ms at least, D at most); resolve: wait after\n"
	"                    the last request (default 1s)\n"
	"  -w, --deadline D  stop after D whatever is left\n"
	"  --json            one JSON object per reply\n"
	"  -q, --quiet       no summary line on stderr\n"
	"  -h, --help        this help\n"
	"\n"
	"Needs root or CAP_NET_RAW (raw Ethernet frames).\n"
	"\n"
	"examples:\n"
	"  sockit arp 198.18.0.2 -i veth0\n"
	"  sockit arp 198.18.0.2 -c 1 --json\n"
	"  sockit arp --scan 198.18.0.0/24 -i veth0\n"
	"  sockit arp --scan 198.18.0.1-40 --rate 200 --retries 4\n"
	"  sockit arp -6 fe80::2 -i veth0\n"
	"\n"
	"exit status: 0 an answer came, 1 nothing answered or the link could not be\n"
	"used (no permission, no such interface), 2 usage error.\n";

#define MAX_TARGETS 65536

struct arp_opts {
	const char *ifname;
	bool scan, json, quiet, ipv6;
	uint8_t target6[16];
	char zone[64];
	uint64_t count, rate, retries;
	uint64_t interval_ms, wait_ms, deadline_ms;
	bool interval_set, wait_set;
	uint32_t *targets;
	size_t n;
};

static bool parse_v4(const char *text, uint32_t *out)
{
	struct sk_ip ip;
	if (sk_ip_parse(text, &ip) || ip.family != AF_INET)
		return false;
	*out = sk_be32(ip.bytes);
	return true;
}

/* CIDR (its usable hosts), A-B, A-N (last octet) or one address. */
static void add_block(struct arp_opts *o, const char *text)
{
	char err[SK_ERRLEN];
	int rc = sk_arpscan_targets_add(text, o->targets, &o->n, MAX_TARGETS, err);
	if (rc)
		cli_usage("%s%s", err, rc == SK_ETOOMANY ? " (a /16): split the sweep" : "");
}

static void parse_opts(int argc, char **argv, struct arp_opts *o)
{
	memset(o, 0, sizeof *o);
	o->count = 3;
	o->rate = 2000;
	o->retries = 2;
	const struct cli_opt table[] = {
		CLI_FLAG('6', NULL, &o->ipv6),
		CLI_STR('i', "interface", &o->ifname),
		CLI_FLAG(0, "scan", &o->scan),
		CLI_NUM('c', "count", &o->count, 1, 1000000),
		CLI_MS(0, "interval", &o->interval_ms, .seen = &o->interval_set),
		CLI_NUM(0, "rate", &o->rate, 1, 1000000),
		CLI_NUM(0, "retries", &o->retries, 0, 100),
		CLI_MS(0, "wait", &o->wait_ms, .seen = &o->wait_set),
		CLI_MS('w', "deadline", &o->deadline_ms),
		CLI_FLAG(0, "json", &o->json),
		CLI_FLAG('q', "quiet", &o->quiet),
	};
	cli_parse(argc, argv, table, usage);
	if (optind >= argc)
		cli_usage(o->scan ? "missing CIDR or RANGE to sweep" : "missing IP to resolve");
	o->targets = malloc(MAX_TARGETS * sizeof *o->targets);
	if (!o->targets)
		cli_fail(EXIT_FAIL, "out of memory");
	if (o->scan) {
		if (o->ipv6)
			cli_usage("--scan is IPv4 only; resolve IPv6 neighbours one at a time");
		for (int i = optind; i < argc; i++)
			add_block(o, argv[i]);
	} else {
		if (argc - optind > 1)
			cli_usage("one IP to resolve (use --scan for many)");
		/* An IPv6 literal, maybe with %IF: neighbour discovery. */
		char text[128];
		snprintf(text, sizeof text, "%s", argv[optind]);
		char *pct = strchr(text, '%');
		if (pct) {
			*pct++ = 0;
			snprintf(o->zone, sizeof o->zone, "%s", pct);
		}
		struct sk_ip ip6;
		if (!sk_ip_parse(text, &ip6) && ip6.family == AF_INET6) {
			o->ipv6 = true;
			memcpy(o->target6, ip6.bytes, 16);
			o->targets[0] = 0;
			o->n = 1;
			if (!o->ifname && o->zone[0])
				o->ifname = o->zone;
			if (!o->ifname)
				cli_usage("IPv6: name the interface with -i IF or ADDR%%IF");
			return;
		}
		if (o->ipv6)
			cli_usage("'%s': not an IPv6 address", argv[optind]);
		if (!parse_v4(argv[optind], &o->targets[0]))
			cli_usage("'%s': not an IPv4 address (ARP is IPv4 only)", argv[optind]);
		o->n = 1;
	}
	if (!o->n)
		cli_usage("no address to ask for");
}

struct out {
	struct arp_opts *o;
	struct sk_oui *oui;
	struct sk_str js;
};

static const char *vendor(struct out *w, const uint8_t mac[6], bool *known)
{
	const char *v = sk_oui_lookup(w->oui, mac);
	*known = v != NULL;
	if (v)
		return v;
	return mac[0] & 2 ? "(Unknown: locally administered)" : "(Unknown)";
}

static void on_reply(const struct sk_arp_result *r, void *ctx)
{
	struct out *w = ctx;
	char ip[INET6_ADDRSTRLEN], mac[18];
	if (w->o->ipv6)
		inet_ntop(AF_INET6, r->ip6, ip, sizeof ip);
	else
		inet_ntop(AF_INET, r->ip, ip, sizeof ip);
	sk_mac_format(r->mac, mac);
	bool known;
	const char *v = vendor(w, r->mac, &known);
	if (w->o->json) {
		struct sk_str *s = &w->js;
		sk_str_clear(s);
		sk_str_printf(s, "{\"ip\":\"%s\",\"mac\":\"%s\",\"vendor\":", ip, mac);
		if (known)
			sk_json_string(s, (const uint8_t *)v, strlen(v));
		else
			sk_str_puts(s, "null");
		sk_str_printf(s, ",\"rtt_ms\":%.3f,\"dup\":%s", r->rtt_ms, r->dup ? "true" : "false");
		if (!w->o->scan)
			sk_str_printf(s, ",\"probe\":%u", r->probe);
		sk_str_puts(s, "}\n");
		fwrite(s->p, 1, s->len, stdout);
	} else if (w->o->scan) {
		printf("%s\t%s\t%s%s\n", ip, mac, v, r->dup ? "\t(DUP)" : "");
	} else {
		printf("reply from %s %s %s  probe %u  time %.3f ms%s\n", ip, mac, v, r->probe,
		       r->rtt_ms, r->dup ? "  DUP" : "");
	}
	fflush(stdout);
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

int cmd_arp(int argc, char **argv)
{
	struct arp_opts o;
	parse_opts(argc, argv, &o);
	char err[SK_ERRLEN], ifname[64];
	if (!o.ifname) {
		uint8_t first[4];
		sk_put_be32(first, o.targets[0]);
		int rc = sk_link_for_ipv4(first, ifname, sizeof ifname, err);
		if (rc)
			cli_fail(EXIT_FAIL, "%s%s", err,
				 rc == SK_ENOIFACE ? " (use -i IF)" : "");
		o.ifname = ifname;
	}
	struct out w = { .o = &o, .oui = sk_oui_new() };
	if (!w.oui || sk_oui_load(w.oui, NULL, err) < 0)
		cli_fail(EXIT_FAIL, "vendor list: %s", err);
	struct sk_arpscan a = {
		.ifname = o.ifname, .targets = o.targets, .n = o.n, .ping = !o.scan,
		.ipv6 = o.ipv6,
		.count = (unsigned)o.count, .retries = (unsigned)o.retries,
		.backoff = 2, .deadline_ms = o.deadline_ms, .stop = &stop_flag,
	};
	if (o.scan) {
		a.interval_us = o.interval_set ? o.interval_ms * 1000 : 1000000 / o.rate;
		a.wait_ms = o.wait_set ? o.wait_ms : 100;
	} else {
		a.interval_us = (o.interval_set ? o.interval_ms : 1000) * 1000;
		a.wait_ms = o.wait_set ? o.wait_ms : 1000;
	}
	memcpy(a.target6, o.target6, 16);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct sk_arpscan_stats st;
	int rc = sk_arpscan_run(&a, on_reply, &w, &st, err);
	sk_oui_free(w.oui);
	sk_str_free(&w.js);
	if (rc)
		cli_fail(EXIT_FAIL, "%s", err);
	char ip[INET6_ADDRSTRLEN];
	uint8_t b[4];
	sk_put_be32(b, o.targets[0]);
	if (o.ipv6)
		inet_ntop(AF_INET6, o.target6, ip, sizeof ip);
	else
		inet_ntop(AF_INET, b, ip, sizeof ip);
	if (!st.answered) {
		if (o.scan)
			cli_fail(EXIT_FAIL, "no host answered on %s (%lu requests for %zu addresses)",
				 o.ifname, st.sent, o.n);
		cli_fail(EXIT_FAIL, "%s: no reply on %s after %lu request%s", ip, o.ifname,
			 st.sent, st.sent == 1 ? "" : "s");
	}
	if (!o.quiet) {
		if (o.scan)
			fprintf(stderr, "%lu hosts answered of %zu addresses on %s: %lu requests, "
					"%lu replies in %.2f s\n",
				st.answered, o.n, o.ifname, st.sent, st.received,
				st.elapsed_ms / 1000.0);
		else
			fprintf(stderr, "%s on %s: %lu requests, %lu replies\n", ip, o.ifname,
				st.sent, st.received);
	}
	free(o.targets);
	return EXIT_OK;
}
