/* sockit scan: the port scanner. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
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
	"                       (written every 2 s, on Ctrl-C and at the end)\n"
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

static void parse_opts(int argc, char **argv, struct scan_opts *o)
{
	enum {
		OPT_TOP = 256, OPT_CONNECT, OPT_TFILE, OPT_EXCL, OPT_EFILE, OPT_LARGE, OPT_SEED,
		OPT_SHARD, OPT_RESUME, OPT_CONC, OPT_RETRIES, OPT_TIMEOUT, OPT_MINTIMEOUT,
		OPT_THREADS, OPT_BANNER, OPT_BTIMEOUT, OPT_PROBE, OPT_JSON, OPT_GREP, OPT_ALL, OPT_RATE, OPT_SYN, OPT_UDP, OPT_IFACE, OPT_SRCIP, OPT_RMAC,
		OPT_SPORT,
	};
	static const struct option longopts[] = {
		{ "ports", required_argument, NULL, 'p' },
		{ "top-ports", required_argument, NULL, OPT_TOP },
		{ "connect", no_argument, NULL, OPT_CONNECT },
		{ "syn", no_argument, NULL, OPT_SYN },
		{ "udp", no_argument, NULL, OPT_UDP },
		{ "interface", required_argument, NULL, OPT_IFACE },
		{ "source-ip", required_argument, NULL, OPT_SRCIP },
		{ "router-mac", required_argument, NULL, OPT_RMAC },
		{ "source-port", required_argument, NULL, OPT_SPORT },
		{ "targets-file", required_argument, NULL, OPT_TFILE },
		{ "exclude", required_argument, NULL, OPT_EXCL },
		{ "exclude-file", required_argument, NULL, OPT_EFILE },
		{ "allow-large", no_argument, NULL, OPT_LARGE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "concurrency", required_argument, NULL, OPT_CONC },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "min-timeout", required_argument, NULL, OPT_MINTIMEOUT },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "banner", no_argument, NULL, OPT_BANNER },
		{ "banner-timeout", required_argument, NULL, OPT_BTIMEOUT },
		{ "probe", required_argument, NULL, OPT_PROBE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "grepable", no_argument, NULL, OPT_GREP },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
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
	int c;
	char err[SK_ERRLEN];
	while ((c = cli_getopt(argc, argv, "p:46qh", longopts)) != -1) {
		switch (c) {
		case 'p': o->ports = optarg; break;
		case OPT_TOP: o->top = (unsigned)cli_number("--top-ports", optarg, 1, 65535); break;
		case OPT_CONNECT: o->connect = true; break;
		case OPT_SYN: o->syn = true; break;
		case OPT_UDP: o->udp = true; break;
		case OPT_IFACE: o->iface = optarg; break;
		case OPT_SRCIP: o->source_ip = optarg; break;
		case OPT_RMAC: o->router_mac = optarg; break;
		case OPT_SPORT: o->sport = (uint16_t)cli_number("--source-port", optarg, 1, 65535); break;
		case '4': o->family_flags = SK_TARGETS_V4; break;
		case '6': o->family_flags = SK_TARGETS_V6; break;
		case OPT_TFILE: o->targets_file = optarg; break;
		case OPT_EXCL: o->excludes[o->nexcludes++] = optarg; break;
		case OPT_EFILE: o->exclude_file = optarg; break;
		case OPT_LARGE: o->allow_large = true; break;
		case OPT_SEED:
			o->seed = cli_number("--seed", optarg, 0, UINT64_MAX);
			o->have_seed = true;
			break;
		case OPT_SHARD:
			if (sk_shard_parse(optarg, &o->shard_index, &o->shard_count, err))
				cli_usage("--shard %s", err);
			break;
		case OPT_RESUME:
			if (!*optarg)
				cli_usage("--resume needs a file name");
			o->resume = optarg;
			break;
		case OPT_CONC: o->concurrency = (unsigned)cli_number("--concurrency", optarg, 1, 1u << 20); break;
		case OPT_RATE: o->rate = cli_number("--rate", optarg, 1, 100000000); break;
		case OPT_RETRIES: o->retries = (unsigned)cli_number("--retries", optarg, 0, 20); break;
		case OPT_TIMEOUT:
			o->timeout_ms = cli_duration_ms("--timeout", optarg);
			o->timeout_set = true;
			break;
		case OPT_MINTIMEOUT: o->min_timeout_ms = cli_duration_ms("--min-timeout", optarg); break;
		case OPT_THREADS: o->threads = (unsigned)cli_number("--threads", optarg, 1, 2); break;
		case OPT_BANNER: o->banner = true; break;
		case OPT_BTIMEOUT: o->banner_timeout_ms = cli_duration_ms("--banner-timeout", optarg); break;
		case OPT_PROBE: probe = optarg; break;
		case OPT_JSON:
			if (o->fmt == REPORT_GREPABLE)
				cli_usage("--json and --grepable exclude each other");
			o->fmt = REPORT_JSON;
			break;
		case OPT_GREP:
			if (o->fmt == REPORT_JSON)
				cli_usage("--json and --grepable exclude each other");
			o->fmt = REPORT_GREPABLE;
			break;
		case OPT_ALL: o->all = true; break;
		case 'q': o->quiet = true; break;
		case 'h': cli_help(usage);
		default: cli_usage("unexpected option");
		}
	}
	while (optind < argc)
		o->targets[o->ntargets++] = argv[optind++];
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
	for (int i = 0; i < o->nexcludes; i++) {
		char *copy = strdup(o->excludes[i]), *save = NULL;
		if (!copy)
			cli_fail(EXIT_FAIL, "out of memory");
		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (sk_targets_exclude(t, tok, o->family_flags, err))
				cli_fail(EXIT_USAGE, "--exclude %s", err);
		free(copy);
	}
	if (o->exclude_file && sk_targets_add_file(t, o->exclude_file, true, o->family_flags, err))
		cli_fail(EXIT_USAGE, "--exclude-file %s", err);
	if (sk_targets_finish(t, o->allow_large ? SK_TARGETS_HARD_MAX : SK_TARGETS_DEFAULT_MAX, err))
		cli_fail(EXIT_USAGE, "%s", err);
	return t;
}

/* The ports of each protocol: unprefixed ports go to every protocol the
 * scan covers (TCP with --syn or --connect, UDP with --udp), as nmap's
 * -sS -sU does. */
