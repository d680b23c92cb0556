/* sockit udp listen: receive datagrams, show each with its sender, and
 * optionally answer them. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "sockit/error.h"
#include "sockit/loop.h"
#include "stats_line.h"
#include "udp_common.h"

static const char usage[] =
	"usage: sockit udp listen [ADDR]:PORT [options]\n"
	"\n"
	"Receives datagrams on PORT (':PORT' or 'PORT' is every interface, IPv4 and\n"
	"IPv6) and prints one line per datagram: '[ip:port] message', the message\n"
	"with non-printable bytes escaped (\\r \\n \\t \\0 \\\\ \\xHH; one final line\n"
	"ending is not shown).  Datagrams are read in batches (recvmmsg) into a\n"
	"large socket buffer, so bursts are not lost; a datagram longer than\n"
	"--max-size is reported with its true size, never cut silently.\n"
	"\n"
	"  -4, -6             IPv4 only / IPv6 only\n"
	"  --hex              show each datagram as a hexdump\n"
	"  -v, --verbose      tag each datagram: time (microseconds), direction\n"
	"                     ('<' received, '>' sent), peer and length\n"
	"  -T, --timestamps   the time (microseconds) first on each line\n"
	"  -q, --quiet        print nothing per datagram\n"
	"  --echo             send each datagram back to its sender\n"
	"  --reply TEXT       answer every datagram with TEXT (C escapes, macros\n"
	"                     {{peer}} {{len}} {{counter}} {{time}})\n"
	"  --rules FILE       answer by rules (exact, prefix, contains, regex, hex;\n"
	"                     see man sockit-udp-listen); --reply answers the rest\n"
	"  --append SPEC      add crc16-modbus, crc32, sum8, xor8 or TEXT to answers\n"
	"  -c, --count N      stop after N datagrams\n"
	"  -w, --timeout D    stop after D without a datagram (500ms, 2s, 1m)\n"
	"  -o, --output FILE  append the raw payloads to FILE (then nothing is\n"
	"                     printed per datagram unless -v)\n"
	"  --join GROUP       join a multicast group (IPv4 or IPv6); repeatable\n"
	"  -i, --iface IF     the interface for --join\n"
	"  --source-filter A  source-specific multicast: only datagrams from\n"
	"                     source A for the --join groups (IGMPv3/MLDv2)\n"
	"  --max-size N       receive buffer per datagram (1-65536, default 65536)\n"
	"  --rcvbuf N         socket receive buffer in bytes (default 8 MiB)\n"
	"  --json             one JSON object per datagram: time (UTC, microseconds),\n"
	"                     dir, peer, size, len, data (or hex with --hex)\n"
	"  --stats            RX/TX per peer at exit and on SIGUSR1 (stderr);\n"
	"                     on a terminal also a live status line\n"
	"  -h, --help         this help\n"
	"\n"
	"The bound address is reported on stderr: 'listening on [::]:5400'.\n"
	"\n"
	"examples:\n"
	"  sockit udp listen :5400\n"
	"  sockit udp listen 127.0.0.1:5400 --reply 'ACK {{counter}}\\n' -v\n"
	"  sockit udp listen :5400 --rules proto.rules --stats\n"
	"  sockit udp listen :5000 --join 239.1.2.3 -i eth0 --hex\n"
	"\n"
	"exit status: 0 done (--count reached, interrupted, or -w idle without\n"
	"--count), 1 failure (port in use, fewer than --count datagrams before -w),\n"
	"2 usage error.\n";

#define MAX_JOIN 16

struct listen {
	uv_loop_t loop;
	struct sk_udp *u;
	struct udp_show show;
	struct sk_responder resp;
	struct sk_append append;
	struct sk_peers peers;
	bool stats;
	uint64_t count, got;
	FILE *out;
	uint64_t idle_ms;
	uv_timer_t idle;
	uv_signal_t sigint, sigterm, sigusr1;
	uv_prepare_t flush;
	struct stats_line live; /* --stats on a terminal */
	int status;
	bool done;
};

