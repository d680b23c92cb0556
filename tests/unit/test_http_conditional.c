#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/http.h"

Test(conditional, etag)
{
	char buf[80];
	cr_assert_eq(sk_http_etag(buf, sizeof buf, 13, 0x5f5e100, 0x1f), 14);
	cr_assert_str_eq(buf, "\"d-5f5e100-1f\"");
	cr_assert_eq(sk_http_etag(buf, 4, 13, 1, 1), -ENOSPC);
}

Test(conditional, dates)
{
	static const struct {
		const char *s;
		int rc;
		int64_t t;
	} cases[] = {
		{ "Sun, 06 Nov 1994 08:49:37 GMT", 0, 784111777 },
		{ "Sunday, 06-Nov-94 08:49:37 GMT", 0, 784111777 },
		{ "Sun Nov  6 08:49:37 1994", 0, 784111777 },
		{ "Thu, 01 Jan 1970 00:00:00 GMT", 0, 0 },
		{ "Sun, 06 Nov 1994 08:49:37 GMT junk", SK_EHTTPHEADER, 0 },
		{ "Sun, 06 Foo 1994 08:49:37 GMT", SK_EHTTPHEADER, 0 },
		{ "Sun, 06 Nov 1994 25:49:37 GMT", SK_EHTTPHEADER, 0 },
		{ "Sun, 06 Nov 1994 08:49:37", SK_EHTTPHEADER, 0 },
		{ "garbage", SK_EHTTPHEADER, 0 },
		{ "", SK_EHTTPHEADER, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t t = -1;
		cr_assert_eq(sk_http_date_parse(cases[i].s, &t), cases[i].rc, "%s", cases[i].s);
		if (cases[i].rc == 0)
			cr_assert_eq(t, cases[i].t, "%s", cases[i].s);
	}
}

Test(conditional, etag_lists)
{
	const char *e = "\"d-1-2\"";
	cr_assert(sk_http_etag_match("\"d-1-2\"", e, true));
	cr_assert(sk_http_etag_match("\"x\", W/\"d-1-2\"", e, true));
	cr_assert_not(sk_http_etag_match("\"x\", W/\"d-1-2\"", e, false));
	cr_assert(sk_http_etag_match(" * ", e, false));
	cr_assert_not(sk_http_etag_match("\"d-1-3\"", e, true));
	cr_assert_not(sk_http_etag_match("d-1-2", e, true));
	cr_assert_not(sk_http_etag_match("\"d-1-2", e, true));
	cr_assert_not(sk_http_etag_match("", e, true));
}

Test(conditional, none_match_and_modified_since)
{
	const char *e = "\"d-1-2\"";
	const char *lm = "Sun, 06 Nov 1994 08:49:37 GMT";
	cr_assert_eq(sk_http_conditional(NULL, NULL, e, 784111777), 200);
	cr_assert_eq(sk_http_conditional(e, NULL, e, 784111777), 304);
	cr_assert_eq(sk_http_conditional("\"z\"", lm, e, 784111777), 200);
	cr_assert_eq(sk_http_conditional(NULL, lm, e, 784111777), 304);
	cr_assert_eq(sk_http_conditional(NULL, lm, e, 784111778), 200);
	cr_assert_eq(sk_http_conditional(NULL, "nonsense", e, 0), 200);
}

Test(conditional, if_range)
{
	const char *e = "\"d-1-2\"";
	cr_assert(sk_http_if_range(NULL, e, 5));
	cr_assert(sk_http_if_range(e, e, 5));
	cr_assert_not(sk_http_if_range("W/\"d-1-2\"", e, 5));
	cr_assert_not(sk_http_if_range("\"d-1-3\"", e, 5));
	cr_assert(sk_http_if_range("Sun, 06 Nov 1994 08:49:37 GMT", e, 784111777));
	cr_assert_not(sk_http_if_range("Sun, 06 Nov 1994 08:49:37 GMT", e, 784111778));
	cr_assert_not(sk_http_if_range("garbage", e, 5));
}

Test(request_check, request_line)
{
	static const struct {
		const char *in, *after;
		int v;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\n", 200 },
		{ "GET / HTTP/1.2\r\n", "GET / HTTP/1.1\r\n", 200 },
		{ "GET / HTTP/1.9\n", "GET / HTTP/1.1\n", 200 },
		{ "\r\nGET / HTTP/1.0\r\n", "\r\nGET / HTTP/1.0\r\n", 200 },
		{ "GET / HTTP/2.0\r\n", "GET / HTTP/2.0\r\n", 505 },
		{ "GET / HTTP/0.9\r\n", "GET / HTTP/0.9\r\n", 505 },
		{ "GET /x\r\n", "GET /x\r\n", 505 },
		{ "GET / HTTP/1.10\r\n", "GET / HTTP/1.10\r\n", 200 },
		{ "garbage\r\n", "garbage\r\n", 200 },
		{ "GET / HTTP/1.1", "GET / HTTP/1.1", 0 },
		{ "\r\n", "\r\n", 0 },
		{ "", "", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[64];
		size_t n = strlen(cases[i].in);
		memcpy(buf, cases[i].in, n + 1);
		cr_assert_eq(sk_http_request_line_check(buf, n), cases[i].v, "%s", cases[i].in);
		cr_assert_str_eq(buf, cases[i].after);
	}
}

static int verdict_of(const char *req)
{
	struct sk_http_parser *p = sk_http_parser_new(SK_HTTP_REQUEST, false, NULL, NULL);
	size_t used;
	int rc = sk_http_parser_feed(p, (const uint8_t *)req, strlen(req), &used);
	int v = rc == 1 ? sk_http_request_verdict(p) : -1;
	sk_http_parser_free(p);
	return v;
}

Test(request_check, verdict)
{
	cr_assert_eq(verdict_of("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	cr_assert_eq(verdict_of("GET / HTTP/1.0\r\n\r\n"), 0);
	cr_assert_eq(verdict_of("GET / HTTP/1.1\r\n\r\n"), 400);
	cr_assert_eq(verdict_of("GET / HTTP/1.1\r\nHost: a\r\nHOST: a\r\n\r\n"), 400);
	cr_assert_eq(verdict_of("GET / HTTP/1.1\r\nHost: a\r\nA B: c\r\n\r\n"), 400);
	cr_assert_eq(verdict_of("GET / HTTP/1.1\r\nHost: a\r\nA : c\r\n\r\n"), 400);
}
