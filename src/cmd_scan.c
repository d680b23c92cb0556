/* sockit scan: the port scanner. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "cli.h"
#include "commands.h"
#include "scan_report.h"
#include "sockit/bytes.h"
#include "sockit/error.h"
#include "sockit/packet.h"
#include "sockit/scan.h"

static const char usage[] =
    "usage: sockit scan TARGET... [options]\n"
    "\n"
    "Finds open ports.  TARGET is an address, a CIDR block (198.18.0.0/24), a\n"
    "range (198.18.0.1-20, 198.18.0.1-198.18.1.5) or a name (every address it\n"
    "resolves to).  Probes go in a random order; one result per probe.\n"
    "\n"
    "  -p, --ports PORTS    22,80,1000-2000; -p- for 1-65535; names (http);\n"
    "                       T:80,443,U:53 (default: the top 1000 TCP / 100 UDP\n"
    "                       ports by nmap's frequency table, or a built-in\n"
    "                       top 100)\n"
    "  --top-ports N        the N most frequent ports\n"
    "  --syn                TCP SYN scan with raw frames (root; the default\n"
    "                       as root)\n"
    "  --connect            TCP connect scan (needs no privileges; the\n"
    "                       default otherwise)\n"
    "  --udp                UDP scan (root): DNS, NTP and SNMP probes where\n"
    "                       they fit, ICMP unreachables read as closed or\n"
    "                       filtered; with --syn or --connect, both\n"
    "  --interface IF       raw scans: send on IF\n"
    "  --source-ip IP       raw scans: our address in the probes\n"
    "  --router-mac MAC     raw scans: the next hop's MAC (else from the\n"
    "                       kernel's neighbour table)\n"
    "  --source-port N      raw scans: our port (else a random one, held)\n"
    "  -4, -6               only IPv4 / IPv6 addresses of names\n"
    "  --targets-file FILE  more targets, one or more a line ('-' is stdin)\n"
    "  --exclude LIST       leave out these targets (comma-separated)\n"
    "  --exclude-file FILE  leave out the targets listed in FILE\n"
    "  --allow-large        scan more than 2^24 addresses\n"
    "  --seed N             the order's key: the same seed, the same order\n"
    "  --shard I/N          scan only slice I of N (exact, disjoint slices)\n"
    "  --resume FILE        continue from FILE and keep it up to date\n"
    "                       (written every 2 s, on Ctrl-C and at the end;\n"
    "                       results come out just before each write)\n"
    "  --concurrency N      most probes in flight (default: from the\n"
    "                       descriptor limit, raised to its hard maximum)\n"
    "  --rate PPS           most probes per second (default: 10000 for raw\n"
    "                       scans, no limit for --connect)\n"
    "  --retries N          send unanswered probes again N times (default 2)\n"
    "  --timeout DUR        --connect: longest wait for an answer (default\n"
    "                       3s; adapts to measured round trips below it);\n"
    "                       raw scans: wait for late replies after each pass\n"
    "                       (default 1s)\n"
    "  --min-timeout DUR    shortest wait for an answer (default 200ms)\n"
    "  --threads N          1 or 2 (default: 2 on a multi-core machine)\n"
    "  --banner             read what open ports say first\n"
    "  --banner-timeout DUR how long to wait for it (default 2s)\n"
    "  --probe TEXT         send TEXT (C escapes) before reading the banner\n"
    "  --json               one JSON object per open port (NDJSON, streamed)\n"
    "  --grepable           one line per host, as nmap -oG\n"
    "  --all                with --json: every port, whatever its state\n"
    "  -q, --quiet          no progress bar and no summary on stderr\n"
    "  -h, --help           this help\n"
    "\n"
    "States are nmap's: open, closed, filtered, open|filtered, each with the\n"
    "reason (syn-ack, rst, conn-refused, no-response, port-unreach,\n"
    "admin-prohibited, udp-response...).\n"
    "\n"
    "examples:\n"
    "  sockit scan 127.0.0.1 -p-\n"
    "  sockit scan localhost -p 22,80,8000-8100 --json\n"
    "  sockit scan 198.18.0.0/24 -p 80 --shard 1/4 --seed 7\n"
    "  sockit scan 127.0.0.1 -p 22 --banner\n"
    "  sockit scan 198.18.0.0/16 -p 80 --syn --rate 100000\n"
    "  sockit scan 127.0.0.1 --udp -p 53,123,161\n"
    "\n"
    "exit status: 0 at least one port open, 1 none open (or the scan failed\n"
    "or was interrupted), 2 usage error.\n";

struct scan_opts {
	const char **targets;
	int ntargets;
	const char *ports;
	unsigned top;
	int family_flags;
	const char *targets_file, *exclude_file;
	const char **excludes;
	int nexcludes;
	bool allow_large;
	bool have_seed;
	uint64_t seed;
	uint64_t shard_index, shard_count;
	const char *resume;
	unsigned concurrency, retries, threads;
	uint64_t rate;
	uint64_t timeout_ms, min_timeout_ms;
	bool banner;
	uint64_t banner_timeout_ms;
	uint8_t *probe;
	size_t probe_len;
	enum report_format fmt;
	bool all, quiet;
	bool syn, connect, udp, timeout_set;
	const char *iface, *source_ip, *router_mac;
	uint16_t sport;
};

/* Set by SIGINT/SIGTERM; the engine polls it. */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void check_opts(struct scan_opts *o, const char *probe);

