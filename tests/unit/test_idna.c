/* International domain names: one conversion (sk_idna_to_ascii) behind the
 * URL parser, the endpoint parser and the resolver. */
#include <criterion/criterion.h>
#include <string.h>

#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/http.h"
#include "sockit/idna.h"
#include "sockit/resolve.h"

Test(idna, names_convert_as_curl_does)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "bücher.example", "xn--bcher-kva.example" },
		{ "Bücher.Example", "xn--bcher-kva.example" }, /* TR46 maps case */
		{ "faß.de", "xn--fa-hia.de" },                 /* non-transitional */
		{ "ｌｏｃａｌｈｏｓｔ", "localhost" },            /* full-width letters */
		{ "münchen.localhost", "xn--mnchen-3ya.localhost" },
		{ "ASCII.example", "ASCII.example" },          /* ASCII as it is */
		{ "xn--bcher-kva.example", "xn--bcher-kva.example" },
	};
	char out[SK_HOSTLEN], err[SK_ERRLEN];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = sk_idna_to_ascii(cases[i].in, strlen(cases[i].in), out, sizeof out, err);
		cr_expect_eq(rc, (int)strlen(cases[i].out), "%s: %d %s", cases[i].in, rc, err);
		cr_expect_str_eq(out, cases[i].out);
	}
	/* Only the n bytes given count. */
	cr_expect_eq(sk_idna_to_ascii("bücher.example:80", 15, out, sizeof out, err), 21);
	cr_expect_str_eq(out, "xn--bcher-kva.example");
	cr_expect(sk_idna_needed("bücher", 7) && !sk_idna_needed("bucher", 6));
}

Test(idna, bad_names_are_refused_with_a_reason)
{
	char out[SK_HOSTLEN], err[SK_ERRLEN];
	cr_expect_eq(sk_idna_to_ascii("a\xff.example", 10, out, sizeof out, err), SK_EBADHOST);
	cr_expect(strstr(err, "not a valid international name"), "%s", err);
	/* The ASCII form must fit in cap bytes. */
	cr_expect_eq(sk_idna_to_ascii("bücher.example", 15, out, 21, err), SK_ETOOLONG);
	cr_expect_eq(sk_idna_to_ascii("bücher.example", 15, out, 22, err), 21);
	/* A label longer than DNS allows (63 characters in ASCII form). */
	char big[130];
	for (int i = 0; i < 60; i++)
		memcpy(big + 2 * i, "ü", 2);
	cr_expect_eq(sk_idna_to_ascii(big, 120, out, sizeof out, err), SK_EBADHOST);
	cr_expect_eq(sk_idna_to_ascii("abc", 3, out, 3, err), SK_ETOOLONG);
	/* Letters whose compatibility form is ASCII punctuation (no-break
	 * space, full-width solidus and colon) must not smuggle it in. */
	cr_expect_eq(sk_idna_to_ascii("\xc2\xa0,", 3, out, sizeof out, err), SK_EBADHOST);
	cr_expect(strstr(err, "not allowed in a host name"), "%s", err);
	cr_expect_eq(sk_idna_to_ascii("a\xef\xbc\x8f" "b", 5, out, sizeof out, err), SK_EBADHOST);
	cr_expect_eq(sk_idna_to_ascii("a\xef\xbc\x9a" "80", 6, out, sizeof out, err), SK_EBADHOST);
}

Test(idna, urls_carry_the_ascii_form)
{
	struct sk_url u;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_url_parse("https://bücher.example:8443/a?b", &u, err), 0, "%s", err);
	cr_expect_str_eq(u.host, "xn--bcher-kva.example");
	cr_expect_eq(u.port, 8443);
	cr_expect_str_eq(u.target, "/a?b");
	char auth[SK_HOSTLEN + 8];
	cr_expect_gt(sk_url_authority(&u, auth, sizeof auth), 0);
	cr_expect_str_eq(auth, "xn--bcher-kva.example:8443");
	/* Non-ASCII bytes anywhere else must be percent-encoded. */
	cr_expect_eq(sk_url_parse("http://bücher.example/ü", &u, err), SK_EURL);
	cr_expect(strstr(err, "offset 23"), "%s", err);
	cr_expect_eq(sk_url_parse("http://ü:pw@example/", &u, err), SK_EURL);
	cr_expect(strstr(err, "offset 7"), "%s", err);
	cr_expect_eq(sk_url_parse("http://a\xff.example/", &u, err), SK_EURL);
	cr_expect(strstr(err, "international"), "%s", err);
}

Test(idna, endpoints_and_the_resolver_convert_too)
{
	struct sk_endpoint ep;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_endpoint_parse("bücher.example:80", "tcp", &ep, err), 0, "%s", err);
	cr_expect_str_eq(ep.host, "xn--bcher-kva.example");
	cr_expect_eq(ep.port, 80);
	cr_expect_eq(sk_endpoint_parse("a\xff.example:80", "tcp", &ep, err), SK_EBADHOST);
	/* The full-width name is localhost: found in /etc/hosts, no DNS. */
	struct sk_addrlist l;
	cr_assert_gt(sk_resolve("ｌｏｃａｌｈｏｓｔ", 80, AF_INET, SOCK_STREAM, 0, &l, err), 0, "%s",
		     err);
	sk_addrlist_free(&l);
}
