/* sockit file recv: the receiving side of sockit's framed protocol
 * (docs/PROTOCOL.md), or one plain stream into a file with --raw. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "file_common.h"
#include "tls_opts.h"
#include "sockit/clock.h"
#include "sockit/bytes.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/parse.h"
#include "sockit/tls.h"
#include "sockit/xfer.h"

static const char usage[] =
	"usage: sockit file recv [ADDR]:PORT [-d DIR] [-k] [--overwrite] [--max-size N]\n"
	"       sockit file recv --raw [ADDR]:PORT -o FILE|- [--overwrite]\n"
	"       (either with --tls [--cert FILE --key FILE] [--alpn LIST])\n"
	"\n"
	"Receives files from `sockit file send` into DIR (default: the current\n"
	"directory).  Each file is written to DIR/.NAME.part, checked against the\n"
	"sender's digest, fsync'd, and only then renamed to NAME: a mismatch or\n"
	"a cut connection never leaves a file under its final name (a cut one\n"
	"keeps its .part for `file send --resume`).  Names with '..', absolute\n"
	"names, NUL or control bytes, and paths through a symbolic link are\n"
	"refused, and the sender is told why.  Nothing is written outside DIR.\n"
	"\n"
	"  -d DIR        where files go (must exist)\n"
	"  -k            keep accepting sessions, one after another\n"
	"  --overwrite   replace existing files, or --raw's -o FILE (default:\n"
	"                refuse them)\n"
	"  --max-size N  refuse files over N bytes (suffixes K, M, G, T: 1024s)\n"
	"  --raw         no protocol: write the one plain stream received (from\n"
	"                `nc HOST PORT < f`, say) to -o FILE, renamed into place\n"
	"                at its end; its size and SHA-256 are printed\n"
	"  -o FILE       the file --raw writes (- for stdout)\n"
	"  --tls         TLS, as `tcp listen --tls`: with --cert/--key, or an\n"
	"                ephemeral self-signed certificate whose SHA-256\n"
	"                fingerprint is printed (senders then need --insecure)\n"
	"  --cert F, --key F  the certificate and key, PEM\n"
	"  --alpn LIST   ALPN protocols accepted, in preference order\n"
	"  -4, -6        IPv4 or IPv6 only (default: both, for :PORT)\n"
	"  -w SECS       the longest wait for the sender once connected\n"
	"  -v, --verbose a line per file and per connection\n"
	"  -q, --quiet   no summary lines and no progress bars\n"
	"  -h, --help    this help\n"
	"\n"
	"`listening on ADDR:PORT` goes to stderr once the socket is bound, with\n"
	"the real port (so :0 picks a free one).\n"
	"\n"
	"examples:\n"
	"  sockit file recv :9000 -d incoming\n"
	"  sockit file recv 127.0.0.1:0 -k --max-size 1G\n"
	"  sockit file recv --raw :9000 -o disk.img      # from nc host 9000 < disk.img\n"
	"\n"
	"A connection that closes or sends something else before the protocol's\n"
	"hello is logged and does not count as the session.\n"
	"\n"
	"exit status: 0 the session completed, 1 it failed or a file was refused,\n"
	"2 usage error.\n";

struct recv_opts {
	const char *dir, *out;
	struct tcp_tls_opts tls;
	bool keep, overwrite, raw, verbose, quiet;
	uint64_t max_size, timeout_ms;
	int family;
};

/* One framed session on fd; returns 0 when it completed, 1 when a
 * connection ended before a valid hello (a port scanner's probe, say:
 * that was no session), or the error. */
static int session(struct sk_xfer_stream *s, const char *peer, int dirfd,
		   const struct recv_opts *o)
{
	struct file_progress prog;
	file_progress_init(&prog, !o->quiet && isatty(STDERR_FILENO), o->verbose,
			   "received", 0);
	struct sk_xfer_recv_opts ro = {
		.dirfd = dirfd,
		.overwrite = o->overwrite,
		.max_size = o->max_size,
		.progress = &prog.cbs,
		.hint_exists = "--overwrite replaces them",
		.hint_protocol = "a plain stream needs --raw",
	};
	struct sk_xfer_recv_stats st;
	char err[SK_ERRLEN];
	uint64_t t0 = sk_clock_ns();
	int rc = sk_xfer_recv(s, &ro, &st, err);
	file_progress_done(&prog);
	if (rc) {
		cli_warn("%s: %s", peer, err);
		return st.started ? rc : 1;
	}
	if (!o->quiet) {
		char rate[32];
		file_rate_note(st.bytes, sk_clock_ns() - t0, rate, sizeof rate);
		fprintf(stderr, "received %llu file%s, %llu bytes from %s, verified%s\n",
			(unsigned long long)st.files, st.files == 1 ? "" : "s",
			(unsigned long long)st.bytes, peer, rate);
	}
	return 0;
}

/* --raw: the whole stream into o->out (through .NAME.part, renamed at its
 * end), or straight into stdout, a device or a fifo. */
