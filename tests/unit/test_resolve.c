#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/resolve.h"

/* Only loopback, /etc/hosts and numeric forms: there is no outside DNS. */

Test(resolve, numeric_v4)
{
	struct sk_addrlist l;
	cr_assert_eq(sk_resolve("127.0.0.1", 80, AF_UNSPEC, SOCK_STREAM, 0, &l, NULL), 1);
	const struct sockaddr_in *s = (const void *)&l.addrs[0].ss;
	cr_expect_eq(s->sin_family, AF_INET);
	cr_expect_eq(ntohs(s->sin_port), 80);
	sk_addrlist_free(&l);
}

Test(resolve, numeric_v6)
{
	struct sk_addrlist l;
	cr_assert_eq(sk_resolve("::1", 443, AF_UNSPEC, SOCK_DGRAM, SK_RESOLVE_NUMERIC, &l, NULL), 1);
	cr_expect_eq(l.addrs[0].ss.ss_family, AF_INET6);
	sk_addrlist_free(&l);
}

Test(resolve, localhost_from_hosts_file_with_canonical_name)
{
	struct sk_addrlist l;
	int n = sk_resolve("localhost", 1, AF_INET, SOCK_STREAM, SK_RESOLVE_CANON, &l, NULL);
	cr_assert_geq(n, 1);
	cr_expect_str_eq(l.canonical, "localhost");
	sk_addrlist_free(&l);
}

Test(resolve, passive_empty_host_is_the_wildcard)
{
	struct sk_addrlist l;
	cr_assert_geq(sk_resolve("", 5400, AF_INET, SOCK_DGRAM, SK_RESOLVE_PASSIVE, &l, NULL), 1);
	const struct sockaddr_in *s = (const void *)&l.addrs[0].ss;
	cr_expect_eq(s->sin_addr.s_addr, htonl(INADDR_ANY));
	sk_addrlist_free(&l);
}

Test(resolve, active_empty_host_is_loopback)
{
	struct sk_addrlist l;
	cr_assert_geq(sk_resolve(NULL, 5400, AF_INET, SOCK_DGRAM, 0, &l, NULL), 1);
	const struct sockaddr_in *s = (const void *)&l.addrs[0].ss;
	cr_expect_eq(s->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	sk_addrlist_free(&l);
}

Test(resolve, unknown_name_is_noname)
{
	struct sk_addrlist l;
	char err[SK_ERRLEN];
	int rc = sk_resolve("no-such-host.invalid", 1, AF_UNSPEC, SOCK_STREAM, 0, &l, err);
	cr_expect(rc == SK_ENONAME || rc == SK_EDNSAGAIN || rc == SK_EDNSFAIL, "%s", err);
	cr_expect(strstr(err, "no-such-host.invalid"));
}

Test(resolve, wrong_family_is_named)
{
	struct sk_addrlist l;
	char err[SK_ERRLEN];
	cr_expect_eq(sk_resolve("127.0.0.1", 1, AF_INET6, SOCK_STREAM, 0, &l, err), SK_ENOFAMILY, "%s", err);
}

Test(resolve, numeric_flag_refuses_names)
{
	struct sk_addrlist l;
	cr_expect_eq(sk_resolve("localhost", 1, AF_UNSPEC, SOCK_STREAM, SK_RESOLVE_NUMERIC, &l, NULL),
		     SK_ENONAME);
}

Test(resolve, endpoint_wrapper_refuses_unix)
{
	struct sk_endpoint ep;
	sk_endpoint_parse("unix:/tmp/s", NULL, &ep, NULL);
	struct sk_addrlist l;
	cr_expect_eq(sk_resolve_endpoint(&ep, AF_UNSPEC, SOCK_STREAM, 0, &l, NULL), SK_EFAMILY);
	sk_endpoint_parse("127.0.0.1:9", NULL, &ep, NULL);
	cr_assert_eq(sk_resolve_endpoint(&ep, AF_UNSPEC, SOCK_STREAM, 0, &l, NULL), 1);
	sk_addrlist_free(&l);
}

Test(resolve, eai_codes_map)
{
	cr_expect_eq(sk_resolve_error(0), 0);
	cr_expect_eq(sk_resolve_error(EAI_NONAME), SK_ENONAME);
	cr_expect_eq(sk_resolve_error(EAI_AGAIN), SK_EDNSAGAIN);
	cr_expect_eq(sk_resolve_error(EAI_MEMORY), -ENOMEM);
	cr_expect_eq(sk_resolve_error(EAI_FAIL), SK_EDNSFAIL);
}
