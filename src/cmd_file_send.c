/* sockit file send: files and directories over sockit's framed protocol
 * (docs/PROTOCOL.md), or one plain stream with --raw. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "file_common.h"
#include "tls_opts.h"
#include "sockit/clock.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/tls.h"
#include "sockit/xfer.h"

static const char usage[] =
	"usage: sockit file send HOST:PORT FILE|DIR... [--resume] [--verify D] [-4|-6] [-w D]\n"
	"                        [--idle D] [--tls [--cafile F | --insecure] [--sni NAME]]\n"
	"       sockit file send --raw HOST:PORT FILE|-\n"
	"\n"
	"Sends files to a `sockit file recv` over sockit's framed protocol: each\n"
	"file with its relative name, size, mode and mtime, checked end to end\n"
	"with XXH3-128 (or SHA-256); directories go recursively with their names\n"
	"(symbolic links and special files inside them are skipped).  The\n"
	"receiver renames a file into place only after its hash matched, and may\n"
	"refuse one (unsafe name, existing file, over its size limit): the\n"
	"reason is printed and the exit status is 1.\n"
	"\n"
	"  --resume      continue files the receiver holds part of (it offers\n"
	"                what it has and its digest; a mismatch starts over)\n"
	"  --verify D    the digest each file is checked with: xxh128 (default:\n"
	"                catches corruption at almost no cost) or sha256 (a\n"
	"                cryptographic digest).  A receiver older than protocol\n"
	"                version 2 always gets SHA-256\n"
	"  --raw         no protocol: the bytes of one FILE (or stdin for -),\n"
	"                for a receiver such as `nc -l PORT > f`\n"
	"  --tls         TLS, as `tcp connect --tls`: the receiver's certificate is\n"
	"                verified against the system's CAs and HOST\n"
	"  --cafile FILE trust the CA certificates in FILE instead (for a\n"
	"                receiver's own certificate, FILE can be that certificate)\n"
	"  --insecure    do not verify the certificate (says so on stderr)\n"
	"  --sni NAME    server name sent in the handshake (default HOST)\n"
	"  --alpn LIST   ALPN protocols offered, comma-separated\n"
	"  --cert F, --key F  a client certificate\n"
	"  -4, -6        IPv4 or IPv6 only\n"
	"  -w, --connect-timeout D  connect timeout per address, as `tcp connect\n"
	"                -w` (500ms, 2s, 1m; default 10s)\n"
	"  --idle D      once connected, give up when the receiver takes or\n"
	"                says nothing for D (default: no limit)\n"
	"  -v, --verbose a line per file\n"
	"  -q, --quiet   no summary line and no progress bars\n"
	"  -h, --help    this help\n"
	"\n"
	"Progress bars (per file and in total) show on stderr when it is a\n"
	"terminal.  The protocol is described in docs/PROTOCOL.md.\n"
	"\n"
	"examples:\n"
	"  sockit file send 127.0.0.1:9000 report.pdf photos/\n"
	"  sockit file send --resume [::1]:9000 big.iso\n"
	"  sockit file send --raw 127.0.0.1:9000 notes.txt    # to nc -l 9000 > f\n"
	"  sockit file send --tls --cafile recv.pem localhost:9000 notes.txt\n"
	"\n"
	"exit status: 0 every file stored, 1 a failure or refusal, 2 usage error.\n";

struct send_opts {
	bool resume, raw, verbose, quiet;
	enum sk_xfer_digest digest; /* --verify; 0 the protocol's default */
	struct tcp_tls_opts tls;
	int family;
	uint64_t connect_ms, idle_ms;
};

/* The sender hashes files from a mapping (sk_xfer_send_opts.map): a file
 * another program truncates under it raises SIGBUS on the missing pages.
 * That is the "file shrank while being sent" failure: say so and exit 1;
 * the receiver sees the connection end mid-file and keeps only the .part. */
static void on_sigbus(int sig)
{
	static const char msg[] =
		"sockit: file send: a file shrank while being sent (truncated by another program)\n";
	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(EXIT_FAIL);
}

/* A connection to the receiver, through TLS when asked; exits on failure. */
static void link_open(struct sk_xfer_link *l, const struct send_opts *o,
		      const struct sk_endpoint *ep, struct sk_tls_ctx *ctx)
{
	char err[SK_ERRLEN];
	struct sk_xfer_dial_opts d = { .family = o->family,
				       .connect_ms = o->connect_ms ? o->connect_ms : 10000,
				       .idle_ms = o->idle_ms, .tls = ctx, .sni = o->tls.sni };
	if (sk_xfer_dial(ep, &d, l, err))
		cli_fail(EXIT_FAIL, "%s", err);
	if (o->verbose && l->tls) {
		char desc[128];
		sk_tls_describe(sk_xfer_tls_engine(l->tls), desc, sizeof desc);
		fprintf(stderr, "TLS: %s\n", desc);
	}
}

/* Connects and runs one protocol session. */
static int send_session(const struct send_opts *o, const struct sk_endpoint *ep,
			struct sk_tls_ctx *ctx, const struct sk_xfer_list *list,
			const struct sk_xfer_send_opts *so, char *err)
{
	struct sk_xfer_link l;
	link_open(&l, o, ep, ctx);
	int rc = sk_xfer_send(&l.s, list, so, err);
	sk_xfer_link_close(&l, 0);
	return rc;
}