static void finish(struct listen *l, int status)
{
	if (l->done)
		return;
	l->done = true;
	l->status = status;
	sk_udp_recv_stop(l->u);
	uv_stop(&l->loop);
}

static void on_dgram(void *arg, const struct sk_dgram *d)
{
	struct listen *l = arg;
	uint64_t now = uv_now(&l->loop);
	struct sk_peer *peer = NULL;
	char who[SK_ADDRSTRLEN];
	if (sk_peers_get(&l->peers, d->from, d->fromlen, now, &peer) < 0)
		peer = NULL;
	if (peer && peer->id)
		snprintf(who, sizeof who, "%s", peer->name);
	else
		sk_sockaddr_format(d->from, true, who, sizeof who);
	if (peer)
		sk_peer_rx(peer, d->size, now);
	if (d->size > d->len)
		cli_warn("datagram from %s of %zu bytes cut to %zu (raise --max-size)",
			 who, d->size, d->len);
	if (l->out) {
		if (d->len && fwrite(d->data, 1, d->len, l->out) != d->len) {
			cli_warn("--output: %s", strerror(errno));
			finish(l, EXIT_FAIL);
			return;
		}
	}
	udp_show(&l->show, '<', who, d->data, d->len, d->size, &d->ts);
	int rc = udp_respond(&l->resp, l->u, d, peer, &l->show, who, now);
	if (rc < 0)
		cli_warn("reply to %s: %s", who, sk_strerror(rc));
	l->got++;
	if (l->count && l->got >= l->count) {
		finish(l, EXIT_OK);
		return;
	}
	if (l->idle_ms)
		uv_timer_again(&l->idle);
}

static void on_idle(uv_timer_t *t)
{
	struct listen *l = t->data;
	if (l->count && l->got < l->count) {
		cli_warn("timeout: %llu of %llu datagrams", (unsigned long long)l->got,
			 (unsigned long long)l->count);
		finish(l, EXIT_FAIL);
		return;
	}
	finish(l, EXIT_OK);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct listen *l = s->data;
	if (signum == SIGUSR1) {
		udp_stats_print(&l->peers, uv_now(&l->loop), "SIGUSR1");
		return;
	}
	finish(l, EXIT_OK);
}

/* What the command line says beyond struct listen's own fields. */
struct listen_args {
	int family, rcvbuf;
	const char *addr, *reply, *rules, *append, *output, *iface, *ssm;
	const char *joins[MAX_JOIN];
	size_t njoin, max_size;
};

