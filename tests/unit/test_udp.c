#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/udp.h"

struct seen {
	int n;
	size_t len[8], size[8];
	int family[8];
	struct sk_udp *u;
	int want;
};

static void on_dgram(void *arg, const struct sk_dgram *d)
{
	struct seen *s = arg;
	if (s->n < 8) {
		s->len[s->n] = d->len;
		s->size[s->n] = d->size;
		s->family[s->n] = d->from->sa_family;
	}
	if (++s->n >= s->want)
		sk_udp_recv_stop(s->u);
}

static uint16_t local_port(struct sk_udp *u)
{
	struct sockaddr_storage ss;
	socklen_t len;
	cr_assert_eq(sk_udp_local(u, &ss, &len), 0);
	return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
				       : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void send_v4(uint16_t port, size_t n)
{
	static char buf[4096];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	cr_assert_eq(sendto(fd, buf, n, 0, (void *)&to, sizeof to), (ssize_t)n);
	close(fd);
}

Test(udp, cut_datagram_reports_true_size)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	struct sk_udp_opts o = { .family = AF_INET, .rcvbuf = 1 << 20 };
	struct seen s = { .want = 2 };
	char err[SK_ERRLEN];
	cr_assert_eq(sk_udp_new(&loop, &o, (void *)&sa, sizeof sa, &s.u, err), 0, "%s", err);
	cr_assert_eq(sk_udp_recv_start(s.u, 100, 4, on_dgram, &s, err), 0, "%s", err);
	send_v4(local_port(s.u), 2000);
	send_v4(local_port(s.u), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(s.n, 2);
	cr_expect_eq(s.len[0], 100);
	cr_expect_eq(s.size[0], 2000);
	cr_expect_eq(s.len[1], 0);
	cr_expect_eq(s.size[1], 0);
	sk_udp_close(s.u);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(udp, dual_stack_sender_is_ipv4)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct sk_udp_opts o = { .family = AF_INET6, .v6only = false };
	struct seen s = { .want = 1 };
	char err[SK_ERRLEN];
	cr_assert_eq(sk_udp_new(&loop, &o, (void *)&sa, sizeof sa, &s.u, err), 0, "%s", err);
	cr_assert_eq(sk_udp_recv_start(s.u, 0, 0, on_dgram, &s, err), 0, "%s", err);
	send_v4(local_port(s.u), 5);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(s.family[0], AF_INET);
	cr_expect_eq(s.size[0], 5);
	sk_udp_close(s.u);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
}

Test(udp, send_repeat_and_join_errors)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	struct sk_udp_opts o = { .family = AF_INET, .rcvbuf = 1 << 20 };
	struct seen s = { .want = 5 };
	char err[SK_ERRLEN];
	cr_assert_eq(sk_udp_new(&loop, &o, (void *)&sa, sizeof sa, &s.u, err), 0);
	cr_assert_eq(sk_udp_recv_start(s.u, 0, 2, on_dgram, &s, err), 0);
	struct sockaddr_in to = sa;
	to.sin_port = htons(local_port(s.u));
	struct iovec iov = { .iov_base = (void *)"abc", .iov_len = 3 };
	cr_expect_eq(sk_udp_send_repeat(s.u, &iov, 1, (void *)&to, sizeof to, 5), 5);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(s.n, 5);
	cr_expect_eq(sk_udp_join(s.u, "10.0.0.1", NULL, err), SK_EBADADDR);
	cr_expect(strstr(err, "not a multicast group") != NULL, "%s", err);
	cr_expect_eq(sk_udp_join(s.u, "ff02::1", NULL, err), SK_EFAMILY);
	cr_expect_eq(sk_udp_join(s.u, "nope", NULL, err), SK_EBADADDR);
	cr_expect_eq(sk_udp_join(s.u, "239.1.1.1", "nosuchif0", err), -ENODEV);
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	cr_expect_eq(sk_udp_send(s.u, &iov, 1, (void *)&v6, sizeof v6), -EAFNOSUPPORT);
	sk_udp_close(s.u);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
}