static int raw_session(struct sk_xfer_stream *s, const char *peer,
		       const struct recv_opts *o)
{
	bool to_stdout = !strcmp(o->out, "-");
	struct sk_xfer_store_opts so = { .fd = STDOUT_FILENO, .dirfd = -1,
					 .overwrite = o->overwrite,
					 .path = to_stdout ? NULL : o->out };
	struct sk_xfer_store_stats stats;
	char err[SK_ERRLEN];
	uint64_t t0 = sk_clock_ns();
	int rc = sk_xfer_store(s, &so, &stats, err);
	if (rc) {
		cli_warn("%s: %s", peer, err);
		return rc;
	}
	if (!o->quiet) {
		char hex[65], rate[32];
		sk_hex_encode(stats.sha256, 32, hex, sizeof hex);
		file_rate_note(stats.bytes, sk_clock_ns() - t0, rate, sizeof rate);
		fprintf(stderr, "received %llu bytes from %s%s, sha256 %s\n",
			(unsigned long long)stats.bytes, peer, rate, hex);
	}
	return 0;
}

int cmd_file_recv(int argc, char **argv)
{
	struct recv_opts o = { .dir = ".", .family = AF_UNSPEC };
	bool dir_given = false;
	const struct cli_opt table[] = {
		CLI_FAMILY(&o.family),
		CLI_STR('d', NULL, &o.dir, .seen = &dir_given),
		CLI_STR('o', NULL, &o.out),
		CLI_FLAG('k', NULL, &o.keep),
		CLI_MS('w', NULL, &o.timeout_ms),
		CLI_FLAG('v', "verbose", &o.verbose),
		CLI_FLAG('q', "quiet", &o.quiet),
		CLI_FLAG(0, "overwrite", &o.overwrite),
		CLI_SIZE(0, "max-size", &o.max_size, UINT64_MAX, "4096, 512K, 1G"),
		CLI_FLAG(0, "raw", &o.raw),
		TLS_SERVER_OPTS(&o.tls),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 1, 1, "missing [ADDR]:PORT to listen on");
	const char *where = argv[optind];
	if (o.raw && (!o.out || !*o.out))
		cli_usage("--raw needs -o FILE (or -o - for stdout)");
	if (!o.raw && o.out)
		cli_usage("-o goes with --raw; the protocol names its own files (use -d DIR)");
	if (o.raw && (o.keep || dir_given || o.max_size))
		cli_usage("--raw receives one stream into -o FILE; -k, -d and --max-size do not apply");
	tls_check_server(&o.tls);
	char err[SK_ERRLEN];
	struct sk_endpoint ep;
	cli_endpoint("", where, "tcp", "file recv needs [ADDR]:PORT", &ep);

	int dirfd = -1;
	if (!o.raw) {
		dirfd = open(o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			cli_fail(EXIT_FAIL, "-d %s: %s", o.dir, strerror(errno));
	} else if (strcmp(o.out, "-")) {
		struct stat st;
		bool exists = stat(o.out, &st) == 0;
		if (exists && S_ISDIR(st.st_mode))
			cli_fail(EXIT_FAIL, "-o %s: is a directory", o.out);
		/* /dev/null, a fifo: written into, never renamed over. */
		if (exists && S_ISREG(st.st_mode) && !o.overwrite)
			cli_fail(EXIT_FAIL, "%s exists (--overwrite replaces it)", o.out);
	}
	signal(SIGPIPE, SIG_IGN);
	/* Certificate files are read before listening, so a bad one fails
	 * before anyone is told to connect. */
	struct sk_tls_ctx *ctx = NULL;
	if (o.tls.on)
		ctx = tls_server_ctx(&o.tls, ep.host[0] ? ep.host : NULL);
	char bound[SK_ADDRSTRLEN];
	int lfd = sk_xfer_listen(&ep, o.family, bound, sizeof bound, err);
	if (lfd < 0)
		cli_fail(EXIT_FAIL, "%s", err);
	fprintf(stderr, "listening on %s\n", bound);
	if (ctx)
		tls_print_fingerprint(&o.tls, ctx);
	fflush(stderr);
	int status = EXIT_OK;
	for (;;) {
		char peer[SK_ADDRSTRLEN];
		struct sk_xfer_link l;
		int rc = sk_xfer_take(lfd, o.timeout_ms, ctx, &l, peer, sizeof peer, err);
		if (rc < 0)
			cli_fail(EXIT_FAIL, "%s", err);
		if (o.verbose)
			fprintf(stderr, "connection from %s\n", peer);
		if (rc) {
			cli_warn("%s: %s", peer, err); /* a failed handshake is no session */
			continue;
		}
		rc = o.raw ? raw_session(&l.s, peer, &o) : session(&l.s, peer, dirfd, &o);
		sk_xfer_link_close(&l, 0);
		if (rc == 1)
			continue; /* not a session: keep waiting for one */
		status = rc ? EXIT_FAIL : EXIT_OK;
		if (!o.keep)
			break;
	}
	close(lfd);
	sk_tls_ctx_free(ctx);
	if (dirfd >= 0)
		close(dirfd);
	return status;
}
