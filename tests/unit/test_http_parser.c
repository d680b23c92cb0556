#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/http.h"

struct sink {
	char body[70000];
	size_t len;
	int heads;
};

static int on_head(void *ctx)
{
	((struct sink *)ctx)->heads++;
	return 0;
}

static int on_body(void *ctx, const uint8_t *d, size_t n)
{
	struct sink *s = ctx;
	cr_assert_leq(s->len + n, sizeof s->body);
	memcpy(s->body + s->len, d, n);
	s->len += n;
	return 0;
}

static const struct sk_http_callbacks cbs = { on_head, on_body };

/* A copy of bytes that ends exactly at a page that cannot be read, so
 * that any read past the end crashes the test. */
struct guarded {
	uint8_t *map;
	size_t maplen;
	uint8_t *p;
};

static struct guarded guard(const void *bytes, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (n + page - 1) / page + 1;
	struct guarded g;
	g.maplen = pages * page;
	g.map = mmap(NULL, g.maplen, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(g.map, MAP_FAILED);
	mprotect(g.map + (pages - 1) * page, page, PROT_NONE);
	g.p = g.map + (pages - 1) * page - n;
	memcpy(g.p, bytes, n);
	return g;
}

static void unguard(struct guarded g)
{
	munmap(g.map, g.maplen);
}

struct resp_case {
	const char *name;
	const char *wire;
	bool head_request;
	bool close_delimited;
	int status;
	const char *reason;
	const char *body;
	size_t head_end; /* wire bytes through the final head */
	const char *header, *value; /* one header to check */
	const char *trailer, *tvalue;
};

static const struct resp_case resp[] = {
	{ "content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b  \r\n\r\nhello",
	  false, false, 200, "OK", "hello", 50, "x-a", "b", NULL, NULL },
	{ "zero length", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, false, 200, "OK",
	  "", 38, "Content-Length", "0", NULL, NULL },
	{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "1;ext=1\r\na\r\nA;name\r\n0123456789\r\n3\r\nxyz\r\n0\r\n"
		     "X-Trailer: t\r\nX-Sum: 9\r\n\r\n",
	  false, false, 200, "OK", "a0123456789xyz", 47, "transfer-encoding", "chunked",
	  "X-Sum", "9" },
	{ "chunked no trailers", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "ff\r\n" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
				 "\r\n0\r\n\r\n",
	  false, false, 201, "Created",
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
	  52, NULL, NULL, NULL, NULL },
	{ "close delimited", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nuntil close", false, true, 200,
	  "OK", "until close", 30, "Server", "x", NULL, NULL },
	{ "http/1.0", "HTTP/1.0 200 OK\r\n\r\nold", false, true, 200, "OK", "old", 19, NULL,
	  NULL, NULL, NULL },
	{ "interim 1xx", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n"
			 "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno",
	  false, false, 404, "Not Found", "no", 110, "Content-Length", "2", NULL, NULL },
	{ "head", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true, false, 200, "OK", "",
	  41, "content-length", "1000", NULL, NULL },
	{ "head chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, false,
	  200, "OK", "", 47, NULL, NULL, NULL, NULL },
	{ "204", "HTTP/1.1 204 No Content\r\nX: 1\r\n\r\n", false, false, 204, "No Content", "",
	  33, "X", "1", NULL, NULL },
	{ "304", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false, false, 304,
	  "Not Modified", "", 50, NULL, NULL, NULL, NULL },
	{ "empty value and no reason", "HTTP/1.1 200 \r\nX-Empty:\r\nContent-Length: 1\r\n\r\n!",
	  false, false, 200, "", "!", 46, "X-Empty", "", NULL, NULL },
	{ "301", "HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
	  false, false, 301, "Moved Permanently", "", 67, "location", "/x", NULL, NULL },
};

static struct sk_http_parser *parser_for(const struct resp_case *c, struct sink *s)
{
	memset(s, 0, sizeof *s);
	struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_RESPONSE, c->head_request, &cbs, s);
	cr_assert_not_null(p);
	return p;
}

