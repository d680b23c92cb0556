#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "sockit/endpoint.h"
#include "sockit/error.h"

struct good {
	const char *text;
	enum sk_endpoint_kind kind;
	const char *host_or_path;
	uint16_t port;
	const char *formatted;
};

static const struct good goods[] = {
	{ "127.0.0.1:80", SK_ENDPOINT_INET, "127.0.0.1", 80, "127.0.0.1:80" },
	{ "localhost:8080", SK_ENDPOINT_INET, "localhost", 8080, "localhost:8080" },
	{ "[::1]:5400", SK_ENDPOINT_INET, "::1", 5400, "[::1]:5400" },
	{ "[fe80::1%lo]:1", SK_ENDPOINT_INET, "fe80::1%lo", 1, "[fe80::1%lo]:1" },
	{ ":5400", SK_ENDPOINT_INET, "", 5400, ":5400" },
	{ "5400", SK_ENDPOINT_INET, "", 5400, ":5400" },
	{ "0", SK_ENDPOINT_INET, "", 0, ":0" },
	{ "65535", SK_ENDPOINT_INET, "", 65535, ":65535" },
	{ "host:http", SK_ENDPOINT_INET, "host", 80, "host:80" },
	{ "ssh", SK_ENDPOINT_INET, "", 22, ":22" },
	{ "unix:/tmp/sock", SK_ENDPOINT_UNIX, "/tmp/sock", 0, "unix:/tmp/sock" },
	{ "a.b-c.example:00443", SK_ENDPOINT_INET, "a.b-c.example", 443, "a.b-c.example:443" },
};

Test(endpoint, good_forms_parse_and_format_back)
{
	for (size_t i = 0; i < sizeof goods / sizeof *goods; i++) {
		const struct good *g = &goods[i];
		struct sk_endpoint ep;
		char err[SK_ERRLEN] = "";
		cr_assert_eq(sk_endpoint_parse(g->text, NULL, &ep, err), 0, "%s: %s",
			     g->text, err);
		cr_expect_eq(ep.kind, g->kind, "%s", g->text);
		cr_expect_str_eq(ep.kind == SK_ENDPOINT_UNIX ? ep.path : ep.host,
				 g->host_or_path, "%s", g->text);
		cr_expect_eq(ep.port, g->port, "%s", g->text);
		char buf[512];
		cr_expect_gt(sk_endpoint_format(&ep, buf, sizeof buf), 0);
		cr_expect_str_eq(buf, g->formatted);
	}
}

struct bad {
	const char *text;
	int code;
	const char *needle;
};

static const struct bad bads[] = {
	{ "", SK_EBADENDPOINT, "empty" },
	{ "host:", SK_EBADPORT, "missing port" },
	{ "host:65536", SK_EBADPORT, "out of range" },
	{ "host:99999999999999999999", SK_EBADPORT, "out of range" },
	{ "host:-1", SK_EBADPORT, "bad port" },
	{ "host:nosuchservicexyz", SK_ENOSERVICE, "nosuchservicexyz" },
	{ "localhost", SK_EBADENDPOINT, "expected HOST:PORT" },
	{ "::1:80", SK_EBADENDPOINT, "[ADDR]:PORT" },
	{ "[::1]80", SK_EBADENDPOINT, "after ']'" },
	{ "[::1:80", SK_EBADENDPOINT, "missing ']'" },
	{ "[]:80", SK_EBADHOST, "empty" },
	{ "[not-v6]:80", SK_EBADHOST, "not an IPv6" },
	{ "[::1]:", SK_EBADPORT, "missing port" },
	{ "ho st:80", SK_EBADHOST, "bad character" },
	{ "ho/st:80", SK_EBADHOST, "bad character" },
	{ "unix:", SK_EBADENDPOINT, "needs a path" },
	{ ":", SK_EBADPORT, "missing port" },
};

