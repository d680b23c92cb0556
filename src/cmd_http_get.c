/* sockit http get: one URL over HTTP/1.1, following redirects when asked,
 * the body to stdout or to FILE via FILE.part. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "http_progress.h"
#include "tls_opts.h"
#include "sockit/error.h"
#include "sockit/http.h"
#include "sockit/http_io.h"
#include "sockit/idna.h"

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
	struct sk_tls_ctx *tls; /* made on the first https URL */
	const char *headers[MAX_HEADERS];
	size_t nheaders;
	struct resolve {
		char host[SK_HOSTLEN]; /* ASCII form */
		uint16_t port;
		char addr[INET6_ADDRSTRLEN];
	} resolve[MAX_RESOLVE];
	size_t nresolve;

	/* the transfer in progress */
	struct sk_url url;
	struct sk_http_parser *parser;
	bool following; /* this response is a redirect we will follow */
	int out_fd;
	bool out_is_file; /* writing FILE.part */
	char part[4096];
	bool write_failed;
	struct progress progress;
	bool show_progress;
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

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 ||
	       status == 308;
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

static int on_head(void *ctx)
{
	struct get *g = ctx;
	int status = sk_http_status(g->parser);
	g->following = g->follow && is_redirect(status) &&
		       sk_http_header_get(g->parser, "Location");
	/* Every hop's head is shown, as curl -L -i does. */
	if ((g->include || g->head) && !g->raw)
		print_head(g);
	if (g->following)
		return 0;
	if (g->show_progress)
		progress_start(&g->progress, sk_http_content_length(g->parser));
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

static int on_body(void *ctx, const uint8_t *data, size_t n)
{
	struct get *g = ctx;
	if (g->following)
		return 0;
	if (g->raw) {
		raw_flush_head(g);
		if (!g->output)
			return 0; /* the wire bytes are the output */
	}
	out_write(g, g->out_fd, data, n);
	if (g->show_progress)
		progress_update(&g->progress, sk_http_body_bytes(g->parser), false);
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
	g->out_fd = STDOUT_FILENO;
	g->out_is_file = false;
	if (!g->output || !strcmp(g->output, "-"))
		return;
	struct stat st;
	if (stat(g->output, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* /dev/null, a fifo, a terminal: write there directly. */
		if (S_ISDIR(st.st_mode))
			cli_fail(EXIT_FAIL, "%s: is a directory", g->output);
		g->out_fd = open(g->output, O_WRONLY | O_CLOEXEC);
		if (g->out_fd < 0)
			cli_fail(EXIT_FAIL, "%s: %s", g->output, strerror(errno));
		return;
	}
	int n = snprintf(g->part, sizeof g->part, "%s.part", g->output);
	if (n < 0 || (size_t)n >= sizeof g->part)
		cli_fail(EXIT_USAGE, "%s: file name too long", g->output);
	g->out_fd = open(g->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (g->out_fd < 0)
		cli_fail(EXIT_FAIL, "%s: %s", g->part, strerror(errno));
	g->out_is_file = true;
	part_on_signal = g->part;
	struct sigaction sa = { .sa_handler = remove_part_and_die };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Throws away what a followed redirect wrote (nothing, normally). */
static void discard_output(struct get *g)
{
	if (g->out_is_file) {
		close(g->out_fd);
		unlink(g->part);
		part_on_signal = NULL;
		g->out_is_file = false;
		g->out_fd = -1;
	}
}

static noreturn void fail_transfer(struct get *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_transfer(struct get *g, const char *fmt, ...)
{
	if (g->show_progress)
		progress_end(&g->progress);
	discard_output(g);
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cli_fail(EXIT_FAIL, "%s", msg);
}

/* --resolve HOST:PORT:ADDR (curl's): ADDR is a numeric address, IPv6 in
 * brackets or not; HOST may be an international name. */
static void parse_resolve(const struct cli_opt *opt, const char *arg)
{
	struct get *g = opt->to;
	if (g->nresolve == MAX_RESOLVE)
		cli_usage("more than %d --resolve", MAX_RESOLVE);
	struct resolve *r = &g->resolve[g->nresolve++];
	const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || c1 == arg)
		cli_usage("--resolve '%s': expected HOST:PORT:ADDR", arg);
	char err[SK_ERRLEN], port[8];
	if (sk_idna_to_ascii(arg, (size_t)(c1 - arg), r->host, sizeof r->host, err) < 0)
		cli_usage("--resolve '%s': %s", arg, err);
	snprintf(port, sizeof port, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	if (c2 - c1 - 1 >= (ptrdiff_t)sizeof port || sk_port_parse(port, "tcp", &r->port, err))
		cli_usage("--resolve '%s': bad port", arg);
	const char *a = c2 + 1;
	size_t an = strlen(a);
	if (an >= 2 && a[0] == '[' && a[an - 1] == ']') {
		a++;
		an -= 2;
	}
	uint8_t bin[16];
	snprintf(r->addr, sizeof r->addr, "%.*s", (int)an, a);
	if (an >= sizeof r->addr || (inet_pton(AF_INET, r->addr, bin) != 1 &&
				     inet_pton(AF_INET6, r->addr, bin) != 1))
		cli_usage("--resolve '%s': '%.*s' is not an IP address", arg, (int)an, a);
}

/* The --resolve address for the current hop's host and port, or NULL. */
static const char *resolved(const struct get *g)
{
	for (size_t i = 0; i < g->nresolve; i++)
		if (g->resolve[i].port == g->url.port && !strcasecmp(g->resolve[i].host, g->url.host))
			return g->resolve[i].addr;
	return NULL;
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
		CLI_SETV('4', NULL, &g->family, AF_INET),
		CLI_SETV('6', NULL, &g->family, AF_INET6),
		CLI_FLAG(0, "fail-never", &g->fail_never),
		CLI_FLAG('q', "quiet", &g->quiet),
		CLI_FLAG('k', "insecure", &g->insecure),
		CLI_STR(0, "cafile", &g->cafile),
		CLI_CALL(0, "resolve", parse_resolve, g),
	};
	cli_parse(argc, argv, table, usage);
	if (optind >= argc)
		cli_usage("needs a URL");
	if (optind + 1 < argc)
		cli_usage("unexpected argument '%s'", argv[optind + 1]);
	*url = argv[optind];
	if (g->raw && (g->include || g->head))
		cli_usage("--raw already shows the headers; drop -i/-I, or use --raw with -o");
	if (g->head && g->output)
		cli_usage("-I fetches no body: -o has nothing to write");
	if (g->insecure && g->cafile)
		cli_usage("--insecure turns verification off: --cafile would not be used");
}

/* The request for the current hop.  Credentials and cookies the user gave
 * for one origin are not sent to another after a redirect; user:password@
 * in the URL is Basic authentication for the URL's own origin only, and an
 * Authorization header given with -H wins. */
static void build_request(struct get *g, const struct sk_url *first, const char *method,
			  struct sk_str *req)
{
	const char *hdrs[MAX_HEADERS + 1];
	size_t nh = 0;
	bool same = sk_url_same_origin(first, &g->url), user_auth = false;
	for (size_t i = 0; i < g->nheaders; i++) {
		bool auth = !strncasecmp(g->headers[i], "Authorization:", 14);
		user_auth |= auth;
		if (!same && (auth || !strncasecmp(g->headers[i], "Cookie:", 7) ||
			      !strncasecmp(g->headers[i], "Host:", 5)))
			continue;
		hdrs[nh++] = g->headers[i];
	}
	struct sk_str basic = { 0 };
	if (first->userinfo[0] && same && !user_auth) {
		sk_str_puts(&basic, "Authorization: ");
		if (sk_http_basic_auth(&basic, first->userinfo))
			cli_usage("URL: bad percent-escape in the user or password");
		hdrs[nh++] = basic.p;
	}
	int built = sk_http_request_build(req, method, &g->url, hdrs, nh);
	sk_str_free(&basic);
	if (built)
		cli_fail(EXIT_FAIL, "request too large");
}

/* -o FILE appears under its name only once complete. */
static void close_output(struct get *g)
{
	if (g->out_is_file) {
		if (close(g->out_fd) != 0) {
			unlink(g->part);
			cli_fail(EXIT_FAIL, "%s: %s", g->part, strerror(errno));
		}
		if (rename(g->part, g->output) != 0) {
			int e = errno;
			unlink(g->part);
			cli_fail(EXIT_FAIL, "rename %s to %s: %s", g->part, g->output, strerror(e));
		}
	} else if (g->out_fd > STDERR_FILENO) {
		close(g->out_fd);
	}
}

int cmd_http_get(int argc, char **argv)
{
	struct get g = { .max_redirs = 10, .family = AF_UNSPEC, .out_fd = -1 };
	const char *text;
	char err[SK_ERRLEN];
	parse_args(&g, argc, argv, &text);
	if (sk_url_parse(text, &g.url, err))
		cli_usage("URL '%s': %s", text, err);
	open_output(&g);
	g.show_progress = g.out_is_file && !g.quiet && isatty(STDERR_FILENO);

	const char *method = g.head ? "HEAD" : "GET";
	/* Every URL fetched, for loop detection: a redirect back to any of
	 * them would repeat forever. */
	char (*visited)[SK_URL_MAXLEN] = calloc(g.max_redirs + 1, sizeof *visited);
	if (!visited)
		cli_fail(EXIT_FAIL, "out of memory");
	struct sk_url first = g.url;
	for (unsigned hop = 0;; hop++) {
		char shown[SK_URL_MAXLEN];
		sk_url_format(&g.url, shown, sizeof shown);
		snprintf(visited[hop], sizeof visited[hop], "%s", shown);

		struct sk_str req = { 0 };
		build_request(&g, &first, method, &req);
		if (g.url.https && g.insecure) {
			char where[SK_HOSTLEN + 16];
			sk_url_authority(&g.url, where, sizeof where);
			cli_warn("warning: the certificate of %s is not checked (--insecure)",
				 where);
		}

		if (g.url.https && !g.tls) {
			struct sk_tls_client_opts to = {
				.cafile = g.cafile,
				.alpn = "http/1.1",
				.insecure = g.insecure,
			};
			if (sk_tls_ctx_client(&g.tls, &to, err) < 0) {
				cli_name_option(err, sizeof err, tls_subjects);
				fail_transfer(&g, "%s", err);
			}
		}
		struct sk_http_callbacks cb = { on_head, on_body };
		g.parser = sk_http_parser_new(SK_HTTP_RESPONSE, !strcmp(method, "HEAD"), &cb, &g);
		if (!g.parser)
			cli_fail(EXIT_FAIL, "out of memory");
		g.following = false;
		g.head_shown = false;
		sk_str_clear(&g.pending);
		struct sk_http_exchange_opts xo = {
			.url = &g.url,
			.connect_host = resolved(&g),
			.request = (const uint8_t *)req.p,
			.request_len = req.len,
			.family = g.family,
			.connect_timeout_ms = g.timeout_ms,
			.idle_timeout_ms = g.timeout_ms,
			.tls = g.url.https ? g.tls : NULL,
			.ctx = &g,
			.on_connected = on_connected,
			.on_wire = g.raw ? on_wire : NULL,
		};
		int rc = sk_http_exchange(&xo, g.parser, err);
		sk_str_free(&req);
		if (g.raw && rc == 0 && !g.following) {
			raw_flush_head(&g);
			char line[160];
			snprintf(line, sizeof line, "%s--- end (%llu body bytes on the wire, %llu decoded) ---\n",
				 g.last_newline ? "" : "\n", (unsigned long long)g.wire_body,
				 (unsigned long long)sk_http_body_bytes(g.parser));
			out_str(&g, line);
		}
		if (g.write_failed)
			fail_transfer(&g, "%s: %s", g.out_is_file ? g.part : "stdout",
				      strerror(errno ? errno : EIO));
		if (rc < 0)
			fail_transfer(&g, "%s", err);
		int status = sk_http_status(g.parser);
		if (g.following) {
			const char *loc = sk_http_header_get(g.parser, "Location");
			struct sk_url next;
			if (hop >= g.max_redirs)
				fail_transfer(&g, "%s: too many redirects (--max-redirs %u)", shown,
					      g.max_redirs);
			if (sk_url_resolve(&g.url, loc, &next, err))
				fail_transfer(&g, "%s: redirect to '%s': %s", shown, loc, err);
			char to[SK_URL_MAXLEN];
			sk_url_format(&next, to, sizeof to);
			for (unsigned i = 0; i <= hop; i++)
				if (!strcmp(visited[i], to))
					fail_transfer(&g, "%s: redirect loop: %s was already fetched",
						      shown, to);
			method = sk_http_redirect_method(status, method);
			g.url = next;
			sk_http_parser_free(g.parser);
			continue;
		}
		if (g.show_progress)
			progress_update(&g.progress, sk_http_body_bytes(g.parser), true);
		bool ok = status >= 200 && status < 400;
		if (!ok && !g.fail_never) {
			char reason[128];
			snprintf(reason, sizeof reason, "%s", sk_http_reason(g.parser));
			sk_http_parser_free(g.parser);
			fail_transfer(&g, "%s: %d%s%s", shown, status, *reason ? " " : "",
				      reason);
		}
		sk_http_parser_free(g.parser);
		break;
	}
	if (g.show_progress)
		progress_end(&g.progress);
	close_output(&g);
	sk_str_free(&g.pending);
	sk_tls_ctx_free(g.tls);
	free(visited);
	return EXIT_OK;
}