static void check_result(const struct resp_case *c, struct sk_http_parser *p, struct sink *s,
			 const char *how)
{
	cr_expect_eq(sk_http_status(p), c->status, "%s %s", c->name, how);
	cr_expect_str_eq(sk_http_reason(p), c->reason, "%s %s", c->name, how);
	cr_expect_eq(s->len, strlen(c->body), "%s %s", c->name, how);
	cr_expect_eq(memcmp(s->body, c->body, s->len), 0, "%s %s", c->name, how);
	cr_expect_eq(s->heads, 1, "%s %s", c->name, how);
	const char *last = c->wire, *at;
	while ((at = strstr(last + 1, "HTTP/1.")))
		last = at;
	size_t head_end = (size_t)(strstr(last, "\r\n\r\n") + 4 - c->wire);
	cr_expect_eq(sk_http_head_bytes(p), head_end, "%s %s: head %llu", c->name, how,
		     (unsigned long long)sk_http_head_bytes(p));
	cr_expect_eq(sk_http_body_bytes(p), strlen(c->body), "%s %s", c->name, how);
	if (c->header) {
		const char *v = sk_http_header_get(p, c->header);
		cr_expect_not_null(v, "%s %s: %s", c->name, how, c->header);
		if (v)
			cr_expect_str_eq(v, c->value, "%s %s", c->name, how);
	}
	if (c->trailer) {
		bool found = false;
		for (size_t i = sk_http_trailer_start(p); i < sk_http_header_count(p); i++) {
			const struct sk_http_header *h = sk_http_header_at(p, i);
			if (!strcmp(h->name, c->trailer)) {
				found = true;
				cr_expect_str_eq(h->value, c->tvalue);
			}
		}
		cr_expect(found, "%s %s: trailer %s", c->name, how, c->trailer);
		cr_expect_null(sk_http_header_get(p, c->trailer), "trailers are not head headers");
	}
}

Test(response, whole)
{
	for (size_t i = 0; i < sizeof resp / sizeof resp[0]; i++) {
		const struct resp_case *c = &resp[i];
		struct sink s;
		struct sk_http_parser *p = parser_for(c, &s);
		size_t n = strlen(c->wire), used = 99;
		struct guarded g = guard(c->wire, n);
		int rc = sk_http_parser_feed(p, g.p, n, &used);
		if (c->close_delimited) {
			cr_expect_eq(rc, 0, "%s: %s", c->name, sk_http_parser_error(p));
			cr_expect_eq(sk_http_parser_finish(p), 1, "%s", c->name);
		} else {
			cr_expect_eq(rc, 1, "%s: %d %s", c->name, rc, sk_http_parser_error(p));
		}
		cr_expect_eq(used, n, "%s", c->name);
		check_result(c, p, &s, "whole");
		unguard(g);
		sk_http_parser_free(p);
	}
}

Test(response, every_truncation_point)
{
	for (size_t i = 0; i < sizeof resp / sizeof resp[0]; i++) {
		const struct resp_case *c = &resp[i];
		size_t n = strlen(c->wire);
		for (size_t k = 0; k < n; k++) {
			struct sink s;
			struct sk_http_parser *p = parser_for(c, &s);
			struct guarded g = guard(c->wire, k);
			size_t used;
			int rc = sk_http_parser_feed(p, g.p, k, &used);
			cr_expect_eq(rc, 0, "%s prefix %zu: %d %s", c->name, k, rc,
				     sk_http_parser_error(p));
			cr_expect_eq(used, k);
			int fin = sk_http_parser_finish(p);
			if (k == 0)
				cr_expect_eq(fin, 0, "%s: nothing arrived", c->name);
			else if (c->close_delimited && k >= (size_t)(strstr(c->wire, "\r\n\r\n") + 4 - c->wire))
				cr_expect_eq(fin, 1, "%s prefix %zu", c->name, k);
			else
				cr_expect_eq(fin, SK_EHTTPSHORT, "%s prefix %zu: %d", c->name, k,
					     fin);
			unguard(g);
			sk_http_parser_free(p);
		}
	}
}

