/* sockit http serve: the files under DIR over HTTP/1.1, for demos and
 * tests.  The library does the serving; this file prints. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "commands.h"
#include "sockit/error.h"
#include "sockit/http_io.h"

static const char usage[] =
	"usage: sockit http serve [DIR] [--bind ADDR:PORT] [-4 | -6] [-q]\n"
	"                         [--idle-timeout T] [--header-timeout T] [--max-per-addr N]\n"
	"\n"
	"Serves the files under DIR (default: the current directory) to GET and\n"
	"HEAD requests: directory listings (index.html when there is one), single\n"
	"byte ranges (206, 416), Content-Type by extension, keep-alive, bodies\n"
	"sent with sendfile.  ETag and Last-Modified validators: If-None-Match and\n"
	"If-Modified-Since get 304, a stale If-Range gets the whole file.  Requests\n"
	"are checked as RFC 9112 asks (one Host, token header names: else 400;\n"
	"HTTP/2.0 or HTTP/0.9 lines: 505; long targets: 414); Expect: 100-continue\n"
	"is answered at once.  Nothing outside DIR is ever served: '..' in any\n"
	"spelling gets 403, and symbolic links are followed only while they stay\n"
	"inside DIR.  Prints 'listening on ADDR:PORT' on stderr for each address\n"
	"(':PORT' is two: 0.0.0.0 and [::]), then one line per request:\n"
	"PEER \"METHOD TARGET HTTP/1.x\" STATUS BYTES.\n"
	"\n"
	"  -b, --bind ADDR:PORT   where to listen (default 127.0.0.1:8000; port 0\n"
	"                         picks a free port; ':PORT' means every interface)\n"
	"  -4, -6                 IPv4 or IPv6 only\n"
	"      --idle-timeout T   close keep-alive connections idle this long (60s)\n"
	"      --header-timeout T  a request head must be whole within T from its\n"
	"                         first byte (from the connection's start for the\n"
	"                         first request), else 408 and close (30s; 0: none)\n"
	"      --max-per-addr N   connections from one address at once; more get\n"
	"                         503 with Retry-After (default 256; 0: no cap)\n"
	"  -q, --quiet            no per-request log lines\n"
	"  -h, --help             this help\n"
	"\n"
	"Stops on SIGINT or SIGTERM.\n"
	"\n"
	"examples:\n"
	"  sockit http serve\n"
	"  sockit http serve ./public --bind :8080\n"
	"  sockit http serve /srv/files --bind 127.0.0.1:0\n"
	"\n"
	"exit status: 0 stopped by a signal, 1 could not start, 2 usage error.\n";

struct serve {
	bool quiet;
};

static void on_listening(void *ctx, const struct sockaddr *addr)
{
	(void)ctx;
	char buf[SK_ADDRSTRLEN];
	sk_sockaddr_format(addr, true, buf, sizeof buf);
	fprintf(stderr, "listening on %s\n", buf);
	fflush(stderr);
}

static void on_request(void *ctx, const struct sk_http_log *e)
{
	(void)ctx;
	if (e->method[0])
		fprintf(stderr, "%s \"%s %s HTTP/1.%d\" %d %llu\n", e->peer, e->method,
			e->target, e->version_minor, e->status, (unsigned long long)e->bytes);
	else
		fprintf(stderr, "%s (bad request) %d %llu\n", e->peer, e->status,
			(unsigned long long)e->bytes);
	fflush(stderr);
}

static void on_notice(void *ctx, const char *msg)
{
	(void)ctx;
	cli_warn("%s", msg);
}

int cmd_http_serve(int argc, char **argv)
{
	struct serve s = { false };
	const char *bind = "127.0.0.1:8000";
	int family = AF_UNSPEC;
	uint64_t idle = 60000, header = 30000;
	uint32_t per_addr = 256;
	const struct cli_opt table[] = {
		CLI_STR('b', "bind", &bind),
		CLI_MS(0, "idle-timeout", &idle),
		CLI_MS(0, "header-timeout", &header),
		CLI_NUM(0, "max-per-addr", &per_addr, 0, 1000000),
		CLI_FAMILY(&family),
		CLI_FLAG('q', "quiet", &s.quiet),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 0, 1, NULL);
	const char *root = optind < argc ? argv[optind] : ".";
	struct sk_endpoint ep;
	char err[SK_ERRLEN];
	if (sk_endpoint_parse(bind, "tcp", &ep, err))
		cli_usage("--bind: %s", err);
	if (ep.kind != SK_ENDPOINT_INET)
		cli_usage("--bind: expected ADDR:PORT");
	/* Many keep-alive clients need many descriptors. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct sk_http_serve_opts o = {
		.root = root,
		.bind = &ep,
		.family = family,
		.idle_timeout_ms = idle,
		.header_timeout_ms = header,
		.max_per_addr = per_addr,
		.ctx = &s,
		.on_listening = on_listening,
		/* Quiet: no callback, so the engine does not even format the
		 * peer's address per request. */
		.on_request = s.quiet ? NULL : on_request,
		.on_notice = on_notice,
	};
	if (sk_http_serve(&o, err) < 0)
		cli_fail(EXIT_FAIL, "%s", err);
	return EXIT_OK;
}
