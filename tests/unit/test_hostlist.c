/* Host lists: ncat's and nmap's host specs, one at a time and as a text
 * with line numbers; names resolved from /etc/hosts (localhost). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/hostlist.h"
#include "sockit/resolve.h"

static struct sk_ip ip(const char *text)
{
	struct sk_ip a;
	cr_assert_eq(sk_ip_parse(text, &a), 0, "%s", text);
	return a;
}

static bool has(const struct sk_hostlist *l, const char *addr)
{
	struct sk_ip a = ip(addr);
	return sk_hostlist_contains(l, &a);
}

struct spec_case {
	const char *spec;
	const char *in[4], *out[4]; /* NULL-ended */
};

static const struct spec_case specs[] = {
	{ "198.18.0.1", { "198.18.0.1" }, { "198.18.0.2", "::ffff:198.18.0.1" } },
	{ "10.0.0.0/8", { "10.0.0.0", "10.255.255.255" }, { "11.0.0.0", "9.255.255.255" } },
	{ "10.1.2.3/8", { "10.200.0.1" }, { "11.0.0.0" } }, /* host bits ignored */
	{ "0.0.0.0/0", { "0.0.0.0", "255.255.255.255" }, { "::1" } },
	{ "::1", { "::1" }, { "::2", "0.0.0.1" } },
	{ "fe80::/10", { "fe80::1", "febf::ffff" }, { "fec0::" } },
	{ "::ffff:10.0.0.0/104", { "10.1.2.3" }, { "11.0.0.0" } }, /* as IPv4 */
	{ "198.18.0.1-20", { "198.18.0.1", "198.18.0.20" }, { "198.18.0.0", "198.18.0.21" } },
	{ "10.0.0-3.*", { "10.0.0.0", "10.0.3.255" }, { "10.0.4.0", "10.1.0.0" } },
	{ "192.168.1,3.-", { "192.168.1.0", "192.168.3.255" }, { "192.168.2.1" } },
	{ "-10.*.*.1-", { "0.0.0.1", "10.9.9.255" }, { "11.0.0.1", "10.0.0.0" } },
	{ "*.*.*.1", { "1.2.3.1", "255.255.255.1" }, { "1.2.3.2" } },
	{ "10.0.0.1-2,5/31", { "10.0.0.0", "10.0.0.3", "10.0.0.4", "10.0.0.5" },
	  { "10.0.0.6" } }, /* widened as nmap widens */
	{ "198.18.0.250-198.18.1.4", { "198.18.0.255", "198.18.1.4" }, { "198.18.1.5" } },
	{ "::1-::9", { "::5" }, { "::a" } },
};

Test(hostlist, each_form_matches_what_it_names)
{
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		const struct spec_case *c = &specs[i];
		struct sk_hostlist *l;
		char err[SK_ERRLEN] = "";
		cr_assert_eq(sk_hostlist_new(&l), 0);
		cr_assert_eq(sk_hostlist_add(l, c->spec, AF_UNSPEC,
					     SK_RESOLVE_NUMERIC, err),
			     1, "%s: %s", c->spec, err);
		for (int k = 0; k < 4 && c->in[k]; k++)
			cr_expect(has(l, c->in[k]), "%s has %s", c->spec, c->in[k]);
		for (int k = 0; k < 4 && c->out[k]; k++)
			cr_expect_not(has(l, c->out[k]), "%s lacks %s", c->spec,
				      c->out[k]);
		sk_hostlist_free(l);
	}
}

struct bad_case {
	const char *spec;
	int code;
	const char *why;
};