static void add_exclude(const struct cli_opt *opt, const char *text)
{
	struct scan_opts *o = opt->to;
	o->excludes[o->nexcludes++] = text;
}

static void take_shard(const struct cli_opt *opt, const char *text)
{
	struct scan_opts *o = opt->to;
	char err[SK_ERRLEN];
	if (sk_shard_parse(text, &o->shard_index, &o->shard_count, err))
		cli_usage("--shard %s", err);
}

static void take_resume(const struct cli_opt *opt, const char *text)
{
	if (!*text)
		cli_usage("--resume needs a file name");
	*(const char **)opt->to = text;
}

static void take_format(const struct cli_opt *opt, const char *text)
{
	(void)text;
	enum report_format *fmt = opt->to;
	enum report_format want = opt->name[0] == 'j' ? REPORT_JSON : REPORT_GREPABLE;
	if (*fmt && *fmt != want)
		cli_usage("--json and --grepable exclude each other");
	*fmt = want;
}

static void parse_opts(int argc, char **argv, struct scan_opts *o)
{
	*o = (struct scan_opts){
		.retries = 2,
		.timeout_ms = 3000,
		.min_timeout_ms = 200,
		.banner_timeout_ms = 2000,
		.shard_count = 1,
		.threads = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1,
	};
	o->excludes = calloc((size_t)argc + 1, sizeof *o->excludes);
	o->targets = calloc((size_t)argc + 1, sizeof *o->targets);
	if (!o->excludes || !o->targets)
		cli_fail(EXIT_FAIL, "out of memory");
	const char *probe = NULL;
	const struct cli_opt table[] = {
		CLI_STR('p', "ports", &o->ports),
		CLI_NUM(0, "top-ports", &o->top, 1, 65535),
		CLI_FLAG(0, "connect", &o->connect),
		CLI_FLAG(0, "syn", &o->syn),
		CLI_FLAG(0, "udp", &o->udp),
		CLI_STR(0, "interface", &o->iface),
		CLI_STR(0, "source-ip", &o->source_ip),
		CLI_STR(0, "router-mac", &o->router_mac),
		CLI_NUM(0, "source-port", &o->sport, 1, 65535),
		CLI_SETV('4', NULL, &o->family_flags, SK_TARGETS_V4),
		CLI_SETV('6', NULL, &o->family_flags, SK_TARGETS_V6),
		CLI_STR(0, "targets-file", &o->targets_file),
		CLI_CALL(0, "exclude", add_exclude, o),
		CLI_STR(0, "exclude-file", &o->exclude_file),
		CLI_FLAG(0, "allow-large", &o->allow_large),
		CLI_NUM(0, "seed", &o->seed, 0, UINT64_MAX, .seen = &o->have_seed),
		CLI_CALL(0, "shard", take_shard, o),
		CLI_CALL(0, "resume", take_resume, &o->resume),
		CLI_NUM(0, "concurrency", &o->concurrency, 1, 1u << 20),
		CLI_NUM(0, "rate", &o->rate, 1, 100000000),
		CLI_NUM(0, "retries", &o->retries, 0, 20),
		CLI_MS(0, "timeout", &o->timeout_ms, .seen = &o->timeout_set),
		CLI_MS(0, "min-timeout", &o->min_timeout_ms),
		CLI_NUM(0, "threads", &o->threads, 1, 2),
		CLI_FLAG(0, "banner", &o->banner),
		CLI_MS(0, "banner-timeout", &o->banner_timeout_ms),
		CLI_STR(0, "probe", &probe),
		CLI_ACT(0, "json", take_format, &o->fmt),
		CLI_ACT(0, "grepable", take_format, &o->fmt),
		CLI_FLAG(0, "all", &o->all),
		CLI_FLAG('q', "quiet", &o->quiet),
	};
	cli_parse(argc, argv, table, usage);
	while (optind < argc)
		o->targets[o->ntargets++] = argv[optind++];
	check_opts(o, probe);
}