Test(endpoint, bad_forms_are_named)
{
	for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
		struct sk_endpoint ep;
		char err[SK_ERRLEN] = "";
		int rc = sk_endpoint_parse(bads[i].text, NULL, &ep, err);
		cr_expect_eq(rc, bads[i].code, "'%s' gave %s (%s)", bads[i].text,
			     sk_err_name(rc), err);
		cr_expect(strstr(err, bads[i].needle), "'%s': '%s' lacks '%s'",
			  bads[i].text, err, bads[i].needle);
		cr_expect_null(strchr(err, '\n'));
	}
}

Test(endpoint, long_inputs_are_refused_not_cut)
{
	char host[400];
	memset(host, 'a', 300);
	memcpy(host + 300, ":80", 4);
	struct sk_endpoint ep;
	cr_expect_eq(sk_endpoint_parse(host, NULL, &ep, NULL), SK_ETOOLONG);
	char path[300] = "unix:";
	memset(path + 5, 'p', 200);
	path[205] = 0;
	cr_expect_eq(sk_endpoint_parse(path, NULL, &ep, NULL), SK_ETOOLONG);
}

Test(endpoint, every_prefix_of_a_valid_form_is_handled)
{
	/* Each truncation either parses or fails with a code: never crashes,
	 * and the err text never gains a newline. */
	const char *full = "[2001:db8::1]:65535";
	char buf[64];
	for (size_t n = 0; n <= strlen(full); n++) {
		memcpy(buf, full, n);
		buf[n] = 0;
		struct sk_endpoint ep;
		char err[SK_ERRLEN] = "";
		int rc = sk_endpoint_parse(buf, NULL, &ep, err);
		cr_expect(rc == 0 || rc < SK__EBASE + 1000, "'%s'", buf);
		/* Valid once "]:" and at least one port digit are there. */
		cr_expect_eq(rc == 0, n > strlen("[2001:db8::1]:"), "'%s' rc %d", buf, rc);
	}
}

Test(endpoint, udp_services_come_from_the_udp_table)
{
	uint16_t port;
	cr_expect_eq(sk_port_parse("domain", "udp", &port, NULL), 0);
	cr_expect_eq(port, 53);
	cr_expect_eq(sk_port_parse("65535", "udp", &port, NULL), 0);
	cr_expect_eq(port, 65535);
}

Test(endpoint, sockaddrs_format_with_and_without_port)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(5400) };
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	struct sockaddr_un su = { .sun_family = AF_UNIX, .sun_path = "/tmp/x" };
	char buf[SK_ADDRSTRLEN];
	sk_sockaddr_format((struct sockaddr *)&s4, true, buf, sizeof buf);
	cr_expect_str_eq(buf, "127.0.0.1:5400");
	sk_sockaddr_format((struct sockaddr *)&s4, false, buf, sizeof buf);
	cr_expect_str_eq(buf, "127.0.0.1");
	sk_sockaddr_format((struct sockaddr *)&s6, true, buf, sizeof buf);
	cr_expect_str_eq(buf, "[::1]:80");
	sk_sockaddr_format((struct sockaddr *)&su, true, buf, sizeof buf);
	cr_expect_str_eq(buf, "unix:/tmp/x");
	char tiny[4];
	cr_expect_eq(sk_sockaddr_format((struct sockaddr *)&s4, true, tiny, sizeof tiny),
		     -ENOSPC);
	struct sockaddr bogus = { .sa_family = AF_APPLETALK };
	cr_expect_eq(sk_sockaddr_format(&bogus, true, buf, sizeof buf), -EAFNOSUPPORT);
}

Test(endpoint, sockaddr_equality)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(1) };
	struct sockaddr_in b = a;
	cr_expect(sk_sockaddr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
	b.sin_port = htons(2);
	cr_expect_not(sk_sockaddr_equal((struct sockaddr *)&a, (struct sockaddr *)&b));
	struct sockaddr_in6 c = { .sin6_family = AF_INET6 };
	cr_expect_not(sk_sockaddr_equal((struct sockaddr *)&a, (struct sockaddr *)&c));
}
