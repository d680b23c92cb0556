/* sk_http_get against small servers on loopback (a thread each, canned
 * answers by path): redirects and their limits, credentials kept to their
 * origin, --resolve overrides; and sk_http_resolve_parse's table. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/http_io.h"

#define MAX_REQ 8

struct server {
	int fd;
	uint16_t port;
	uint16_t other_port; /* where /away sends the client */
	int n;               /* connections served */
	char req[MAX_REQ][2048];
	pthread_t thread;
};

/* The answer to one request line's path. */
static void answer(struct server *s, const char *path, char *out, size_t cap)
{
	const char *body = "hello";
	if (!strcmp(path, "/a"))
		snprintf(out, cap, "HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n");
	else if (!strcmp(path, "/loop"))
		snprintf(out, cap, "HTTP/1.1 301 Moved\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n");
	else if (!strcmp(path, "/post"))
		snprintf(out, cap, "HTTP/1.1 303 See Other\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n");
	else if (!strcmp(path, "/away"))
		snprintf(out, cap,
			 "HTTP/1.1 307 Temporary\r\nLocation: http://127.0.0.1:%u/b\r\n"
			 "Content-Length: 0\r\n\r\n",
			 s->other_port);
	else if (!strcmp(path, "/missing"))
		snprintf(out, cap, "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
	else
		snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(body),
			 body);
}

/* Serves connections, one request each, until the listening socket is
 * shut down. */
static void *serve(void *arg)
{
	struct server *s = arg;
	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		char *req = s->req[s->n < MAX_REQ ? s->n : MAX_REQ - 1];
		size_t len = 0;
		while (len + 1 < sizeof s->req[0] && !strstr(req, "\r\n\r\n")) {
			ssize_t r = read(c, req + len, sizeof s->req[0] - 1 - len);
			if (r <= 0)
				break;
			len += (size_t)r;
			req[len] = 0;
		}
		s->n++;
		char path[256] = "", out[512];
		sscanf(req, "%*s %255s", path);
		answer(s, path, out, sizeof out);
		cr_assert_eq(write(c, out, strlen(out)), (ssize_t)strlen(out));
		close(c);
	}
}

static void start(struct server *s)
{
	memset(s, 0, sizeof *s);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(s->fd, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(listen(s->fd, 16), 0);
	cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->fd);
}

struct seen {
	int heads, redirects, requests;
	char body[64];
	size_t body_len;
};

static void on_request(void *ctx, const struct sk_url *url)
{
	(void)url;
	((struct seen *)ctx)->requests++;
}

static int on_head(void *ctx, struct sk_http_parser *p, bool redirect)
{
	(void)p;
	struct seen *w = ctx;
	w->heads++;
	w->redirects += redirect;
	return 0;
}

static int on_body(void *ctx, struct sk_http_parser *p, const uint8_t *d, size_t n)
{
	(void)p;
	struct seen *w = ctx;
	cr_assert_leq(w->body_len + n, sizeof w->body);
	memcpy(w->body + w->body_len, d, n);
	w->body_len += n;
	return 0;
}

/* Fetches path from s; returns sk_http_get's code, the parser in *p. */
static int get(struct server *s, const char *path, struct sk_http_get_opts *o,
	       struct seen *w, struct sk_http_parser **p, char *err)
{
	static struct sk_url url;
	char text[128];
	snprintf(text, sizeof text, "http://127.0.0.1:%u%s", s->port, path);
	cr_assert_eq(sk_url_parse(text, &url, NULL), 0);
	o->url = &url;
	o->timeout_ms = 10000;
	o->ctx = w;
	o->on_request = on_request;
	o->on_head = on_head;
	o->on_body = on_body;
	return sk_http_get(o, p, err);
}

Test(http_get, follows_a_redirect_and_delivers_the_last_body)
{
	struct server s;
	start(&s);
	struct sk_http_get_opts o = { .follow = true, .max_redirs = 10 };
	struct seen w = { 0 };
	struct sk_http_parser *p;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(get(&s, "/a", &o, &w, &p, err), 0, "%s", err);
	cr_expect_eq(sk_http_status(p), 200);
	cr_expect_eq(w.requests, 2);
	cr_expect_eq(w.heads, 2);
	cr_expect_eq(w.redirects, 1);
	cr_expect_eq(w.body_len, 5);
	cr_expect_eq(memcmp(w.body, "hello", 5), 0);
	sk_http_parser_free(p);
	stop(&s);
	cr_expect(strstr(s.req[1], "GET /b HTTP/1.1\r\n") == s.req[1]);
}

Test(http_get, without_follow_the_redirect_is_the_answer)
{
	struct server s;
	start(&s);
	struct sk_http_get_opts o = { .max_redirs = 10 };
	struct seen w = { 0 };
	struct sk_http_parser *p;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(get(&s, "/a", &o, &w, &p, err), 0, "%s", err);
	cr_expect_eq(sk_http_status(p), 302);
	cr_expect_eq(w.requests, 1);
	cr_expect_eq(w.redirects, 0);
	sk_http_parser_free(p);
	stop(&s);
}

Test(http_get, a_loop_and_a_long_chain_fail)
{
	struct server s;
	start(&s);
	struct sk_http_get_opts o = { .follow = true, .max_redirs = 10 };
	struct seen w = { 0 };
	struct sk_http_parser *p;
	char err[SK_ERRLEN] = "";
	cr_expect_eq(get(&s, "/loop", &o, &w, &p, err), SK_EHTTPREDIRECT);
	cr_expect_null(p);
	cr_expect(strstr(err, "redirect loop"), "%s", err);
	o.max_redirs = 0;
	cr_expect_eq(get(&s, "/a", &o, &w, &p, err), SK_ELIMIT);
	cr_expect(strstr(err, "too many redirects"), "%s", err);
	stop(&s);
}

