/* sockit http get: one URL over HTTP/1.1, following redirects when asked,
 * the body to stdout or to FILE via FILE.part. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sockit/clock.h"
#include "sockit/progress.h"
#include "status.h"
#include "tls_opts.h"
#include "sockit/error.h"
#include "sockit/http.h"
#include "sockit/http_io.h"
#include "sockit/outfile.h"

#define MAX_HEADERS 64
#define MAX_RESOLVE 16

static const char usage[] =
	"usage: sockit http get URL [-o FILE] [-i | -I] [-H 'Name: value']... [-L]\n"
	"                       [--raw] [-w TIME] [-4 | -6] [--fail-never]\n"
	"                       [--cafile FILE | --insecure] [--resolve HOST:PORT:ADDR]...\n"
	"\n"
	"Fetches URL (http:// or https://HOST[:PORT]/PATH) with one HTTP/1.1 GET\n"
	"and writes the body to stdout.  Bodies sized by Content-Length, chunked\n"
	"or ended by the connection closing are all read to their exact end.\n"
	"https verifies the server's certificate and name by default.\n"
	"http://user:password@host/ sends Basic authentication to that origin.\n"
	"An international HOST is sent in its ASCII (xn--) form, as curl does.\n"
	"\n"
	"  -o, --output FILE   write the body to FILE.part, renamed to FILE only\n"
	"                      when the body is complete and the status is 2xx/3xx;\n"
	"                      FILE.part is removed on failure or interruption\n"
	"                      (there is no resume)\n"
	"  -i, --include       print the status line and headers before the body\n"
	"                      (with -L, those of every hop)\n"
	"  -I, --head          send HEAD and print the status line and headers\n"
	"  -H, --header LINE   add a header; 'Name:' alone removes a default one\n"
	"                      (Host, User-Agent, Accept)\n"
	"  -L, --location      follow redirects (301, 302, 303, 307, 308)\n"
	"      --max-redirs N  at most N redirects (default 10)\n"
	"      --raw           print the exact bytes sent and received, the\n"
	"                      response split into header and body\n"
	"  -w, --timeout TIME  connect timeout, and longest wait for data (2s, 500ms)\n"
	"  -4, -6              IPv4 or IPv6 only\n"
	"      --fail-never    exit 0 whenever a response arrived\n"
	"      --cafile FILE   trust the CAs in FILE (PEM) instead of the system's\n"
	"  -k, --insecure      https without any certificate check (says so on\n"
	"                      stderr)\n"
	"      --resolve HOST:PORT:ADDR\n"
	"                      connect to address ADDR for HOST:PORT, as curl's\n"
	"                      --resolve; Host and TLS still name HOST\n"
	"  -q, --quiet         no progress bar\n"
	"  -h, --help          this help\n"
	"\n"
	"examples:\n"
	"  sockit http get http://127.0.0.1:8000/\n"
	"  sockit http get -i localhost:8000/hello.txt\n"
	"  sockit http get -L -o page.html http://127.0.0.1:8000/docs\n"
	"  sockit http get --raw http://127.0.0.1:8000/hello.txt\n"
	"  sockit http get --cafile ca.pem https://localhost:8443/\n"
	"\n"
	"exit status: 0 a 2xx or 3xx response, 1 an error status, a failed or\n"
	"incomplete transfer, 2 usage error.\n";

struct get {
	/* options */
	const char *output;
	bool include, head, follow, raw, fail_never, quiet;
	unsigned max_redirs;
	uint64_t timeout_ms;
	int family;
	bool insecure;
	const char *cafile;
	const char *headers[MAX_HEADERS];
	size_t nheaders;
	struct sk_http_resolve resolve[MAX_RESOLVE];
	size_t nresolve;

	/* the transfer in progress */
	struct sk_http_parser *parser; /* the current hop's response */
	char shown[SK_URL_MAXLEN];     /* the current hop's URL */
	int out_fd;	       /* stdout, or out's */
	struct sk_outfile out; /* -o FILE; fd -1 without */
	bool write_failed;
	bool show_progress;
	int64_t total;     /* the body's length, -1 unknown */
	uint64_t start_ns; /* of the body */
	/* --raw */
	struct sk_str pending; /* received bytes not shown yet */
	bool head_shown;
	uint64_t wire_body;
	bool last_newline;
	char peer[SK_ADDRSTRLEN];
};

