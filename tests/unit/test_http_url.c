#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/http.h"

struct url_case {
	const char *text;
	bool https;
	const char *host;
	unsigned port;
	const char *target;
};

static const struct url_case good[] = {
	{ "http://example.com", false, "example.com", 80, "/" },
	{ "http://example.com/", false, "example.com", 80, "/" },
	{ "HTTP://Example.COM:8080/a/b?x=1&y=%20#frag", false, "Example.COM", 8080, "/a/b?x=1&y=%20" },
	{ "https://h/p", true, "h", 443, "/p" },
	{ "https://h:8443", true, "h", 8443, "/" },
	{ "http://127.0.0.1:8000/x%2e%2e/y", false, "127.0.0.1", 8000, "/x%2e%2e/y" },
	{ "http://[::1]:8080/", false, "::1", 8080, "/" },
	{ "http://[2001:db8::1]/q", false, "2001:db8::1", 80, "/q" },
	{ "http://h?q=1", false, "h", 80, "/?q=1" },
	{ "http://h:/", false, "h", 80, "/" },
	{ "localhost:8000/index.html", false, "localhost", 8000, "/index.html" },
	{ "127.0.0.1", false, "127.0.0.1", 80, "/" },
	{ "//host.example/p", false, "host.example", 80, "/p" },
	{ "http://a_b-c.d/", false, "a_b-c.d", 80, "/" },
	{ "http://h:65535", false, "h", 65535, "/" },
};

Test(url, good)
{
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct sk_url u;
		char err[SK_ERRLEN];
		int rc = sk_url_parse(good[i].text, &u, err);
		cr_assert_eq(rc, 0, "%s: %s", good[i].text, err);
		cr_expect_eq(u.https, good[i].https, "%s", good[i].text);
		cr_expect_str_eq(u.host, good[i].host, "%s", good[i].text);
		cr_expect_eq(u.port, good[i].port, "%s", good[i].text);
		cr_expect_str_eq(u.target, good[i].target, "%s", good[i].text);
	}
}

static const struct {
	const char *text, *needle;
} bad[] = {
	{ "", "empty URL" },
	{ "ftp://h/", "scheme 'ftp' not supported" },
	{ "mailto:x@y", "not supported" },
	{ "http://@h/", "empty user" },
	{ "http:///x", "no host" },
	{ "http://:80/", "no host" },
	{ "http://h:0/", "port '0'" },
	{ "http://h:65536/", "port '65536'" },
	{ "http://h:8x/", "port '8x'" },
	{ "http://h:123456/", "port" },
	{ "http://h h/", "byte 0x20" },
	{ "http://h/a b", "byte 0x20" },
	{ "http://h/\x01", "byte 0x01" },
	{ "http://h/\xc3\xa9", "byte 0xc3" },
	{ "http://[::1/", "without ']'" },
	{ "http://[::g]/", "bad IPv6" },
	{ "http://[]/", "bad IPv6" },
	{ "http://[::1]x/", "after ']'" },
	{ "http://1.2.3.999/", "not an IPv4 address" },
	{ "http://1.2.3/", "not an IPv4 address" },
	{ "http://a..b/", "empty label" },
	{ "http://.a/", "empty label" },
	{ "http://a!b/", "character '!'" },
	{ "http://h%41/", "character '%'" },
};

Test(url, bad)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sk_url u;
		char err[SK_ERRLEN] = "";
		cr_expect_eq(sk_url_parse(bad[i].text, &u, err), SK_EURL, "%s", bad[i].text);
		cr_expect(strstr(err, bad[i].needle), "%s: '%s' lacks '%s'", bad[i].text,
			  err, bad[i].needle);
		cr_expect_null(strchr(err, '\n'));
	}
}

Test(url, userinfo)
{
	struct sk_url u;
	char err[SK_ERRLEN], shown[SK_URL_MAXLEN];
	cr_assert_eq(sk_url_parse("http://me:p%40ss:x@h:81/a", &u, err), 0, "%s", err);
	cr_assert_str_eq(u.userinfo, "me:p%40ss:x");
	cr_assert_str_eq(u.host, "h");
	cr_assert_eq(u.port, 81);
	sk_url_format(&u, shown, sizeof shown);
	cr_assert_str_eq(shown, "http://h:81/a");
	cr_assert_eq(sk_url_parse("https://solo@[::1]/", &u, err), 0, "%s", err);
	cr_assert_str_eq(u.userinfo, "solo");
	cr_assert_str_eq(u.host, "::1");
	cr_assert_eq(sk_url_parse("http://h/", &u, err), 0);
	cr_assert_str_eq(u.userinfo, "");
}