/* The options that go together (or not), the default TCP scan, and the
 * probe's escapes. */
static void check_opts(struct scan_opts *o, const char *probe)
{
	if (!o->ntargets && !o->targets_file)
		cli_usage("missing target (an address, CIDR block, range or name)");
	if (o->ports && o->top)
		cli_usage("-p and --top-ports do not go together");
	if (o->timeout_ms == 0)
		cli_usage("--timeout must be above zero");
	if (o->min_timeout_ms > o->timeout_ms)
		cli_usage("--min-timeout is above --timeout");
	if (probe && !o->banner)
		cli_usage("--probe needs --banner");
	if (o->all && o->fmt != REPORT_JSON)
		cli_usage("--all goes with --json (the table already counts every state)");
	if (o->syn && o->connect)
		cli_usage("--syn and --connect do not go together");
	/* The default TCP scan: SYN as root, connect otherwise (and when
	 * banners are wanted, which need a connection). */
	if (!o->syn && !o->connect && !o->udp) {
		if (geteuid() == 0 && !o->banner)
			o->syn = true;
		else
			o->connect = true;
	}
	if (o->banner && !o->connect)
		cli_usage("--banner needs --connect");
	if ((o->iface || o->source_ip || o->router_mac || o->sport) && !o->syn && !o->udp)
		cli_usage("--interface, --source-ip, --router-mac and --source-port are for --syn and --udp");
	if (probe) {
		size_t n = strlen(probe), bad = 0;
		o->probe = malloc(n + 1);
		if (!o->probe)
			cli_fail(EXIT_FAIL, "out of memory");
		int rc = sk_unescape(probe, n, o->probe, &bad);
		if (rc < 0)
			cli_usage("--probe: bad escape at offset %zu", bad);
		o->probe_len = (size_t)rc;
	}
}

static struct sk_targets *build_targets(const struct scan_opts *o)
{
	struct sk_targets *t;
	char err[SK_ERRLEN];
	if (sk_targets_new(&t))
		cli_fail(EXIT_FAIL, "out of memory");
	for (int i = 0; i < o->ntargets; i++)
		if (sk_targets_add(t, o->targets[i], o->family_flags, err))
			cli_fail(EXIT_USAGE, "%s", err);
	if (o->targets_file && sk_targets_add_file(t, o->targets_file, false, o->family_flags, err))
		cli_fail(EXIT_USAGE, "--targets-file %s", err);
	for (int i = 0; i < o->nexcludes; i++)
		if (sk_targets_exclude(t, o->excludes[i], o->family_flags, err))
			cli_fail(EXIT_USAGE, "--exclude %s", err);
	if (o->exclude_file && sk_targets_add_file(t, o->exclude_file, true, o->family_flags, err))
		cli_fail(EXIT_USAGE, "--exclude-file %s", err);
	if (sk_targets_finish(t, SK_TARGETS_HARD_MAX, err))
		cli_fail(EXIT_USAGE, "%s", err);
	uint64_t n = sk_targets_count(t);
	if (n > SK_TARGETS_DEFAULT_MAX && !o->allow_large)
		cli_fail(
		    EXIT_USAGE,
		    "%llu addresses, more than %llu: too many addresses (use --allow-large)",
		    (unsigned long long)n,
		    (unsigned long long)SK_TARGETS_DEFAULT_MAX);
	return t;
}

