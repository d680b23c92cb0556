#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/http.h"

Test(path, clean)
{
	static const struct {
		const char *target;
		int rc;
		const char *out;
		bool slash;
	} cases[] = {
		{ "/", 0, "", true },
		{ "/a/b.txt", 0, "a/b.txt", false },
		{ "/a/b/?q=1", 0, "a/b", true },
		{ "//a///b", 0, "a/b", false },
		{ "/./a/./b/.", 0, "a/b", true },
		{ "/a%20b", 0, "a b", false },
		{ "/a%2fb", 0, "a/b", false },
		{ "/%41", 0, "A", false },
		{ "/..a/b..", 0, "..a/b..", false },
		{ "/etc/passwd", 0, "etc/passwd", false },
		{ "/..", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/../x", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/a/../b", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/a/..", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/%2e%2e/x", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/%2E%2e", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/.%2e/x", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/a%2f..%2fb", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/a%00b", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/a\\..\\b", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/a%5c..%5cb", SK_EHTTPFORBIDDEN, NULL, false },
		{ "/%zz", SK_EURL, NULL, false },
		{ "/%4", SK_EURL, NULL, false },
		{ "/%", SK_EURL, NULL, false },
		{ "a/b", SK_EURL, NULL, false },
		{ "*", SK_EURL, NULL, false },
		{ "http://h/x", SK_EURL, NULL, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[256] = "unset";
		bool slash = !cases[i].slash;
		int rc = sk_http_path_clean(cases[i].target, out, sizeof out, &slash);
		cr_expect_eq(rc, cases[i].rc, "%s: %d", cases[i].target, rc);
		if (!rc && cases[i].out) {
			cr_expect_str_eq(out, cases[i].out, "%s", cases[i].target);
			cr_expect_eq(slash, cases[i].slash, "%s", cases[i].target);
		}
	}
	char tiny[4];
	bool s;
	cr_expect_eq(sk_http_path_clean("/abcdef", tiny, sizeof tiny, &s), -ENOSPC);
}

Test(range, parse)
{
	static const struct {
		const char *v;
		uint64_t size;
		int rc;
		uint64_t first, last;
	} cases[] = {
		{ NULL, 10, 0, 0, 0 },
		{ "bytes=0-0", 10, 1, 0, 0 },
		{ "bytes=0-", 10, 1, 0, 9 },
		{ "bytes=2-5", 10, 1, 2, 5 },
		{ "bytes=2-500", 10, 1, 2, 9 },
		{ "bytes=-3", 10, 1, 7, 9 },
		{ "bytes=-30", 10, 1, 0, 9 },
		{ "BYTES = 1-2", 10, 0, 0, 0 },
		{ " bytes= 1-2 ", 10, 1, 1, 2 },
		{ "bytes=9-9", 10, 1, 9, 9 },
		{ "bytes=10-", 10, SK_EHTTPRANGE, 0, 0 },
		{ "bytes=10-20", 10, SK_EHTTPRANGE, 0, 0 },
		{ "bytes=0-", 0, SK_EHTTPRANGE, 0, 0 },
		{ "bytes=-0", 10, SK_EHTTPRANGE, 0, 0 },
		{ "bytes=-5", 0, SK_EHTTPRANGE, 0, 0 },
		{ "bytes=5-2", 10, 0, 0, 0 },
		{ "bytes=0-1,3-4", 10, 0, 0, 0 },
		{ "bytes=-", 10, 0, 0, 0 },
		{ "bytes=a-b", 10, 0, 0, 0 },
		{ "items=0-1", 10, 0, 0, 0 },
		{ "bytes=99999999999999999999999-", 10, 0, 0, 0 },
		{ "bytes=0-99999999999999999999999", 10, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t f = 77, l = 77;
		int rc = sk_http_range_parse(cases[i].v, cases[i].size, &f, &l);
		cr_expect_eq(rc, cases[i].rc, "%s: %d", cases[i].v ? cases[i].v : "(null)", rc);
		if (rc == 1) {
			cr_expect_eq(f, cases[i].first, "%s", cases[i].v);
			cr_expect_eq(l, cases[i].last, "%s", cases[i].v);
		}
	}
}

Test(mime, types)
{
	cr_expect_str_eq(sk_http_mime_type("a/index.HTML"), "text/html; charset=utf-8");
	cr_expect_str_eq(sk_http_mime_type("x.png"), "image/png");
	cr_expect_str_eq(sk_http_mime_type("x.tar.gz"), "application/gzip");
	cr_expect_str_eq(sk_http_mime_type(".bashrc"), "application/octet-stream");
	cr_expect_str_eq(sk_http_mime_type("dir.d/file"), "application/octet-stream");
	cr_expect_str_eq(sk_http_mime_type("noext"), "application/octet-stream");
	cr_expect_str_eq(sk_http_reason_phrase(416), "Range Not Satisfiable");
	cr_expect_str_eq(sk_http_reason_phrase(299), "");
}

Test(listing, escapes)
{
	struct sk_str s = { 0 };
	const char *names[] = { "a b.txt", "<x>&\"'", "sub/", "c:d" };
	cr_assert_eq(sk_http_listing_html(&s, "dir/<i>", names, 4), 0);
	cr_expect(strstr(s.p, "<title>Index of /dir/&lt;i&gt;</title>"), "%s", s.p);
	cr_expect(strstr(s.p, "<a href=\"./a%20b.txt\">a b.txt</a>"), "%s", s.p);
	cr_expect(strstr(s.p, "<a href=\"./%3Cx%3E%26%22%27\">&lt;x&gt;&amp;&quot;&#39;</a>"),
		  "%s", s.p);
	cr_expect(strstr(s.p, "<a href=\"./sub/\">sub/</a>"), "%s", s.p);
	cr_expect(strstr(s.p, "<a href=\"./c%3Ad\">c:d</a>"), "%s", s.p);
	cr_expect(strstr(s.p, "href=\"../\""), "%s", s.p);
	sk_str_clear(&s);
	cr_assert_eq(sk_http_listing_html(&s, "", names, 0), 0);
	cr_expect_null(strstr(s.p, "../"), "no parent link at the top");
	sk_str_free(&s);
	struct sk_str small = { .max = 20 };
	cr_expect_eq(sk_http_listing_html(&small, "", names, 4), SK_ELIMIT);
	sk_str_free(&small);
}