static void out_write(struct get *g, int fd, const void *p, size_t n)
{
	if (n && !g->write_failed && !cli_write_all(fd, p, n))
		g->write_failed = true;
}

static void out_str(struct get *g, const char *s)
{
	out_write(g, STDOUT_FILENO, s, strlen(s));
}

/* The bar: bytes, rate, and the percentage and ETA when the length is
 * known, redrawn when due (or now, with force). */
static void progress(struct get *g, bool force)
{
	struct sk_progress sp = {
		.done = sk_http_body_bytes(g->parser),
		.total = g->total > 0 ? (uint64_t)g->total : 0,
		.elapsed_ms = (sk_clock_ns() - g->start_ns) / 1000000u,
		.bytes = true,
	};
	status_progress("", &sp, "", force);
}

static void print_head(struct get *g)
{
	struct sk_str s = { 0 };
	struct sk_http_parser *p = g->parser;
	sk_str_printf(&s, "HTTP/%d.%d %d%s%s\r\n", sk_http_version_major(p),
		      sk_http_version_minor(p), sk_http_status(p),
		      *sk_http_reason(p) ? " " : "", sk_http_reason(p));
	for (size_t i = 0; i < sk_http_trailer_start(p); i++) {
		const struct sk_http_header *h = sk_http_header_at(p, i);
		sk_str_printf(&s, "%s: %s\r\n", h->name, h->value);
	}
	sk_str_puts(&s, "\r\n");
	if (s.p)
		out_write(g, STDOUT_FILENO, s.p, s.len);
	sk_str_free(&s);
}

static int on_head(void *ctx, struct sk_http_parser *p, bool redirect)
{
	struct get *g = ctx;
	g->parser = p;
	/* Every hop's head is shown, as curl -L -i does. */
	if ((g->include || g->head) && !g->raw)
		print_head(g);
	if (redirect)
		return 0;
	if (g->show_progress) {
		g->total = sk_http_content_length(g->parser);
		g->start_ns = sk_clock_ns();
		status_begin();
	}
	return 0;
}

/* --raw: shows what arrived so far, split at the end of the head. */
static void raw_flush_head(struct get *g)
{
	if (g->head_shown)
		return;
	uint64_t head = sk_http_head_bytes(g->parser);
	if (head > g->pending.len)
		head = g->pending.len;
	char line[128];
	snprintf(line, sizeof line, "--- response header (%llu bytes) ---\n",
		 (unsigned long long)head);
	out_str(g, line);
	out_write(g, STDOUT_FILENO, g->pending.p, (size_t)head);
	out_str(g, "--- response body (as it crossed the socket) ---\n");
	size_t rest = g->pending.len - (size_t)head;
	out_write(g, STDOUT_FILENO, g->pending.p + head, rest);
	g->wire_body = rest;
	if (rest)
		g->last_newline = g->pending.p[g->pending.len - 1] == '\n';
	else
		g->last_newline = true;
	sk_str_clear(&g->pending);
	g->head_shown = true;
}

static int on_body(void *ctx, struct sk_http_parser *p, const uint8_t *data, size_t n)
{
	struct get *g = ctx;
	(void)p;
	if (g->raw) {
		raw_flush_head(g);
		if (!g->output)
			return 0; /* the wire bytes are the output */
	}
	out_write(g, g->out_fd, data, n);
	if (g->show_progress)
		progress(g, false);
	return g->write_failed ? 1 : 0;
}

