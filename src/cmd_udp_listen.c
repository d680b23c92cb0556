/* sockit udp listen: receive datagrams, show each with its sender, and
 * optionally answer them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "sockit/error.h"
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
	struct udp_run run;
	struct sk_udp_session *ss;
	struct udp_show show;
	struct sk_responder resp; /* echo and rules, for the session */
	struct sk_append append;
	bool stats;
	uint64_t count, idle_ms;
	FILE *out;
	char who[SK_ADDRSTRLEN]; /* the sender of the datagram being handled */
	int status;
	bool done;
};

static void finish(struct listen *l, int status)
{
	if (l->done)
		return;
	l->done = true;
	l->status = status;
	sk_udp_session_stop(l->ss);
	uv_stop(&l->run.loop);
}

static void on_dgram(void *arg, const struct sk_dgram *d, struct sk_peer *peer)
{
	struct listen *l = arg;
	if (peer && peer->id)
		snprintf(l->who, sizeof l->who, "%s", peer->name);
	else
		sk_sockaddr_format(d->from, true, l->who, sizeof l->who);
	if (d->size > d->len)
		cli_warn("datagram from %s of %zu bytes cut to %zu (raise --max-size)",
			 l->who, d->size, d->len);
	if (l->out && d->len && fwrite(d->data, 1, d->len, l->out) != d->len) {
		cli_warn("--output: %s", strerror(errno));
		finish(l, EXIT_FAIL);
		return;
	}
	udp_show(&l->show, '<', l->who, d->data, d->len, d->size, &d->ts);
}

static void on_answer(void *arg, const struct sockaddr *to,
		    struct sk_peer *peer, const uint8_t *p, size_t n,
		      bool answer)
{
	struct listen *l = arg;
	(void)to;
	(void)peer;
	(void)answer;
	if (l->show.verbose)
		udp_show(&l->show, '>', l->who, p, n, n, NULL);
}

static void on_answer_error(void *arg, struct sk_peer *peer, int code, bool answer)
{
	struct listen *l = arg;
	(void)peer;
	(void)answer;
	cli_warn("reply to %s: %s", l->who, sk_strerror(code));
}

static void on_end(void *arg, enum sk_udp_session_end why, int code)
{
	struct listen *l = arg;
	uint64_t got = sk_udp_session_received(l->ss);
	(void)code;
	if (why == SK_UDP_SESSION_IDLE && l->count && got < l->count) {
		cli_warn("timeout: %llu of %llu datagrams", (unsigned long long)got,
			 (unsigned long long)l->count);
		finish(l, EXIT_FAIL);
		return;
	}
	finish(l, EXIT_OK);
}

static void on_stop(void *arg)
{
	finish(arg, EXIT_OK);
}

/* What the command line says beyond struct listen's own fields. */
struct listen_args {
	int family, rcvbuf;
	const char *addr, *reply, *rules, *output, *iface, *ssm;
	const char *joins[MAX_JOIN];
	size_t njoin, max_size;
};

static void add_join(const struct cli_opt *opt, const char *group)
{
	struct listen_args *a = opt->to;
	if (a->njoin == MAX_JOIN)
		cli_usage("--join: at most %d groups", MAX_JOIN);
	a->joins[a->njoin++] = group;
}

static void parse_args(int argc, char **argv, struct listen *l, struct listen_args *a)
{
	*a = (struct listen_args){ .family = AF_UNSPEC, .max_size = 65536,
				   .rcvbuf = UDP_RCVBUF_DEFAULT };
	const struct cli_opt table[] = {
		CLI_FAMILY(&a->family),
		CLI_FLAG(0, "hex", &l->show.hex),
		CLI_FLAG('v', "verbose", &l->show.verbose),
		CLI_FLAG('q', "quiet", &l->show.quiet),
		CLI_FLAG('T', "timestamps", &l->show.timestamps),
		CLI_STR(0, "source-filter", &a->ssm),
		CLI_FLAG(0, "echo", &l->resp.echo),
		CLI_STR(0, "reply", &a->reply),
		CLI_STR(0, "rules", &a->rules),
		CLI_APPEND(&l->append),
		CLI_NUM('c', "count", &l->count, 1, UINT64_MAX),
		CLI_MS('w', "timeout", &l->idle_ms),
		CLI_STR('o', "output", &a->output),
		CLI_CALL(0, "join", add_join, a),
		CLI_STR('i', "iface", &a->iface),
		CLI_NUM(0, "max-size", &a->max_size, 1, 65536),
		CLI_NUM(0, "rcvbuf", &a->rcvbuf, 1024, 1 << 30),
		CLI_FLAG(0, "stats", &l->stats),
		CLI_FLAG(0, "json", &l->show.json),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 1, 1, "missing [ADDR]:PORT");
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

/* The socket, bound and in its groups, and the session receiving on it. */
static void open_session(struct listen *l, const struct listen_args *a,
			 const struct sk_addr *bind_addr, bool v6only)
{
	char err[SK_ERRLEN];
	struct sk_udp_opts o = {
		.family = bind_addr->ss.ss_family,
		.v6only = v6only,
		.rcvbuf = a->rcvbuf,
	};
	struct sk_udp *u;
	int rc = sk_udp_new(&l->run.loop, &o, (const struct sockaddr *)&bind_addr->ss,
			    bind_addr->len, &u, err);
	if (rc)
		cli_fail(EXIT_FAIL, "%s", err);
	for (size_t i = 0; i < a->njoin; i++) {
		rc = sk_udp_join_source(u, a->joins[i], a->ssm, a->iface, err);
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
	struct sk_udp_session_opts so = {
		.max_size = a->max_size,
		.rules = l->resp.rules,
		.echo = l->resp.echo,
		.append = l->append.kind ? &l->append : NULL,
		.count = l->count,
		.idle_ms = l->idle_ms,
	};
	static const struct sk_udp_session_cbs cbs = {
		.on_recv = on_dgram,
		.on_sent = on_answer,
		.on_send_error = on_answer_error,
		.on_end = on_end,
	};
	if (sk_udp_session_new(&l->run.loop, u, &so, &cbs, l, &l->ss, err))
		cli_fail(EXIT_FAIL, "%s", err);
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
	if (l.append.kind)
		l.resp.append = &l.append;
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

	uv_loop_init(&l.run.loop);
	open_session(&l, &a, &bind_addr, v6only);
	/* Signals first: a test (or a user) may signal as soon as it reads
	 * the "listening on" line. */
	udp_run_start(&l.run, l.ss, l.stats, on_stop, &l, l.out);
	udp_run_live(&l.run);
	udp_say_listening(sk_udp_session_udp(l.ss));
	udp_run(&l.run);
	if (l.out && fclose(l.out) != 0 && l.status == EXIT_OK) {
		cli_warn("--output %s: %s", a.output, strerror(errno));
		l.status = EXIT_FAIL;
	}
	sk_rules_free(l.resp.rules);
	return l.status;
}