/* The ports of each protocol: unprefixed ports go to every protocol the
 * scan covers (TCP with --syn or --connect, UDP with --udp). */
static void build_ports(const struct scan_opts *o, struct sk_ports *tcp, struct sk_ports *udp)
{
	char err[SK_ERRLEN];
	int unscanned = -1;
	int rc = sk_ports_for_scan(o->ports, o->top, o->syn || o->connect ? tcp : NULL,
				   o->udp ? udp : NULL, &unscanned, err);
	if (unscanned >= 0)
		cli_fail(EXIT_USAGE, "-p %s: %s", o->ports,
			 unscanned ? "UDP ports need --udp" : "TCP ports need --syn or --connect");
	if (rc)
		cli_fail(EXIT_USAGE, "%s%s", rc == SK_EBADPORTS || rc == SK_ENOSERVICE ? "-p " : "",
			 err);
}

/* The routes raw frames take are the kernel's, with the overrides the
 * options give; src keeps their parsing, the library the look-ups. */
static void route_opts(const struct scan_opts *o, struct sk_routes_opts *ro,
		       struct sk_ip *src, uint8_t mac[6])
{
	ro->ifname = o->iface;
	if (o->source_ip) {
		if (sk_ip_parse(o->source_ip, src))
			cli_usage("--source-ip '%s': not an address",
				  o->source_ip);
		if (src->family == AF_INET)
			ro->src4 = src;
		else
			ro->src6 = src;
	}
	if (o->router_mac) {
		if (sk_mac_parse(o->router_mac, mac))
			cli_usage(
			    "--router-mac '%s': expected aa:bb:cc:dd:ee:ff",
			    o->router_mac);
		ro->router_mac = mac;
	}
}

/* What the callbacks share while the scan runs. */
struct run {
	const struct scan_opts *o;
	struct report *report;
	struct scan_bar bar;
	int out_errno; /* stdout failed: the scan stops, its results lost */
};

static void on_result(const struct sk_scan_result *r, void *ctx)
{
	struct run *run = ctx;
	report_add(run->report, r);
}

static void on_progress(const struct sk_scan_progress *p, void *ctx)
{
	struct run *run = ctx;
	errno = 0;
	if (((run->o->fmt == REPORT_JSON && fflush(stdout) == EOF) || ferror(stdout)) &&
	    !run->out_errno) {
		/* Results that cannot be written are not worth probing for. */
		run->out_errno = errno ? errno : -1; /* -1: an earlier write, errno gone */
		stop_flag = 1;
	}
	scan_bar_draw(&run->bar, p, report_open_count(run->report));
}

/* Everything reported must be out before a checkpoint says it is done. */
static void on_flush(void *ctx)
{
	(void)ctx;
	fflush(stdout);
}

static void on_checkpoint_error(int rc, const char *err, void *ctx)
{
	(void)rc;
	(void)ctx;
	cli_warn("--resume %s", err);
}

/* The summary on stderr: probes, time, open ports; raw scans also count
 * what went out and came back, so that a rate the machine cannot reach,
 * or replies lost, show. */
static void print_summary(const struct scan_opts *o,
			  const struct sk_scan_summary *s, int rc,
			  uint64_t open)
{
	if (o->quiet)
		return;
	fprintf(stderr,
		"sockit: scan: %" PRIu64 " probes (%" PRIu64
		" retried) in %.2fs, %" PRIu64 " open%s\n",
		s->done, s->retries, (double)s->elapsed_ns / 1e9, open,
		rc == 1 ? "; interrupted" : "");
	if (s->frames)
		fprintf(stderr,
			"sockit: scan: %" PRIu64
			" frames sent (first pass at %.0f/s), %" PRIu64
			" replies\n",
			s->frames,
			s->first_pass_ns ? (double)s->first_pass_frames * 1e9 /
					       (double)s->first_pass_ns
					 : 0.0,
			s->replies);
	if (s->icmp_limited)
		cli_warn("ICMP rate limiting: %" PRIu64
			 " ports answered only when asked again "
			 "(%" PRIu64
			 " silent ports re-asked slowly, up to 1 probe/s)",
			 s->icmp_limited, s->slowed);
}