static void build_ports(const struct scan_opts *o, struct sk_ports *tcp, struct sk_ports *udp)
{
	char err[SK_ERRLEN];
	bool want_tcp = o->syn || o->connect;
	struct sk_ports *all = calloc(1, sizeof *all);
	if (!all)
		cli_fail(EXIT_FAIL, "out of memory");
	if (o->ports) {
		if (want_tcp && sk_ports_parse(all, o->ports, SK_SCAN_TCP, err))
			cli_fail(EXIT_USAGE, "-p %s", err);
		if (o->udp && sk_ports_parse(all, o->ports, SK_SCAN_UDP, err))
			cli_fail(EXIT_USAGE, "-p %s", err);
	} else {
		if (want_tcp)
			sk_ports_top(all, SK_SCAN_TCP, o->top ? o->top : 1000, NULL);
		if (o->udp)
			sk_ports_top(all, SK_SCAN_UDP, o->top ? o->top : 100, NULL);
	}
	bool has[2] = { false, false };
	for (unsigned i = 0; i < 8192; i++) {
		has[0] |= all->bits[0][i] != 0;
		has[1] |= all->bits[1][i] != 0;
	}
	if (has[1] && !o->udp)
		cli_fail(EXIT_USAGE, "-p %s: UDP ports need --udp", o->ports);
	if (has[0] && !want_tcp)
		cli_fail(EXIT_USAGE, "-p %s: TCP ports need --syn or --connect", o->ports);
	memcpy(tcp->bits[0], all->bits[0], sizeof all->bits[0]);
	memcpy(udp->bits[1], all->bits[1], sizeof all->bits[1]);
	free(all);
	if (want_tcp && sk_ports_finish(tcp, err))
		cli_fail(EXIT_USAGE, "%s", err);
	if (o->udp && sk_ports_finish(udp, err))
		cli_fail(EXIT_USAGE, "%s", err);
}