Test(request, basic_auth)
{
	static const struct {
		const char *userinfo, *value;
	} cases[] = {
		{ "Aladdin:open%20sesame", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" },
		{ "me:s%3Acret", "Basic bWU6czpjcmV0" },
		{ "solo", "Basic c29sbzo=" },
		{ "a:", "Basic YTo=" },
		{ "ab:c", "Basic YWI6Yw==" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_str s = { 0 };
		cr_assert_eq(sk_http_basic_auth(&s, cases[i].userinfo), 0);
		cr_assert_str_eq(s.p, cases[i].value, "%s", cases[i].userinfo);
		sk_str_free(&s);
	}
	struct sk_str s = { 0 };
	cr_assert_eq(sk_http_basic_auth(&s, "a:%zz"), SK_EURL);
	sk_str_free(&s);
}

Test(url, too_long)
{
	static char text[SK_URL_MAXLEN + 10];
	memcpy(text, "http://h/", 9);
	memset(text + 9, 'a', sizeof text - 10);
	text[sizeof text - 1] = 0;
	struct sk_url u;
	cr_expect_eq(sk_url_parse(text, &u, NULL), SK_EURL);
	char label[80];
	snprintf(label, sizeof label, "http://%064d/", 0);
	cr_expect_eq(sk_url_parse(label, &u, NULL), SK_EURL, "64-char label");
}

Test(url, format_and_authority)
{
	static const struct {
		const char *in, *out, *auth;
	} cases[] = {
		{ "http://h", "http://h/", "h" },
		{ "http://h:80/x", "http://h/x", "h" },
		{ "https://h:443/x", "https://h/x", "h" },
		{ "https://h:80/x", "https://h:80/x", "h:80" },
		{ "http://[::1]:8080/", "http://[::1]:8080/", "[::1]:8080" },
		{ "http://[::1]/", "http://[::1]/", "[::1]" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_url u;
		char buf[SK_URL_MAXLEN];
		cr_assert_eq(sk_url_parse(cases[i].in, &u, NULL), 0);
		cr_expect_gt(sk_url_format(&u, buf, sizeof buf), 0);
		cr_expect_str_eq(buf, cases[i].out);
		cr_expect_gt(sk_url_authority(&u, buf, sizeof buf), 0);
		cr_expect_str_eq(buf, cases[i].auth);
	}
	struct sk_url u;
	char small[4];
	sk_url_parse("http://host/", &u, NULL);
	cr_expect_eq(sk_url_format(&u, small, sizeof small), -ENOSPC);
}

Test(url, resolve)
{
	static const struct {
		const char *base, *ref, *out;
	} cases[] = {
		{ "http://a/b/c/d;p?q", "g", "http://a/b/c/g" },
		{ "http://a/b/c/d;p?q", "./g", "http://a/b/c/g" },
		{ "http://a/b/c/d;p?q", "g/", "http://a/b/c/g/" },
		{ "http://a/b/c/d;p?q", "/g", "http://a/g" },
		{ "http://a/b/c/d;p?q", "//g", "http://g/" },
		{ "http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y" },
		{ "http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y" },
		{ "http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q" },
		{ "http://a/b/c/d;p?q", "", "http://a/b/c/d;p?q" },
		{ "http://a/b/c/d;p?q", ".", "http://a/b/c/" },
		{ "http://a/b/c/d;p?q", "./", "http://a/b/c/" },
		{ "http://a/b/c/d;p?q", "..", "http://a/b/" },
		{ "http://a/b/c/d;p?q", "../", "http://a/b/" },
		{ "http://a/b/c/d;p?q", "../g", "http://a/b/g" },
		{ "http://a/b/c/d;p?q", "../..", "http://a/" },
		{ "http://a/b/c/d;p?q", "../../g", "http://a/g" },
		{ "http://a/b/c/d;p?q", "../../../g", "http://a/g" },
		{ "http://a/b/c/d;p?q", "/./g", "http://a/g" },
		{ "http://a/b/c/d;p?q", "/../g", "http://a/g" },
		{ "http://a/b/c/d;p?q", "g.", "http://a/b/c/g." },
		{ "http://a/b/c/d;p?q", "..g", "http://a/b/c/..g" },
		{ "http://a/b/c/d;p?q", "./../g", "http://a/b/g" },
		{ "http://a/b/c/d;p?q", "g;x=1/../y", "http://a/b/c/y" },
		{ "http://a:81/x", "https://b/y", "https://b/y" },
		{ "https://a/x", "//b:9/y", "https://b:9/y" },
		{ "http://[::1]:8/x", "y", "http://[::1]:8/y" },
		{ "http://a/x", "/p/../../q?r/../s", "http://a/q?r/../s" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_url base, out;
		char err[SK_ERRLEN], buf[SK_URL_MAXLEN];
		cr_assert_eq(sk_url_parse(cases[i].base, &base, err), 0, "%s", err);
		cr_assert_eq(sk_url_resolve(&base, cases[i].ref, &out, err), 0, "%s: %s",
			     cases[i].ref, err);
		sk_url_format(&out, buf, sizeof buf);
		cr_expect_str_eq(buf, cases[i].out, "ref '%s'", cases[i].ref);
	}
	struct sk_url base, out;
	char err[SK_ERRLEN];
	sk_url_parse("http://a/", &base, NULL);
	cr_expect_eq(sk_url_resolve(&base, "ftp://x/", &out, err), SK_EURL);
	cr_expect(strstr(err, "scheme 'ftp'"), "%s", err);
	cr_expect_eq(sk_url_resolve(&base, "javascript:alert(1)", &out, err), SK_EURL);
	cr_expect_eq(sk_url_resolve(&base, "/a b", &out, err), SK_EURL);
}

Test(url, same_origin)
{
	struct sk_url a, b, c, d;
	sk_url_parse("http://H:80/x", &a, NULL);
	sk_url_parse("http://h/y", &b, NULL);
	sk_url_parse("https://h/y", &c, NULL);
	sk_url_parse("http://h:81/y", &d, NULL);
	cr_expect(sk_url_same_origin(&a, &b));
	cr_expect_not(sk_url_same_origin(&a, &c));
	cr_expect_not(sk_url_same_origin(&a, &d));
}

Test(request, header_check)
{
	char err[SK_ERRLEN];
	cr_expect_eq(sk_http_header_check("X-A: b", err), 0);
	cr_expect_eq(sk_http_header_check("X-A:", err), 0);
	cr_expect_eq(sk_http_header_check("X-A:b:c", err), 0);
	cr_expect_eq(sk_http_header_check("X A: b", err), SK_EHTTPHEADER);
	cr_expect_eq(sk_http_header_check(": b", err), SK_EHTTPHEADER);
	cr_expect_eq(sk_http_header_check("NoColon", err), SK_EHTTPHEADER);
	cr_expect(strstr(err, "expected 'Name: value'"), "%s", err);
	cr_expect_eq(sk_http_header_check("X: a\r\nEvil: 1", err), SK_EHTTPHEADER);
	cr_expect(strstr(err, "line break"), "%s", err);
	cr_expect_eq(sk_http_header_check("X: a\nb", err), SK_EHTTPHEADER);
}

Test(request, build)
{
	struct sk_url u;
	sk_url_parse("http://[::1]:8080/a?b=%20", &u, NULL);
	struct sk_str s = { 0 };
	cr_assert_eq(sk_http_request_build(&s, "GET", &u, NULL, 0), 0);
	cr_expect_str_eq(s.p, "GET /a?b=%20 HTTP/1.1\r\nHost: [::1]:8080\r\n"
			      "User-Agent: sockit/" SK_VERSION "\r\nAccept: */*\r\n\r\n");
	sk_str_clear(&s);
	const char *h[] = { "accept: text/html", "User-Agent:", "X-Y:  z ", "Empty:" };
	cr_assert_eq(sk_http_request_build(&s, "HEAD", &u, h, 4), 0);
	cr_expect_str_eq(s.p, "HEAD /a?b=%20 HTTP/1.1\r\nHost: [::1]:8080\r\n"
			      "Accept: text/html\r\nX-Y: z \r\n\r\n");
	sk_str_clear(&s);
	const char *host[] = { "Host: other" };
	cr_assert_eq(sk_http_request_build(&s, "GET", &u, host, 1), 0);
	cr_expect(strstr(s.p, "\r\nHost: other\r\n"));
	cr_expect_null(strstr(s.p, "[::1]"));
	sk_str_free(&s);
	struct sk_str small = { .max = 10 };
	cr_expect_eq(sk_http_request_build(&small, "GET", &u, NULL, 0), SK_ELIMIT);
	sk_str_free(&small);
}

Test(request, redirect_method)
{
	cr_expect_str_eq(sk_http_redirect_method(301, "GET"), "GET");
	cr_expect_str_eq(sk_http_redirect_method(301, "HEAD"), "HEAD");
	cr_expect_str_eq(sk_http_redirect_method(301, "POST"), "GET");
	cr_expect_str_eq(sk_http_redirect_method(302, "POST"), "GET");
	cr_expect_str_eq(sk_http_redirect_method(303, "POST"), "GET");
	cr_expect_str_eq(sk_http_redirect_method(303, "PUT"), "GET");
	cr_expect_str_eq(sk_http_redirect_method(303, "HEAD"), "HEAD");
	cr_expect_str_eq(sk_http_redirect_method(307, "POST"), "POST");
	cr_expect_str_eq(sk_http_redirect_method(308, "PUT"), "PUT");
	cr_expect_str_eq(sk_http_redirect_method(308, "HEAD"), "HEAD");
	cr_expect_null(sk_http_redirect_method(200, "GET"));
	cr_expect_null(sk_http_redirect_method(304, "GET"));
}