static const struct bad_case bad[] = {
	{ "1.2.3.4/33", SK_EBADPREFIX, "/33 (IPv4 allows 0-32)" },
	{ "::1/129", SK_EBADPREFIX, "/129 (IPv6 allows 0-128)" },
	{ "1.2.3.4/x", SK_EBADPREFIX, "'/x' is not a prefix length" },
	{ "1.2.3.4/", SK_EBADPREFIX, "'/' is not a prefix length" },
	{ "/8", SK_EBADADDR, "no address before /" },
	{ "1.2.3.300", SK_EBADADDR, "300 is not an octet" },
	{ "1.2.3", SK_EBADADDR, "expected four octets" },
	{ "1.2.3.4.5", SK_EBADADDR, "unexpected '.5' after four octets" },
	{ "010.0.0.1", SK_EBADADDR, "'010' has a leading 0" },
	{ "10.0.0.9-1", SK_EBADADDR, "range 9-1 runs backwards" },
	{ "198.18.0.9-198.18.0.1", SK_EBADADDR, "the range runs backwards" },
	{ "127.0.0.1-::1", SK_EBADADDR, "two families" },
	{ "1.2.3.4/40-", SK_EBADPREFIX, "is not a prefix length" },
	{ "fe80::zz", SK_EBADADDR, "not an IPv6 address" },
	{ "a@b", SK_EBADADDR, "not an address, CIDR block, range or host name" },
	{ "localhost", SK_EBADADDR, "names are not looked up" },
};

Test(hostlist, malformed_specs_say_why_and_add_nothing)
{
	struct sk_hostlist *l;
	cr_assert_eq(sk_hostlist_new(&l), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[SK_ERRLEN] = "";
		cr_expect_eq(sk_hostlist_add(l, bad[i].spec, AF_UNSPEC,
					     SK_RESOLVE_NUMERIC, err),
			     bad[i].code, "%s: %s", bad[i].spec, err);
		cr_expect(strstr(err, bad[i].why), "%s: '%s'", bad[i].spec, err);
		cr_expect(strncmp(err, "'", 1) == 0 || strstr(err, "empty"),
			  "names the spec: %s", err);
	}
	cr_expect_eq(sk_hostlist_count(l), 0);
	char err[SK_ERRLEN];
	cr_expect_eq(sk_hostlist_add(l, "", AF_UNSPEC, 0, err), SK_EBADADDR);
	char big[SK_HOSTSPEC_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	cr_expect_eq(sk_hostlist_add(l, big, AF_UNSPEC, 0, err), SK_ETOOLONG);
	sk_hostlist_free(l);
}

/* Does the resolver give this address for localhost?  (::1 only when the
 * host has IPv6 configured.) */
static bool localhost_has(int family)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	if (getaddrinfo("localhost", "0", &hints, &res))
		return false;
	freeaddrinfo(res);
	return true;
}

Test(hostlist, a_name_brings_every_address)
{
	/* localhost's IPv6 address and a made-up name may be asked of a DNS
	 * server: only where that server is on loopback (tools/offline-dns.sh,
	 * which tools/run-tests.sh uses as root). */
	if (!getenv("SOCKIT_OFFLINE_DNS"))
		cr_skip_test("needs tools/offline-dns.sh (root): the lookups would leave loopback");
	struct sk_hostlist *l;
	cr_assert_eq(sk_hostlist_new(&l), 0);
	char err[SK_ERRLEN] = "";
	int n = sk_hostlist_add(l, "localhost", AF_UNSPEC, 0, err);
	cr_assert_gt(n, 0, "%s", err);
	cr_expect_eq(n, (int)localhost_has(AF_INET) + (int)localhost_has(AF_INET6));
	cr_expect(has(l, "127.0.0.1"));
	cr_expect_eq(has(l, "::1"), localhost_has(AF_INET6));
	cr_expect_not(has(l, "127.0.0.2"));
	/* A prefix applies to each address; -4 keeps IPv4 only. */
	cr_assert_eq(sk_hostlist_add(l, "localhost/24", AF_INET, 0, err), 1, "%s", err);
	cr_expect(has(l, "127.0.0.2"));
	cr_expect_eq(sk_hostlist_add(l, "nosuch.invalid", AF_UNSPEC, 0, err),
		     SK_ENONAME, "%s", err);
	cr_expect_str_eq(err, "'nosuch.invalid': name does not resolve");
	sk_hostlist_free(l);
}