/* --raw: the bytes of one file (or stdin) and nothing else. */
static int raw_copy(const struct send_opts *o, const struct sk_endpoint *ep,
		    struct sk_tls_ctx *ctx, const char *target, const char *path)
{
	char rate[32];
	uint64_t t0 = sk_clock_ns();
	struct sk_xfer_link l;
	link_open(&l, o, ep, ctx);
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		cli_fail(EXIT_FAIL, "%s: %s", path, strerror(errno));
	uint64_t sent = 0;
	bool input_failed;
	int rc = sk_xfer_raw_send(&l.s, fd, &sent, &input_failed);
	if (rc && input_failed)
		cli_fail(EXIT_FAIL, "%s: %s", path, sk_strerror(rc));
	if (rc)
		cli_fail(EXIT_FAIL, "%s: sending: %s", target, sk_strerror(rc));
	if (fd != STDIN_FILENO)
		close(fd);
	sk_xfer_link_close(&l, o->idle_ms ? o->idle_ms : 5000);
	file_rate_note(sent, sk_clock_ns() - t0, rate, sizeof rate);
	if (!o->quiet)
		fprintf(stderr, "sent %llu bytes%s\n", (unsigned long long)sent, rate);
	return EXIT_OK;
}

static void take_digest(const struct cli_opt *opt, const char *text)
{
	if (sk_xfer_digest_parse(text, opt->to))
		cli_usage("--verify %s: not a digest (sha256 or xxh128)", text);
}

int cmd_file_send(int argc, char **argv)
{
	struct send_opts o = { .family = AF_UNSPEC };
	const struct cli_opt table[] = {
		CLI_FAMILY(&o.family),
		CLI_MS('w', "connect-timeout", &o.connect_ms, .label = "-w"),
		CLI_MS(0, "idle", &o.idle_ms),
		CLI_CALL(0, "verify", take_digest, &o.digest),
		CLI_FLAG('v', "verbose", &o.verbose),
		CLI_FLAG('q', "quiet", &o.quiet),
		CLI_FLAG(0, "resume", &o.resume),
		CLI_FLAG(0, "raw", &o.raw),
		TLS_CLIENT_OPTS(&o.tls),
	};
	cli_parse(argc, argv, table, usage);
	if (optind >= argc)
		cli_usage("missing HOST:PORT");
	const char *target = argv[optind++];
	if (optind >= argc)
		cli_usage("missing FILE (or DIR) to send");
	if (o.raw && argc - optind != 1)
		cli_usage("--raw sends exactly one FILE (or - for stdin)");
	if (o.raw && o.resume)
		cli_usage("--resume needs the protocol; it does not go with --raw");
	tls_check_client(&o.tls);
	char err[SK_ERRLEN];
	struct sk_endpoint ep;
	cli_endpoint("", target, "tcp", "file send needs HOST:PORT", &ep);
	if (ep.port == 0)
		cli_usage("%s: port 0 cannot be connected to", target);

	struct sk_xfer_list list = { 0 };
	if (!o.raw)
		for (int i = optind; i < argc; i++)
			if (sk_xfer_list_add(&list, argv[i], err))
				cli_fail(EXIT_FAIL, "%s", err);
	if (list.skipped && !o.quiet)
		cli_warn("skipped %zu symbolic links or special files", list.skipped);

	/* Certificate files are read before connecting. */
	struct sk_tls_ctx *ctx = o.tls.on ? tls_client_ctx(&o.tls, "the receiver") : NULL;
	if (o.raw) {
		int status = raw_copy(&o, &ep, ctx, target, argv[optind]);
		sk_tls_ctx_free(ctx);
		return status;
	}
	uint64_t t0 = sk_clock_ns();
	char rate[32];

	struct file_progress prog;
	file_progress_init(&prog, !o.quiet && isatty(STDERR_FILENO), o.verbose, "sent",
			   list.total);
	struct sigaction sa = { .sa_handler = on_sigbus };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	struct sk_xfer_send_opts so = { .resume = o.resume, .map = true, .digest = o.digest,
					.progress = &prog.cbs };
	int rc = send_session(&o, &ep, ctx, &list, &so, err);
	if (rc == SK_EXFEROLD) {
		/* A receiver from before the digest negotiation: it speaks
		 * version 1, which is SHA-256. */
		if (o.verbose)
			fprintf(stderr, "the receiver speaks protocol version 1: sending again "
					"with SHA-256\n");
		so.version = 1;
		rc = send_session(&o, &ep, ctx, &list, &so, err);
	}
	file_progress_done(&prog);
	if (rc) {
		sk_xfer_list_free(&list);
		cli_fail(EXIT_FAIL, "%s", err);
	}
	size_t files = 0, dirs = 0;
	for (size_t i = 0; i < list.count; i++)
		list.items[i].dir ? dirs++ : files++;
	/* Bytes of a resumed file the receiver already held were not sent:
	 * count them apart, as the receiver does. */
	uint64_t moved = prog.done_before - prog.resumed;
	file_rate_note(moved, sk_clock_ns() - t0, rate, sizeof rate);
	char resumed[48] = "";
	if (prog.resumed)
		snprintf(resumed, sizeof resumed, " (%llu resumed)",
			 (unsigned long long)prog.resumed);
	if (!o.quiet)
		fprintf(stderr, "sent %zu file%s%s, %llu bytes%s, verified%s\n", files,
			files == 1 ? "" : "s",
			dirs ? (dirs == 1 ? " in 1 directory" : " in directories") : "",
			(unsigned long long)moved, resumed, rate);
	sk_xfer_list_free(&list);
	sk_tls_ctx_free(ctx);
	return EXIT_OK;
}