static void parse_args(int argc, char **argv, struct listen *l, struct listen_args *a)
{
	enum { OPT_HEX = 256, OPT_ECHO, OPT_REPLY, OPT_RULES, OPT_APPEND, OPT_JOIN, OPT_MAX,
	       OPT_RCVBUF, OPT_STATS, OPT_SSM };
	static const struct option longopts[] = {
		{ "hex", no_argument, NULL, OPT_HEX },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "timestamps", no_argument, NULL, 'T' },
		{ "source-filter", required_argument, NULL, OPT_SSM },
		{ "echo", no_argument, NULL, OPT_ECHO },
		{ "reply", required_argument, NULL, OPT_REPLY },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'w' },
		{ "output", required_argument, NULL, 'o' },
		{ "join", required_argument, NULL, OPT_JOIN },
		{ "iface", required_argument, NULL, 'i' },
		{ "max-size", required_argument, NULL, OPT_MAX },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*a = (struct listen_args){ .family = AF_UNSPEC, .max_size = 65536,
				   .rcvbuf = UDP_RCVBUF_DEFAULT };
	int c;
	while ((c = cli_getopt(argc, argv, "46vqTc:w:o:i:h", longopts)) != -1) {
		switch (c) {
		case '4': a->family = AF_INET; break;
		case '6': a->family = AF_INET6; break;
		case 'v': l->show.verbose = true; break;
		case 'q': l->show.quiet = true; break;
		case 'T': l->show.timestamps = true; break;
		case OPT_SSM: a->ssm = optarg; break;
		case OPT_HEX: l->show.hex = true; break;
		case OPT_ECHO: l->resp.echo = true; break;
		case OPT_REPLY: a->reply = optarg; break;
		case OPT_RULES: a->rules = optarg; break;
		case OPT_APPEND: a->append = optarg; break;
		case 'c': l->count = cli_number("--count", optarg, 1, UINT64_MAX); break;
		case 'w': l->idle_ms = cli_duration_ms("--timeout", optarg); break;
		case 'o': a->output = optarg; break;
		case OPT_JOIN:
			if (a->njoin == MAX_JOIN)
				cli_usage("--join: at most %d groups", MAX_JOIN);
			a->joins[a->njoin++] = optarg;
			break;
		case 'i': a->iface = optarg; break;
		case OPT_MAX: a->max_size = cli_number("--max-size", optarg, 1, 65536); break;
		case OPT_RCVBUF:
			a->rcvbuf = (int)cli_number("--rcvbuf", optarg, 1024, 1 << 30);
			break;
		case OPT_STATS: l->stats = true; break;
		case 'j': l->show.json = true; break;
		case 'h': cli_help(usage);
		default: cli_usage("unexpected option");
		}
	}
	if (optind >= argc)
		cli_usage("missing [ADDR]:PORT");
	if (argc - optind > 1)
		cli_usage("unexpected argument '%s'", argv[optind + 1]);
	a->addr = argv[optind];
	if (l->resp.echo && (a->reply || a->rules))
		cli_usage("--echo and --reply/--rules both answer: choose one");
	if (a->iface && !a->njoin)
		cli_usage("--iface is for --join");
	if (a->ssm && !a->njoin)
		cli_usage("--source-filter is for --join");
}

/* Groups decide the family of an every-interface socket. */
static void check_groups(struct listen_args *a, const struct sk_endpoint *ep)
{
	for (size_t i = 0; i < a->njoin; i++) {
		struct in_addr a4;
		struct in6_addr a6;
		const char *g = a->joins[i];
		if (inet_pton(AF_INET, g, &a4) == 1) {
			if (a->family == AF_INET6)
				cli_usage("--join %s: an IPv4 group on an IPv6 socket (-6)", g);
			if (!ep->host[0] && a->family == AF_UNSPEC)
				a->family = AF_INET;
		} else if (inet_pton(AF_INET6, g, &a6) == 1) {
			if (a->family == AF_INET)
				cli_usage("--join %s: an IPv6 group on an IPv4 socket (-4)", g);
		} else {
			cli_usage("--join %s: not an IP address", g);
		}
	}
}

/* The socket, bound and in its groups, receiving. */
static void open_socket(struct listen *l, const struct listen_args *a,
			const struct sk_addr *bind_addr, bool v6only)
{
	char err[SK_ERRLEN];
	struct sk_udp_opts o = {
		.family = bind_addr->ss.ss_family,
		.v6only = v6only,
		.rcvbuf = a->rcvbuf,
	};
	int rc = sk_udp_new(&l->loop, &o, (const struct sockaddr *)&bind_addr->ss,
			    bind_addr->len, &l->u, err);
	if (rc)
		cli_fail(EXIT_FAIL, "%s", err);
	for (size_t i = 0; i < a->njoin; i++) {
		rc = sk_udp_join_source(l->u, a->joins[i], a->ssm, a->iface, err);
		static const struct cli_subject join_subjects[] = {
			{ "group ", "--join " },
			{ "source ", "--source-filter " },
			{ NULL, NULL },
		};
		cli_name_option(err, sizeof err, join_subjects);
		if (rc)
			cli_fail(rc == SK_EBADADDR || rc == SK_EFAMILY ? EXIT_USAGE : EXIT_FAIL,
				 "%s", err);
	}
	sk_peers_init(&l->peers, 0, uv_now(&l->loop));
	rc = sk_udp_recv_start(l->u, a->max_size, UDP_BATCH, on_dgram, l, err);
	if (rc)
		cli_fail(EXIT_FAIL, "%s", err);
}

