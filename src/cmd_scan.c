/* sockit scan: the port scanner. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "scan_report.h"
#include "sockit/bytes.h"
#include "sockit/error.h"
#include "sockit/scan.h"

static const char usage[] =
	"usage: sockit scan TARGET... [options]\n"
	"\n"
	"Finds open ports.  TARGET is an address, a CIDR block (198.18.0.0/24), a\n"
	"range (198.18.0.1-20, 198.18.0.1-198.18.1.5) or a name (every address it\n"
	"resolves to).  Probes go in a random order; one result per probe.\n"
	"\n"
	"  -p PORTS             22,80,1000-2000; -p- for 1-65535; names (http);\n"
	"                       T:80,443 (default: the top 1000 ports by nmap's\n"
	"                       frequency table, or a built-in top 100)\n"
	"  --top-ports N        the N most frequent ports\n"
	"  --connect            TCP connect scan (needs no privileges)\n"
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
	"  --rate PPS           most probes per second (default: no limit)\n"
	"  --retries N          send unanswered probes again N times (default 2)\n"
	"  --timeout DUR        longest wait for an answer (default 3s; the\n"
	"                       wait adapts to measured round trips below it)\n"
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
	"reason (syn-ack, conn-refused, no-response, host-unreach...).\n"
	"\n"
	"examples:\n"
	"  sockit scan 127.0.0.1 -p-\n"
	"  sockit scan localhost -p 22,80,8000-8100 --json\n"
	"  sockit scan 198.18.0.0/24 -p 80 --shard 1/4 --seed 7\n"
	"  sockit scan 127.0.0.1 -p 22 --banner\n"
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
		OPT_THREADS, OPT_BANNER, OPT_BTIMEOUT, OPT_PROBE, OPT_JSON, OPT_GREP, OPT_ALL, OPT_RATE,
	};
	static const struct option longopts[] = {
		{ "ports", required_argument, NULL, 'p' },
		{ "top-ports", required_argument, NULL, OPT_TOP },
		{ "connect", no_argument, NULL, OPT_CONNECT },
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
		case OPT_CONNECT: break;
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
		case OPT_RESUME: o->resume = optarg; break;
		case OPT_CONC: o->concurrency = (unsigned)cli_number("--concurrency", optarg, 1, 1u << 20); break;
		case OPT_RATE: o->rate = cli_number("--rate", optarg, 1, 100000000); break;
		case OPT_RETRIES: o->retries = (unsigned)cli_number("--retries", optarg, 0, 20); break;
		case OPT_TIMEOUT: o->timeout_ms = cli_duration_ms("--timeout", optarg); break;
		case OPT_MINTIMEOUT: o->min_timeout_ms = cli_duration_ms("--min-timeout", optarg); break;
		case OPT_THREADS: o->threads = (unsigned)cli_number("--threads", optarg, 1, 2); break;
		case OPT_BANNER: o->banner = true; break;
		case OPT_BTIMEOUT: o->banner_timeout_ms = cli_duration_ms("--banner-timeout", optarg); break;
		case OPT_PROBE: probe = optarg; break;
		case OPT_JSON: o->fmt = REPORT_JSON; break;
		case OPT_GREP: o->fmt = REPORT_GREPABLE; break;
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

static struct sk_ports *build_ports(const struct scan_opts *o)
{
	struct sk_ports *p = calloc(1, sizeof *p);
	char err[SK_ERRLEN];
	if (!p)
		cli_fail(EXIT_FAIL, "out of memory");
	if (o->ports) {
		if (sk_ports_parse(p, o->ports, SK_PROTO_TCP, err))
			cli_fail(EXIT_USAGE, "-p %s", err);
	} else {
		sk_ports_top(p, SK_PROTO_TCP, o->top ? o->top : 1000, NULL);
	}
	if (sk_ports_finish(p, err))
		cli_fail(EXIT_USAGE, "%s", err);
	for (uint32_t i = 0; i < p->count; i++)
		if (p->list[i] >> 16 == SK_PROTO_UDP)
			cli_fail(EXIT_USAGE, "-p %s: UDP ports cannot be scanned with --connect",
				 o->ports);
	return p;
}

struct run {
	const struct scan_opts *o;
	struct report *report;
	struct sk_checkpoint ckpt;
	uint64_t steps;
	uint64_t started_ns, last_ckpt_ns;
	bool progress;
	bool bar_shown;
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
	if (sk_checkpoint_write(run->o->resume, &run->ckpt, err))
		cli_warn("--resume %s", err);
}

static void on_progress(const struct sk_scan_stats *s, void *ctx)
{
	struct run *run = ctx;
	uint64_t now = mono_ns();
	if (run->o->fmt == REPORT_JSON)
		fflush(stdout);
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

int cmd_scan(int argc, char **argv)
{
	struct scan_opts o;
	parse_opts(argc, argv, &o);
	struct sk_targets *targets = build_targets(&o);
	struct sk_ports *ports = build_ports(&o);
	char err[SK_ERRLEN];

	struct sk_plan plan;
	uint64_t seed = o.have_seed ? o.seed : random_seed();
	if (sk_plan_init(&plan, targets, ports, seed, o.shard_index, o.shard_count, err))
		cli_fail(EXIT_USAGE, "%s", err);
	uint64_t start = 0;
	struct sk_checkpoint ckpt = { 0 };
	if (o.resume) {
		struct sk_checkpoint old;
		int rc = sk_checkpoint_read(o.resume, &old, err);
		if (rc && rc != -ENOENT)
			cli_fail(EXIT_USAGE, "--resume %s", err);
		if (rc == 0) {
			if (o.have_seed && old.seed != o.seed)
				cli_fail(EXIT_USAGE, "--resume %s: written with --seed %" PRIu64,
					 o.resume, old.seed);
			seed = old.seed;
			sk_plan_init(&plan, targets, ports, seed, o.shard_index, o.shard_count, err);
			if (old.fingerprint != sk_plan_fingerprint(&plan, 0) ||
			    old.shard_index != o.shard_index || old.shard_count != o.shard_count)
				cli_fail(EXIT_USAGE,
					 "--resume %s: written by a different scan (targets, ports or shard differ)",
					 o.resume);
			start = old.next;
		}
		ckpt = (struct sk_checkpoint){ sk_plan_fingerprint(&plan, 0), seed, o.shard_index,
					       o.shard_count, 0, start };
	}

	struct report *report = report_new(stdout, o.fmt, o.all, o.banner);
	if (!report)
		cli_fail(EXIT_FAIL, "out of memory");
	struct run run = {
		.o = &o,
		.report = report,
		.ckpt = ckpt,
		.steps = plan.steps,
		.started_ns = mono_ns(),
		.progress = !o.quiet && isatty(2),
	};
	run.last_ckpt_ns = run.started_ns;
	if (o.resume)
		save_checkpoint(&run, start);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct sk_connect_opts co = {
		.plan = &plan,
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
	struct sk_scan_stats stats;
	int rc = sk_scan_connect(&co, &stats, err);
	if (run.bar_shown)
		fputs("\r\033[K", stderr);
	if (rc < 0)
		cli_fail(EXIT_FAIL, "%s", err);
	save_checkpoint(&run, stats.resume);
	report_finish(report);
	double secs = (double)(mono_ns() - run.started_ns) / 1e9;
	uint64_t open = report_open_count(report);
	if (!o.quiet)
		fprintf(stderr,
			"sockit: scan: %" PRIu64 " probes (%" PRIu64 " retried) in %.2fs, %" PRIu64
			" open%s\n",
			stats.done, stats.retries, secs, open,
			rc == 1 ? "; interrupted" : "");
	if (rc == 1 && o.resume)
		cli_warn("interrupted: run the same command again to resume from %s", o.resume);
	report_free(report);
	sk_ports_free(ports);
	free(ports);
	sk_targets_free(targets);
	free(o.probe);
	free(o.targets);
	free(o.excludes);
	if (rc == 1)
		return EXIT_FAIL;
	return open ? EXIT_OK : EXIT_FAIL;
}