Test(response, every_split_point)
{
	for (size_t i = 0; i < sizeof resp / sizeof resp[0]; i++) {
		const struct resp_case *c = &resp[i];
		size_t n = strlen(c->wire);
		for (size_t k = 0; k <= n; k++) {
			struct sink s;
			struct sk_http_parser *p = parser_for(c, &s);
			struct guarded a = guard(c->wire, k), b = guard(c->wire + k, n - k);
			size_t u1, u2;
			int rc = sk_http_parser_feed(p, a.p, k, &u1);
			if (rc == 0)
				rc = sk_http_parser_feed(p, b.p, n - k, &u2);
			else
				u2 = n - k;
			if (c->close_delimited) {
				cr_expect_eq(rc, 0);
				rc = sk_http_parser_finish(p);
			}
			cr_expect_eq(rc, 1, "%s split %zu: %d %s", c->name, k, rc,
				     sk_http_parser_error(p));
			cr_expect_eq(u1 + u2, n, "%s split %zu", c->name, k);
			char how[32];
			snprintf(how, sizeof how, "split %zu", k);
			check_result(c, p, &s, how);
			unguard(a);
			unguard(b);
			sk_http_parser_free(p);
		}
	}
}

Test(response, byte_by_byte)
{
	for (size_t i = 0; i < sizeof resp / sizeof resp[0]; i++) {
		const struct resp_case *c = &resp[i];
		struct sink s;
		struct sk_http_parser *p = parser_for(c, &s);
		size_t n = strlen(c->wire);
		int rc = 0;
		for (size_t k = 0; k < n && rc == 0; k++) {
			struct guarded g = guard(c->wire + k, 1);
			rc = sk_http_parser_feed(p, g.p, 1, NULL);
			unguard(g);
		}
		if (c->close_delimited)
			rc = sk_http_parser_finish(p);
		cr_expect_eq(rc, 1, "%s", c->name);
		check_result(c, p, &s, "bytewise");
		sk_http_parser_free(p);
	}
}

Test(response, bytes_after_the_message_are_left)
{
	const char *w = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
	struct sink s = { 0 };
	struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_RESPONSE, false, &cbs, &s);
	size_t used;
	cr_expect_eq(sk_http_parser_feed(p, (const uint8_t *)w, strlen(w), &used), 1);
	cr_expect_eq(used, strlen(w) - 5);
	cr_expect_eq(sk_http_parser_feed(p, (const uint8_t *)"x", 1, &used), 1);
	cr_expect_eq(used, 0);
	cr_expect_eq(sk_http_parser_finish(p), 1);
	cr_expect_eq(sk_http_content_length(p), 2);
	cr_expect_not(sk_http_chunked(p));
	cr_expect(sk_http_keep_alive(p));
	sk_http_parser_free(p);
}

Test(response, short_messages_say_what_is_missing)
{
	static const struct {
		const char *wire, *needle;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "3 of 10 bytes" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "chunked" },
		{ "HTTP/1.1 200 OK\r\nContent-Le", "in the head" },
		{ "HTTP/1.1 100 Continue\r\n\r\n", "in the head" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sink s = { 0 };
		struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_RESPONSE, false, &cbs, &s);
		cr_expect_eq(sk_http_parser_feed(p, (const uint8_t *)cases[i].wire,
						 strlen(cases[i].wire), NULL), 0);
		cr_expect_eq(sk_http_parser_finish(p), SK_EHTTPSHORT);
		cr_expect(strstr(sk_http_parser_error(p), cases[i].needle), "%s",
			  sk_http_parser_error(p));
		sk_http_parser_free(p);
	}
}

Test(response, malformed)
{
	static const char *const cases[] = {
		"HTTX/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/9 200 OK\r\n\r\n",
		"garbage\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
		"HTTP/1.1 200 OK\r\nX: a\001b\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sink s = { 0 };
		struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_RESPONSE, false, &cbs, &s);
		struct guarded g = guard(cases[i], strlen(cases[i]));
		int rc = sk_http_parser_feed(p, g.p, strlen(cases[i]), NULL);
		cr_expect_eq(rc, SK_EHTTPPARSE, "case %zu: %d", i, rc);
		const char *e = sk_http_parser_error(p);
		cr_expect(strstr(e, "at byte"), "case %zu: %s", i, e);
		cr_expect_null(strchr(e, '\n'));
		/* Errors stick. */
		cr_expect_eq(sk_http_parser_feed(p, (const uint8_t *)"x", 1, NULL), SK_EHTTPPARSE);
		cr_expect_eq(sk_http_parser_finish(p), SK_EHTTPPARSE);
		unguard(g);
		sk_http_parser_free(p);
	}
}