/* Signals first: a test (or a user) may signal as soon as it reads the
 * "listening on" line. */
static void start_watchers(struct listen *l)
{
	uv_signal_init(&l->loop, &l->sigint);
	uv_signal_init(&l->loop, &l->sigterm);
	uv_signal_init(&l->loop, &l->sigusr1);
	l->sigint.data = l->sigterm.data = l->sigusr1.data = l;
	uv_signal_start(&l->sigint, on_signal, SIGINT);
	uv_signal_start(&l->sigterm, on_signal, SIGTERM);
	if (l->stats)
		uv_signal_start(&l->sigusr1, on_signal, SIGUSR1);
	if (l->idle_ms) {
		uv_timer_init(&l->loop, &l->idle);
		l->idle.data = l;
		uv_timer_start(&l->idle, on_idle, l->idle_ms, l->idle_ms);
	}
	udp_flush_start(&l->loop, &l->flush, l->out);
	if (l->stats)
		stats_line_start(&l->live, &l->loop, stats_read_peers, &l->peers, "dgrams");
}

static void teardown(struct listen *l, const char *output)
{
	fflush(stdout);
	stats_line_stop(&l->live);
	if (l->stats)
		udp_stats_print(&l->peers, uv_now(&l->loop), "exit");
	if (l->out && fclose(l->out) != 0 && l->status == EXIT_OK) {
		cli_warn("--output %s: %s", output, strerror(errno));
		l->status = EXIT_FAIL;
	}
	sk_udp_close(l->u);
	sk_loop_drain(&l->loop);
	uv_loop_close(&l->loop);
	sk_rules_free(l->resp.rules);
	sk_peers_free(&l->peers);
}

int cmd_udp_listen(int argc, char **argv)
{
	struct listen l;
	memset(&l, 0, sizeof l);
	struct listen_args a;
	parse_args(argc, argv, &l, &a);
	char err[SK_ERRLEN];
	struct sk_endpoint ep;
	if (sk_endpoint_parse(a.addr, "udp", &ep, err))
		cli_usage("%s", err);
	if (ep.kind != SK_ENDPOINT_INET)
		cli_usage("%s: UDP needs [ADDR]:PORT", a.addr);
	if (a.append) {
		if (sk_append_parse(a.append, &l.append, err))
			cli_usage("--append: %s", err);
		l.resp.append = &l.append;
	}
	check_groups(&a, &ep);
	l.resp.rules = udp_load_rules(a.rules, a.reply);

	struct sk_addr bind_addr;
	bool v6only;
	if (sk_udp_listen_addr(&ep, a.family, &bind_addr, &v6only, err))
		cli_fail(EXIT_FAIL, "%s", err);
	if (a.output && !(l.out = fopen(a.output, "ab")))
		cli_fail(EXIT_FAIL, "--output %s: %s", a.output, strerror(errno));
	if (l.out)
		l.show.quiet = true;

	uv_loop_init(&l.loop);
	open_socket(&l, &a, &bind_addr, v6only);
	start_watchers(&l);
	struct sockaddr_storage local;
	socklen_t llen;
	char name[SK_ADDRSTRLEN];
	sk_udp_local(l.u, &local, &llen);
	sk_sockaddr_format((struct sockaddr *)&local, true, name, sizeof name);
	cli_warn("listening on %s", name);

	uv_run(&l.loop, UV_RUN_DEFAULT);
	teardown(&l, a.output);
	return l.status;
}