static void on_wire(void *ctx, enum sk_http_dir dir, const uint8_t *data, size_t n)
{
	struct get *g = ctx;
	char line[128];
	if (dir == SK_HTTP_SENT) {
		snprintf(line, sizeof line, "--- request (%zu bytes) ---\n", n);
		out_str(g, line);
		out_write(g, STDOUT_FILENO, data, n);
		return;
	}
	if (!g->head_shown) {
		if (sk_str_append(&g->pending, (const char *)data, n))
			g->write_failed = true;
		return;
	}
	out_write(g, STDOUT_FILENO, data, n);
	g->wire_body += n;
	g->last_newline = data[n - 1] == '\n';
}

static void on_connected(void *ctx, const struct sockaddr *peer)
{
	struct get *g = ctx;
	sk_sockaddr_format(peer, true, g->peer, sizeof g->peer);
}

/* The FILE.part an interrupted transfer must not leave behind: there is
 * no resume to use it, and a stale piece would only mislead. */
static const char *volatile part_on_signal;

static void remove_part_and_die(int sig)
{
	const char *part = part_on_signal;
	if (part)
		unlink(part);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void open_output(struct get *g)
{
	char err[SK_ERRLEN];
	g->out_fd = STDOUT_FILENO;
	if (!g->output || !strcmp(g->output, "-"))
		return;
	int rc = sk_outfile_open(&g->out, g->output, err);
	if (rc)
		cli_fail(rc == -ENAMETOOLONG ? EXIT_USAGE : EXIT_FAIL, "%s", err);
	g->out_fd = g->out.fd;
	if (!g->out.part)
		return;
	part_on_signal = g->out.part_path;
	struct sigaction sa = { .sa_handler = remove_part_and_die };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static noreturn void fail_transfer(struct get *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_transfer(struct get *g, const char *fmt, ...)
{
	if (g->show_progress)
		status_end(true);
	part_on_signal = NULL;
	sk_outfile_abort(&g->out);
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cli_fail(EXIT_FAIL, "%s", msg);
}

/* --resolve HOST:PORT:ADDR, as curl's. */
static void parse_resolve(const struct cli_opt *opt, const char *arg)
{
	struct get *g = opt->to;
	char err[SK_ERRLEN];
	if (g->nresolve == MAX_RESOLVE)
		cli_usage("more than %d --resolve", MAX_RESOLVE);
	if (sk_http_resolve_parse(arg, &g->resolve[g->nresolve++], err))
		cli_usage("--resolve %s", err);
}

static void add_header(const struct cli_opt *opt, const char *text)
{
	struct get *g = opt->to;
	char err[SK_ERRLEN];
	if (g->nheaders == MAX_HEADERS)
		cli_usage("more than %d headers", MAX_HEADERS);
	if (sk_http_header_check(text, err))
		cli_usage("-H: %s", err);
	g->headers[g->nheaders++] = text;
}

static void parse_args(struct get *g, int argc, char **argv, const char **url)
{
	const struct cli_opt table[] = {
		CLI_STR('o', "output", &g->output),
		CLI_FLAG('i', "include", &g->include),
		CLI_FLAG('I', "head", &g->head),
		CLI_CALL('H', "header", add_header, g),
		CLI_FLAG('L', "location", &g->follow),
		CLI_NUM(0, "max-redirs", &g->max_redirs, 0, 1000),
		CLI_FLAG(0, "raw", &g->raw),
		CLI_MS('w', "timeout", &g->timeout_ms, .label = "-w"),
		CLI_FAMILY(&g->family),
		CLI_FLAG(0, "fail-never", &g->fail_never),
		CLI_FLAG('q', "quiet", &g->quiet),
		CLI_FLAG('k', "insecure", &g->insecure),
		CLI_STR(0, "cafile", &g->cafile),
		CLI_CALL(0, "resolve", parse_resolve, g),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 1, 1, "needs a URL");
	*url = argv[optind];
	if (g->raw && (g->include || g->head))
		cli_usage("--raw already shows the headers; drop -i/-I, or use --raw with -o");
	if (g->head && g->output)
		cli_usage("-I fetches no body: -o has nothing to write");
	if (g->insecure && g->cafile)
		cli_usage("--insecure turns verification off: --cafile would not be used");
}

/* Before each hop: a new response to show, and a word about --insecure. */
static void on_request(void *ctx, const struct sk_url *url)
{
	struct get *g = ctx;
	g->head_shown = false;
	sk_str_clear(&g->pending);
	sk_url_format(url, g->shown, sizeof g->shown);
	if (url->https && g->insecure) {
		char where[SK_HOSTLEN + 16];
		sk_url_authority(url, where, sizeof where);
		cli_warn("warning: the certificate of %s is not checked (--insecure)", where);
	}
}

int cmd_http_get(int argc, char **argv)
{
	struct get g = { .max_redirs = 10, .family = AF_UNSPEC, .out = { .fd = -1 } };
	const char *text;
	char err[SK_ERRLEN];
	struct sk_url url;
	parse_args(&g, argc, argv, &text);
	if (sk_url_parse(text, &url, err))
		cli_usage("URL '%s': %s", text, err);
	open_output(&g);
	g.show_progress = g.out.part && !g.quiet && isatty(STDERR_FILENO);
	struct sk_http_get_opts o = {
		.url = &url, .head = g.head, .headers = g.headers, .nheaders = g.nheaders,
		.follow = g.follow, .max_redirs = g.max_redirs, .resolve = g.resolve,
		.nresolve = g.nresolve, .family = g.family, .timeout_ms = g.timeout_ms,
		.cafile = g.cafile, .insecure = g.insecure, .ctx = &g,
		.on_request = on_request, .on_head = on_head, .on_body = on_body,
		.on_connected = on_connected, .on_wire = g.raw ? on_wire : NULL,
	};
	struct sk_http_parser *p;
	int rc = sk_http_get(&o, &p, err);
	g.parser = p;
	if (g.raw && rc == 0) {
		raw_flush_head(&g);
		char line[160];
		snprintf(line, sizeof line, "%s--- end (%llu body bytes on the wire, %llu decoded) ---\n",
			 g.last_newline ? "" : "\n", (unsigned long long)g.wire_body,
			 (unsigned long long)sk_http_body_bytes(p));
		out_str(&g, line);
	}
	if (g.write_failed)
		fail_transfer(&g, "%s: %s", g.out.part ? g.out.part_path : "stdout",
			      strerror(errno ? errno : EIO));
	if (rc == SK_ELIMIT)
		fail_transfer(&g, "%s (--max-redirs %u)", err, g.max_redirs);
	if (rc < 0 && !g.peer[0]) /* the TLS context: CA file, ALPN */
		cli_name_option(err, sizeof err, tls_subjects);
	if (rc == SK_EURL)
		cli_usage("%s", err); /* the URL's user or password */
	if (rc < 0)
		fail_transfer(&g, "%s", err);
	if (g.show_progress)
		progress(&g, true);
	int status = sk_http_status(p);
	if ((status < 200 || status >= 400) && !g.fail_never) {
		char reason[128];
		snprintf(reason, sizeof reason, "%s", sk_http_reason(p));
		sk_http_parser_free(p);
		fail_transfer(&g, "%s: %d%s%s", g.shown, status, *reason ? " " : "", reason);
	}
	sk_http_parser_free(p);
	if (g.show_progress)
		status_end(true); /* the last state stays on its own line */
	if (g.out.fd >= 0 && sk_outfile_commit(&g.out, err))
		cli_fail(EXIT_FAIL, "%s", err);
	sk_str_free(&g.pending);
	return EXIT_OK;
}