Test(response, limits)
{
	struct sk_str w = { 0 };
	sk_str_puts(&w, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < SK_HTTP_MAXHEADERS + 1; i++)
		sk_str_printf(&w, "X-%d: %d\r\n", i, i);
	sk_str_puts(&w, "\r\n");
	struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_RESPONSE, false, NULL, NULL);
	cr_expect_eq(sk_http_parser_feed(p, (const uint8_t *)w.p, w.len, NULL), SK_EHTTPTOOBIG);
	cr_expect(strstr(sk_http_parser_error(p), "128"), "%s", sk_http_parser_error(p));
	sk_http_parser_free(p);
	sk_str_clear(&w);
	sk_str_puts(&w, "HTTP/1.1 200 OK\r\nX-Big: ");
	for (int i = 0; i < 7000; i++)
		sk_str_puts(&w, "0123456789");
	sk_str_puts(&w, "\r\n\r\n");
	p = sk_http_parser_new(SK_HTTP_RESPONSE, false, NULL, NULL);
	cr_expect_eq(sk_http_parser_feed(p, (const uint8_t *)w.p, w.len, NULL), SK_EHTTPTOOBIG);
	sk_http_parser_free(p);
	sk_str_free(&w);
}

static int stop_head(void *ctx)
{
	(void)ctx;
	return 1;
}

Test(response, callback_can_stop)
{
	struct sk_http_callbacks stop = { stop_head, NULL };
	struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_RESPONSE, false, &stop, NULL);
	const char *w = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
	cr_expect_eq(sk_http_parser_feed(p, (const uint8_t *)w, strlen(w), NULL), SK_EHTTPABORT);
	sk_http_parser_free(p);
}

Test(request, parse_and_pipeline)
{
	const char *w = "GET /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\n\r\n"
			"HEAD / HTTP/1.0\r\n\r\n";
	struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_REQUEST, false, NULL, NULL);
	size_t n = strlen(w), used;
	cr_assert_eq(sk_http_parser_feed(p, (const uint8_t *)w, n, &used), 1);
	cr_expect_str_eq(sk_http_method(p), "GET");
	cr_expect_str_eq(sk_http_target(p), "/a%20b?x=1");
	cr_expect_str_eq(sk_http_header_get(p, "range"), "bytes=0-1");
	cr_expect_str_eq(sk_http_header_get(p, "HOST"), "h");
	cr_expect_eq(sk_http_version_minor(p), 1);
	cr_expect(sk_http_keep_alive(p));
	sk_http_parser_reset(p);
	size_t used2;
	cr_assert_eq(sk_http_parser_feed(p, (const uint8_t *)w + used, n - used, &used2), 1);
	cr_expect_eq(used + used2, n);
	cr_expect_str_eq(sk_http_method(p), "HEAD");
	cr_expect_str_eq(sk_http_target(p), "/");
	cr_expect_eq(sk_http_version_minor(p), 0);
	cr_expect_not(sk_http_keep_alive(p));
	sk_http_parser_free(p);
}

Test(request, every_truncation_point)
{
	const char *w = "GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
	size_t n = strlen(w);
	for (size_t k = 0; k < n; k++) {
		struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_REQUEST, false, NULL, NULL);
		struct guarded g = guard(w, k);
		cr_expect_eq(sk_http_parser_feed(p, g.p, k, NULL), 0, "prefix %zu", k);
		cr_expect_eq(sk_http_parser_finish(p), k ? SK_EHTTPSHORT : 0, "prefix %zu", k);
		unguard(g);
		sk_http_parser_free(p);
	}
}

Test(request, malformed)
{
	static const char *const cases[] = {
		"GET\r\n\r\n",
		"GET / HTTP/1.1\r\nHost h\r\n\r\n",
		"G@T / HTTP/1.1\r\n\r\n",
		"GET / FTP/1.1\r\n\r\n",
		"GET /\x01 HTTP/1.1\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_REQUEST, false, NULL, NULL);
		cr_expect_eq(sk_http_parser_feed(p, (const uint8_t *)cases[i], strlen(cases[i]),
						 NULL),
			     SK_EHTTPPARSE, "case %zu", i);
		sk_http_parser_free(p);
	}
}