/* A write error on stdout ends the command with its reason (a closed pipe
 * is the reader's choice, not an error). */
static void check_stdout(struct report *report, int out_errno)
{
	errno = 0;
	if (report_errno(report) && out_errno <= 0)
		out_errno = report_errno(report);
	if (!out_errno && (fflush(stdout) == EOF || ferror(stdout)))
		out_errno = errno ? errno : -1;
	if (out_errno && out_errno != EPIPE) {
		__fpurge(stdout);
		clearerr(stdout);
		cli_fail(EXIT_FAIL, "stdout: %s",
			 out_errno > 0 ? sk_strerror(-out_errno)
				       : "write error");
	}
}

int cmd_scan(int argc, char **argv)
{
	struct scan_opts o;
	parse_opts(argc, argv, &o);
	struct sk_targets *targets = build_targets(&o);
	struct sk_ports *ports[2];
	ports[0] = calloc(1, sizeof *ports[0]);
	ports[1] = calloc(1, sizeof *ports[1]);
	if (!ports[0] || !ports[1])
		cli_fail(EXIT_FAIL, "out of memory");
	build_ports(&o, ports[0], ports[1]);

	struct sk_scan_opts so;
	sk_scan_opts_init(&so);
	struct sk_ip src;
	uint8_t mac[6];
	route_opts(&o, &so.route, &src, mac);
	so.targets = targets;
	so.tcp = o.syn || o.connect ? ports[0] : NULL;
	so.udp = o.udp ? ports[1] : NULL;
	so.syn = o.syn;
	so.have_seed = o.have_seed;
	so.seed = o.seed;
	so.shard_index = o.shard_index;
	so.shard_count = o.shard_count;
	so.resume = o.resume;
	so.concurrency = o.concurrency;
	so.rate = o.rate;
	so.retries = o.retries;
	so.timeout_ms = o.timeout_set ? o.timeout_ms : 0;
	so.min_timeout_ms = o.min_timeout_ms;
	so.threads = o.threads;
	so.banner = o.banner;
	so.banner_timeout_ms = o.banner_timeout_ms;
	so.probe = o.probe;
	so.probe_len = o.probe_len;
	so.sport = o.sport;

	struct run run = { .o = &o };
	/* The bar before the report takes stdout: its lines go around it. */
	scan_bar_init(&run.bar, !o.quiet);
	run.report = report_new(stdout, o.fmt, o.all, o.banner);
	if (!run.report)
		cli_fail(EXIT_FAIL, "out of memory");
	so.on_result = on_result;
	so.on_progress = on_progress;
	so.on_flush = on_flush;
	so.on_checkpoint_error = on_checkpoint_error;
	so.ctx = &run;
	so.stop = &stop_flag;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct sk_scan_summary sum;
	char err[SK_ERRLEN];
	int rc = sk_scan_run(&so, &sum, err);
	scan_bar_clear(&run.bar);
	if (rc < 0 && sum.checkpoint_failed)
		cli_fail(rc == SK_EBADCHECKPOINT ? EXIT_USAGE : EXIT_FAIL,
			 "--resume %s", err);
	if (rc == SK_ENOMAC)
		cli_fail(EXIT_FAIL, "%s (give --router-mac)", err);
	if (rc == SK_ETOOMANYHOPS)
		cli_fail(
		    EXIT_USAGE,
		    "%s: give --router-mac to send every frame to one next hop",
		    err);
	if (rc < 0)
		cli_fail(rc == SK_ETOOMANY ? EXIT_USAGE : EXIT_FAIL, "%s", err);
	report_finish(run.report);
	check_stdout(run.report, run.out_errno);
	uint64_t open = report_open_count(run.report);
	print_summary(&o, &sum, rc, open);
	if (rc == 1 && o.resume)
		cli_warn("interrupted: run the same command again to resume from %s", o.resume);
	report_free(run.report);
	for (int i = 0; i < 2; i++) {
		sk_ports_free(ports[i]);
		free(ports[i]);
	}
	sk_targets_free(targets);
	free(o.probe);
	free(o.targets);
	free(o.excludes);
	if (rc == 1)
		return EXIT_FAIL;
	return open ? EXIT_OK : EXIT_FAIL;
}