static struct sk_endpoint endpoint(const char *text)
{
	struct sk_endpoint ep;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_endpoint_parse(text, "udp", &ep, err), 0, "%s", err);
	return ep;
}

Test(udp, ends_follow_the_peer_family_and_must_agree)
{
	struct sk_udp_ends e;
	char err[SK_ERRLEN];
	struct sk_endpoint six = endpoint("[::1]:9"), four = endpoint("127.0.0.1:9");
	struct sk_endpoint any_port = endpoint(":5400"), local4 = endpoint("127.0.0.1:0");
	struct sk_endpoint local6 = endpoint("[::1]:0"), zero = endpoint("127.0.0.1:0");

	/* An unnamed local end takes the peer's family. */
	cr_assert_eq(sk_udp_ends_resolve(&four, &any_port, AF_UNSPEC, &e, err), 0, "%s", err);
	cr_assert_eq(e.local.ss.ss_family, AF_INET);
	cr_assert_eq(e.peer.ss.ss_family, AF_INET);
	cr_assert_eq(ntohs(((struct sockaddr_in *)&e.local.ss)->sin_port), 5400);
	cr_assert_eq(sk_udp_ends_resolve(&six, NULL, AF_UNSPEC, &e, err), 0, "%s", err);
	cr_assert_eq(e.local.ss.ss_family, AF_INET6);
	/* No peer: every address, dual-stack. */
	cr_assert_eq(sk_udp_ends_resolve(NULL, &any_port, AF_UNSPEC, &e, err), 0, "%s", err);
	cr_assert_eq(e.peer.len, 0);
	cr_assert_eq(e.local.ss.ss_family, AF_INET6);
	cr_assert(!e.v6only);

	cr_assert_eq(sk_udp_ends_resolve(&six, &local4, AF_UNSPEC, &e, err), SK_EFAMILY);
	cr_assert_str_eq(err, "is IPv4 but [::1]:9 is IPv6");
	cr_assert(!e.peer_failed);
	cr_assert_eq(sk_udp_ends_resolve(&four, &local6, AF_UNSPEC, &e, err), SK_EFAMILY);
	cr_assert_str_eq(err, "is IPv6 only but 127.0.0.1:9 is IPv4");
	cr_assert_eq(sk_udp_ends_resolve(&zero, NULL, AF_UNSPEC, &e, err), SK_EBADPORT);
	cr_assert_str_eq(err, "port 0 is not a destination");
	cr_assert(e.peer_failed);
	cr_assert_lt(sk_udp_ends_resolve(&six, NULL, AF_INET, &e, err), 0);
	cr_assert(e.peer_failed);
}

Test(udp, ends_parse_names_the_text_at_fault)
{
	struct sk_udp_ends e;
	char err[SK_ERRLEN];
	cr_expect_eq(sk_udp_ends_parse("unix:/x", NULL, AF_UNSPEC, &e, err), SK_EBADENDPOINT);
	cr_expect(e.peer_failed);
	cr_expect_str_eq(err, "unix:/x: UDP needs HOST:PORT");
	cr_expect_eq(sk_udp_ends_parse("127.0.0.1:0", NULL, AF_UNSPEC, &e, err), SK_EBADPORT);
	cr_expect_str_eq(err, "127.0.0.1:0: port 0 is not a destination");
	cr_expect_eq(sk_udp_ends_parse("[::1]:9", "127.0.0.1:0", AF_UNSPEC, &e, err), SK_EFAMILY);
	cr_expect(!e.peer_failed);
	cr_expect_str_eq(err, "127.0.0.1:0 is IPv4 but [::1]:9 is IPv6");
	cr_expect_eq(sk_udp_ends_parse("127.0.0.1:9", "", AF_UNSPEC, &e, err), 0);
	cr_expect_eq(e.peer.ss.ss_family, AF_INET);
	cr_expect_eq(e.local.ss.ss_family, AF_INET);
	cr_expect_eq(sk_udp_ends_parse("", "127.0.0.1:0", AF_UNSPEC, &e, err), 0);
	cr_expect_eq(e.peer.len, 0);
}