Test(hostlist, text_is_ncats_format_with_comments)
{
	static const char text[] = "# who may connect\n"
				   "198.18.0.1 198.18.0.5-9\t10.0.0.0/8\n"
				   "\n"
				   "  ::1   # the IPv6 loopback\n"
				   "192.168.1,3.*#no space needed\r\n"
				   "::ffff:1.2.3.4";
	struct sk_hostlist *l;
	cr_assert_eq(sk_hostlist_new(&l), 0);
	unsigned line = 99;
	char err[SK_ERRLEN] = "";
	cr_expect_eq(sk_hostlist_add_text(l, text, strlen(text), AF_UNSPEC,
					  SK_RESOLVE_NUMERIC, &line, err),
		     6, "%s", err);
	cr_expect_eq(line, 0);
	for (const char *const *a = (const char *const[]){ "198.18.0.1", "198.18.0.7",
							  "10.9.9.9", "::1", "192.168.3.3",
							  "1.2.3.4", NULL };
	     *a; a++)
		cr_expect(has(l, *a), "%s", *a);
	cr_expect_not(has(l, "198.18.0.2"));
	cr_expect_not(has(l, "192.168.2.1"));
	sk_hostlist_free(l);
}

Test(hostlist, text_errors_name_the_line)
{
	struct sk_hostlist *l;
	cr_assert_eq(sk_hostlist_new(&l), 0);
	static const char text[] = "127.0.0.1 ::1\n# fine so far\n\n10.0.0.1 1.2.3.4/33 5.6.7.8\n";
	unsigned line = 0;
	char err[SK_ERRLEN] = "";
	cr_expect_eq(sk_hostlist_add_text(l, text, strlen(text), AF_UNSPEC,
					  SK_RESOLVE_NUMERIC, &line, err),
		     SK_EBADPREFIX);
	cr_expect_eq(line, 4);
	cr_expect_str_eq(err, "'1.2.3.4/33': /33 (IPv4 allows 0-32): invalid prefix length");
	cr_expect(has(l, "10.0.0.1"), "the specs before the bad one stay");
	cr_expect_not(has(l, "5.6.7.8"));
	static const char nul[] = "127.0.0.1\n\n1.2.3.4\0junk";
	cr_expect_eq(sk_hostlist_add_text(l, nul, sizeof nul - 1, AF_UNSPEC, 0,
					  &line, err),
		     SK_EBADADDR);
	cr_expect_eq(line, 3);
	cr_expect(strstr(err, "NUL byte"), "%s", err);
	unsigned none_line = 7;
	cr_expect_eq(sk_hostlist_add_text(l, "# nothing\n \n", 12, AF_UNSPEC, 0,
					  &none_line, err),
		     0);
	sk_hostlist_free(l);
}

Test(hostlist, an_empty_or_null_list_holds_nothing)
{
	struct sk_ip a = ip("127.0.0.1");
	cr_expect_not(sk_hostlist_contains(NULL, &a));
	cr_expect_eq(sk_hostlist_count(NULL), 0);
	struct sk_hostlist *l;
	cr_assert_eq(sk_hostlist_new(&l), 0);
	cr_expect_not(sk_hostlist_contains(l, &a));
	struct sk_ip none = { 0 };
	cr_expect_not(sk_hostlist_contains(l, &none));
	sk_hostlist_free(l);
}

Test(hostlist, a_file_is_read_whole_and_bounded)
{
	char path[] = "/tmp/sockit-hostlist-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	static const char text[] = "# ok\n198.18.0.1\n\n198.18.0.0/24 bad..spec\n";
	cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	struct sk_hostlist *l;
	cr_assert_eq(sk_hostlist_new(&l), 0);
	unsigned line = 99;
	char err[SK_ERRLEN] = "";
	cr_expect_lt(sk_hostlist_add_file(l, path, AF_UNSPEC, SK_RESOLVE_NUMERIC, &line, err), 0);
	cr_expect_eq(line, 4, "%s", err);
	cr_expect(has(l, "198.18.0.1"), "the specs before the bad one stay");
	/* Unreadable: no line, the path and why. */
	cr_expect_eq(sk_hostlist_add_file(l, "/tmp", AF_UNSPEC, 0, &line, err), -EISDIR);
	cr_expect_eq(line, 0);
	cr_expect(strstr(err, "/tmp: "), "%s", err);
	cr_expect_eq(sk_hostlist_add_file(l, "/nonexistent/x", AF_UNSPEC, 0, &line, err), -ENOENT);
	cr_expect_eq(sk_hostlist_add_file(l, "/dev/zero", AF_UNSPEC, 0, &line, err), SK_ETOOLONG);
	cr_expect(strstr(err, "larger than"), "%s", err);
	unlink(path);
	sk_hostlist_free(l);
}