Test(http_get, see_other_turns_head_into_head_and_keeps_errors_as_answers)
{
	struct server s;
	start(&s);
	struct sk_http_get_opts o = { .follow = true, .max_redirs = 3, .head = true };
	struct seen w = { 0 };
	struct sk_http_parser *p;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(get(&s, "/post", &o, &w, &p, err), 0, "%s", err);
	sk_http_parser_free(p);
	o.head = false;
	cr_assert_eq(get(&s, "/missing", &o, &w, &p, err), 0, "%s", err);
	cr_expect_eq(sk_http_status(p), 404);
	sk_http_parser_free(p);
	stop(&s);
	cr_expect(strstr(s.req[1], "HEAD /b ") == s.req[1], "%s", s.req[1]);
}

Test(http_get, credentials_stay_with_their_origin)
{
	struct server s, other;
	start(&s);
	start(&other);
	s.other_port = other.port;
	static const char *const headers[] = { "Cookie: c=1", "X-Keep: yes" };
	struct sk_http_get_opts o = { .follow = true, .max_redirs = 3, .headers = headers,
				      .nheaders = 2 };
	struct seen w = { 0 };
	struct sk_http_parser *p;
	char err[SK_ERRLEN] = "";
	static struct sk_url url;
	char text[128];
	snprintf(text, sizeof text, "http://user:pw@127.0.0.1:%u/away", s.port);
	cr_assert_eq(sk_url_parse(text, &url, NULL), 0);
	o.url = &url;
	o.timeout_ms = 10000;
	o.ctx = &w;
	o.on_body = on_body;
	cr_assert_eq(sk_http_get(&o, &p, err), 0, "%s", err);
	sk_http_parser_free(p);
	stop(&s);
	stop(&other);
	cr_expect(strstr(s.req[0], "Authorization: Basic dXNlcjpwdw==\r\n"), "%s", s.req[0]);
	cr_expect(strstr(s.req[0], "Cookie: c=1\r\n"));
	cr_expect_null(strstr(other.req[0], "Authorization:"), "%s", other.req[0]);
	cr_expect_null(strstr(other.req[0], "Cookie:"));
	cr_expect(strstr(other.req[0], "X-Keep: yes\r\n"));
}

Test(http_get, resolve_sends_a_name_to_an_address)
{
	struct server s;
	start(&s);
	struct sk_http_resolve r;
	char spec[64], err[SK_ERRLEN] = "";
	snprintf(spec, sizeof spec, "sockit.invalid:%u:127.0.0.1", s.port);
	cr_assert_eq(sk_http_resolve_parse(spec, &r, err), 0, "%s", err);
	static struct sk_url url;
	char text[128];
	snprintf(text, sizeof text, "http://sockit.invalid:%u/", s.port);
	cr_assert_eq(sk_url_parse(text, &url, NULL), 0);
	struct seen w = { 0 };
	struct sk_http_get_opts o = { .url = &url, .resolve = &r, .nresolve = 1,
				      .timeout_ms = 10000, .ctx = &w, .on_body = on_body };
	struct sk_http_parser *p;
	cr_assert_eq(sk_http_get(&o, &p, err), 0, "%s", err);
	cr_expect_eq(sk_http_status(p), 200);
	sk_http_parser_free(p);
	stop(&s);
	cr_expect(strstr(s.req[0], "Host: sockit.invalid:"), "%s", s.req[0]);
}

Test(http_get, bad_user_escape_fails_before_sending)
{
	static struct sk_url url;
	cr_assert_eq(sk_url_parse("http://us%zz:pw@127.0.0.1:9/", &url, NULL), 0);
	struct sk_http_get_opts o = { .url = &url };
	struct sk_http_parser *p;
	char err[SK_ERRLEN];
	cr_expect_eq(sk_http_get(&o, &p, err), SK_EURL);
	cr_expect(strstr(err, "percent-escape"), "%s", err);
}

Test(http_get, resolve_parse_table)
{
	static const struct {
		const char *text;
		int rc;
		const char *host, *addr;
		uint16_t port;
	} cases[] = {
		{ "example.com:80:127.0.0.1", 0, "example.com", "127.0.0.1", 80 },
		{ "h:443:[::1]", 0, "h", "::1", 443 },
		{ "h:443:::1", 0, "h", "::1", 443 },
		{ "h:http:10.0.0.1", 0, "h", "10.0.0.1", 80 },
		{ "h:80", SK_EBADENDPOINT, NULL, NULL, 0 },
		{ ":80:127.0.0.1", SK_EBADENDPOINT, NULL, NULL, 0 },
		{ "h:99999:127.0.0.1", SK_EBADPORT, NULL, NULL, 0 },
		{ "h:80:not-an-ip", SK_EBADADDR, NULL, NULL, 0 },
		{ "h:80:", SK_EBADADDR, NULL, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_http_resolve r;
		char err[SK_ERRLEN] = "";
		int rc = sk_http_resolve_parse(cases[i].text, &r, err);
		cr_expect_eq(rc, cases[i].rc, "%s: %d (%s)", cases[i].text, rc, err);
		if (rc || cases[i].rc)
			continue;
		cr_expect_str_eq(r.host, cases[i].host);
		cr_expect_str_eq(r.addr, cases[i].addr);
		cr_expect_eq(r.port, cases[i].port);
	}
}