struct run {
	const struct scan_opts *o;
	struct report *report;
	struct sk_checkpoint ckpt;
	uint64_t steps;
	uint64_t started_ns, last_ckpt_ns;
	bool progress;
	bool bar_shown;
	bool ckpt_written, ckpt_failed;
	int out_errno; /* stdout failed: the scan stops, its results lost */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_result(const struct sk_scan_result *r, void *ctx)
{
	struct run *run = ctx;
	report_add(run->report, r);
}

static void save_checkpoint(struct run *run, uint64_t next)
{
	if (!run->o->resume)
		return;
	/* Everything reported for steps below next must be out before the
	 * checkpoint says so. */
	fflush(stdout);
	run->ckpt.next = next;
	char err[SK_ERRLEN];
	if (!sk_checkpoint_write(run->o->resume, &run->ckpt, err)) {
		run->ckpt_written = true;
		run->ckpt_failed = false;
		return;
	}
	/* The first write comes before any probe: a checkpoint that cannot
	 * be written stops the scan there.  Later, a full disk is said once
	 * (and again after it recovered), not every two seconds. */
	if (!run->ckpt_written)
		cli_fail(EXIT_FAIL, "--resume %s", err);
	if (!run->ckpt_failed)
		cli_warn("--resume %s", err);
	run->ckpt_failed = true;
}

static void on_progress(const struct sk_scan_stats *s, void *ctx)
{
	struct run *run = ctx;
	uint64_t now = mono_ns();
	errno = 0;
	if (((run->o->fmt == REPORT_JSON && fflush(stdout) == EOF) || ferror(stdout)) &&
	    !run->out_errno) {
		/* Results that cannot be written are not worth probing for. */
		run->out_errno = errno ? errno : -1; /* -1: an earlier write, errno gone */
		stop_flag = 1;
	}
	if (now - run->last_ckpt_ns >= 2000000000u) {
		save_checkpoint(run, s->resume);
		run->last_ckpt_ns = now;
	}
	if (!run->progress)
		return;
	double secs = (double)(now - run->started_ns) / 1e9;
	double rate = secs > 0 ? (double)s->sent / secs : 0;
	uint64_t left = run->steps > s->done ? run->steps - s->done : 0;
	double eta = rate > 0 ? (double)left / rate : 0;
	unsigned width = 30, fill = run->steps ? (unsigned)(width * s->done / run->steps) : 0;
	char bar[40];
	for (unsigned i = 0; i < width; i++)
		bar[i] = i < fill ? '=' : ' ';
	bar[width] = 0;
	fprintf(stderr, "\r[%s] %" PRIu64 "/%" PRIu64 " %.0f/s ETA %.0fs  ", bar, s->done,
		run->steps, rate, eta);
	run->bar_shown = true;
}

static uint64_t random_seed(void)
{
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	return seed;
}

/* The routes raw frames take: the kernel's, per target (see
 * sk_routes_build), with the overrides the options give. */
static struct sk_routes *raw_routes(const struct scan_opts *o, const struct sk_targets *t)
{
	struct sk_ip src;
	uint8_t mac[6];
	struct sk_routes_opts ro = { .ifname = o->iface, .wait_ms = 2000 };
	if (o->source_ip) {
		if (sk_ip_parse(o->source_ip, &src))
			cli_usage("--source-ip '%s': not an address", o->source_ip);
		if (src.family == AF_INET)
			ro.src4 = &src;
		else
			ro.src6 = &src;
	}
	if (o->router_mac) {
		if (sk_mac_parse(o->router_mac, mac))
			cli_usage("--router-mac '%s': expected aa:bb:cc:dd:ee:ff", o->router_mac);
		ro.router_mac = mac;
	}
	struct sk_routes *r;
	char err[SK_ERRLEN];
	if (sk_routes_build(&r, t, &ro, err))
		cli_fail(EXIT_FAIL, "%s", err);
	return r;
}

/* Picks our source port and holds it with a bound socket, so that the
 * kernel gives it to no connection of its own while the scan runs. */
static int reserve_port(const struct scan_opts *o, const struct sk_route *rt, int type,
			uint16_t *port)
{
	for (int attempt = 0; attempt < 32; attempt++) {
		uint16_t p = o->sport;
		if (!p) {
			uint16_t r = 0;
			if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
				r = (uint16_t)(getpid() + attempt);
			p = (uint16_t)(40000 + r % 20000);
		}
		int fd = socket(rt->src.family, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		struct sockaddr_storage ss = { 0 };
		socklen_t len;
		if (rt->src.family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
			sin->sin_family = AF_INET;
			sin->sin_port = htons(p);
			len = sizeof *sin;
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(p);
			len = sizeof *sin6;
		}
		if (bind(fd, (struct sockaddr *)&ss, len) == 0) {
			*port = p;
			return fd;
		}
		close(fd);
		if (o->sport)
			cli_fail(EXIT_FAIL, "--source-port %u: %s", p, strerror(errno));
	}
	cli_fail(EXIT_FAIL, "no free source port");
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
	char err[SK_ERRLEN];

	/* Phase 0 scans the TCP ports, phase 1 the UDP ports; each has its
	 * own plan over the same targets, seed and shard. */
	struct sk_plan plan[2];
	bool want[2] = { o.syn || o.connect, o.udp };
	uint64_t seed = o.have_seed ? o.seed : random_seed();
	unsigned first_phase = 0;
	uint64_t start = 0;
	struct sk_checkpoint old = { 0 };
	bool have_old = false;
	if (o.resume) {
		int rc = sk_checkpoint_read(o.resume, &old, err);
		if (rc && rc != -ENOENT)
			cli_fail(EXIT_USAGE, "--resume %s", err);
		if (rc == 0) {
			if (o.have_seed && old.seed != o.seed)
				cli_fail(EXIT_USAGE, "--resume %s: written with --seed %" PRIu64,
					 o.resume, old.seed);
			seed = old.seed;
			have_old = true;
		}
	}
	for (unsigned ph = 0; ph < 2; ph++)
		if (want[ph] && sk_plan_init(&plan[ph], targets, ports[ph], seed, o.shard_index,
					     o.shard_count, err))
			cli_fail(EXIT_USAGE, "%s", err);
	if (have_old) {
		unsigned ph = old.phase;
		if (!want[ph] || old.fingerprint != sk_plan_fingerprint(&plan[ph], ph) ||
		    old.shard_index != o.shard_index || old.shard_count != o.shard_count)
			cli_fail(EXIT_USAGE,
				 "--resume %s: written by a different scan (targets, ports or shard differ)",
				 o.resume);
		first_phase = ph;
		start = old.next;
	}

	struct report *report = report_new(stdout, o.fmt, o.all, o.banner);
	if (!report)
		cli_fail(EXIT_FAIL, "out of memory");
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	uint8_t key[16];
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
		cli_fail(EXIT_FAIL, "no randomness for the probe cookies");
	struct sk_routes *routes = o.syn || o.udp ? raw_routes(&o, targets) : NULL;

	uint64_t t0 = mono_ns(), done = 0, retried = 0, icmp_late = 0, slowed = 0;
	uint64_t frames = 0, replies = 0, first_frames = 0, first_ns = 0;
	int rc = 0, out_errno = 0;
	for (unsigned ph = first_phase; ph < 2 && rc == 0; ph++) {
		if (!want[ph])
			continue;
		struct run run = {
			.o = &o,
			.report = report,
			.ckpt = { sk_plan_fingerprint(&plan[ph], ph), seed, o.shard_index,
				  o.shard_count, ph, start },
			.steps = plan[ph].steps,
			.started_ns = mono_ns(),
			.progress = !o.quiet && isatty(2),
			.ckpt_written = ph != first_phase,
		};
		run.last_ckpt_ns = run.started_ns;
		save_checkpoint(&run, start);
		struct sk_scan_stats stats;
		if (ph == 0 && o.connect) {
			struct sk_scan_connect_opts co = {
				.plan = &plan[ph],
				.start = start,
				.concurrency = o.concurrency,
				.rate = o.rate,
				.retries = o.retries,
				.max_timeout_ms = o.timeout_ms,
				.min_timeout_ms = o.min_timeout_ms,
				.threads = o.threads,
				.banner = o.banner,
				.banner_timeout_ms = o.banner_timeout_ms,
				.probe = o.probe,
				.probe_len = o.probe_len,
				.on_result = on_result,
				.on_progress = on_progress,
				.ctx = &run,
				.stop = &stop_flag,
			};
			rc = sk_scan_connect(&co, &stats, err);
		} else {
			const struct sk_route *any = sk_routes_at(routes, 0);
			uint16_t sport = 0;
			int hold = reserve_port(&o, any, ph == 0 ? SOCK_STREAM : SOCK_DGRAM, &sport);
			struct sk_raw_opts ro = {
				.plan = &plan[ph],
				.proto = ph == 0 ? SK_SCAN_TCP : SK_SCAN_UDP,
				.start = start,
				.rate = o.rate ? o.rate : 10000,
				.retries = o.retries,
				.wait_ms = o.timeout_set ? o.timeout_ms : 1000,
				.routes = routes,
				.sport = sport,
				.key = key,
				.on_result = on_result,
				.on_progress = on_progress,
				.ctx = &run,
				.stop = &stop_flag,
			};
			rc = sk_scan_raw(&ro, &stats, err);
			if (hold >= 0)
				close(hold);
		}
		if (run.bar_shown)
			fputs("\r\033[K", stderr);
		if (rc < 0)
			cli_fail(EXIT_FAIL, "%s", err);
		if (rc == 0 && ph == 0 && want[1]) {
			/* The TCP phase is over: a resume starts with UDP. */
			run.ckpt = (struct sk_checkpoint){ sk_plan_fingerprint(&plan[1], 1), seed,
							   o.shard_index, o.shard_count, 1, 0 };
			save_checkpoint(&run, 0);
		} else {
			save_checkpoint(&run, stats.resume);
		}
		done += stats.done;
		retried += stats.retries;
		if (!(ph == 0 && o.connect)) {
			frames += stats.sent;
			replies += stats.received;
			first_frames += stats.sent - stats.retries;
			first_ns += stats.first_pass_ns;
		}
		icmp_late += stats.icmp_limited;
		slowed += stats.slowed;
		start = 0;
		out_errno = run.out_errno;
	}
	report_finish(report);
	errno = 0;
	if (report_errno(report) && (out_errno <= 0))
		out_errno = report_errno(report);
	if (!out_errno && (fflush(stdout) == EOF || ferror(stdout)))
		out_errno = errno ? errno : -1;
	if (out_errno && out_errno != EPIPE) {
		__fpurge(stdout);
		clearerr(stdout);
		cli_fail(EXIT_FAIL, "stdout: %s",
			 out_errno > 0 ? sk_strerror(-out_errno) : "write error");
	}
	double secs = (double)(mono_ns() - t0) / 1e9;
	uint64_t open = report_open_count(report);
	if (!o.quiet)
		fprintf(stderr,
			"sockit: scan: %" PRIu64 " probes (%" PRIu64 " retried) in %.2fs, %" PRIu64
			" open%s\n",
			done, retried, secs, open, rc == 1 ? "; interrupted" : "");
	/* Raw scans count what went out and came back, so that a rate the
	 * machine cannot reach, or replies lost, show. */
	if (!o.quiet && frames)
		fprintf(stderr,
			"sockit: scan: %" PRIu64 " frames sent (first pass at %.0f/s), %" PRIu64
			" replies\n",
			frames, first_ns ? (double)first_frames * 1e9 / (double)first_ns : 0.0,
			replies);
	if (icmp_late)
		cli_warn("ICMP rate limiting: %" PRIu64 " ports answered only when asked again "
			 "(%" PRIu64 " silent ports re-asked slowly, up to 1 probe/s)",
			 icmp_late, slowed);
	if (rc == 1 && o.resume)
		cli_warn("interrupted: run the same command again to resume from %s", o.resume);
	report_free(report);
	sk_routes_free(routes);
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
