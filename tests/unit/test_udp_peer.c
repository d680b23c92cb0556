/* UDP peers as streams (sockit/udp_peer.h) carried by the relay with
 * datagram_max: the test's own sockets play nc -u on the other end. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit/connect.h"
#include "sockit/endpoint.h"
#include "sockit/relay.h"
#include "sockit/udp_peer.h"

static struct sockaddr_in loopback4(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	return sa;
}

/* A plain UDP socket on 127.0.0.1, its port in *port. */
static int udp4(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in sa = loopback4(0);
	socklen_t len = sizeof sa;
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, len), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	struct timeval tv = { .tv_sec = 10 }; /* a hang is a failure */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

struct end {
	int ends;
	struct sk_relay_result res;
};

static void on_end(void *data, const struct sk_relay_result *res)
{
	struct end *e = data;
	e->ends++;
	e->res = *res;
	e->res.msg = NULL;
}

static size_t drain_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	while ((r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	return n;
}

/* Waits (turning the loop) for one datagram on fd; returns its length. */
static ssize_t recv_turning(uv_loop_t *loop, int fd, char *buf, size_t cap,
			    struct sockaddr_storage *from)
{
	socklen_t flen = sizeof *from;
	ssize_t n;
	while ((n = recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)from,
			     &flen)) < 0) {
		cr_assert(errno == EAGAIN, "%s", strerror(errno));
		uv_run(loop, UV_RUN_ONCE);
	}
	return n;
}

/* Each input read goes out as datagrams of at most datagram_max bytes,
 * the peer's datagrams reach the output, and an empty one is its end. */
Test(udp_peer, connect_cuts_datagrams_and_ends_at_an_empty_one)
{
	signal(SIGPIPE, SIG_IGN);
	uv_loop_t loop;
	uv_loop_init(&loop);
	uint16_t port;
	int peer = udp4(&port);
	struct sockaddr_in to = loopback4(port);
	uv_stream_t *s;
	char err[256];
	cr_assert_eq(sk_udp_peer_connect(&loop, (struct sockaddr *)&to,
					 sizeof to, NULL, 0, &s, err),
		     0, "%s", err);
	int in[2], out[2];
	cr_assert_eq(pipe(in), 0);
	cr_assert_eq(pipe(out), 0);
	cr_assert_eq(write(in[1], "abcdefghij", 10), 10);
	close(in[1]);
	struct sk_relay_opts o = { .in_fd = in[0], .out_fd = out[1],
				   .quit_ms = -1, .no_shutdown = true,
				   .datagram_max = 4, .end_at_peer_eof = true };
	struct sk_relay_cbs cbs = { .on_end = on_end };
	struct end e = { 0 };
	struct sk_relay *r;
	cr_assert_eq(sk_relay_new(&loop, s, NULL, &o, &cbs, &e, &r), 0);
	sk_relay_start(r);
	const char *want[] = { "abcd", "efgh", "ij" };
	struct sockaddr_storage from;
	for (int i = 0; i < 3; i++) {
		char buf[64];
		ssize_t n = recv_turning(&loop, peer, buf, sizeof buf, &from);
		cr_expect_eq(n, (ssize_t)strlen(want[i]));
		cr_expect_eq(memcmp(buf, want[i], (size_t)n), 0);
	}
	socklen_t flen = sizeof(struct sockaddr_in);
	cr_assert_eq(sendto(peer, "hi", 2, 0, (struct sockaddr *)&from, flen), 2);
	cr_assert_eq(sendto(peer, "", 0, 0, (struct sockaddr *)&from, flen), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(e.ends, 1);
	cr_expect_eq(e.res.why, SK_RELAY_DONE);
	cr_expect_eq(e.res.rx, 2);
	cr_expect_eq(e.res.tx, 10);
	close(out[1]);
	char got[64];
	drain_fd(out[0], got, sizeof got);
	cr_expect_str_eq(got, "hi");
	cr_expect_eq(uv_loop_close(&loop), 0);
	close(peer);
	close(in[0]);
	close(out[0]);
}

struct accepted {
	int calls, status;
	uv_stream_t *stream;
	struct sockaddr_storage peer;
	char first[64];
	size_t first_len;
};

static void on_accept(void *data, int status, uv_stream_t *stream,
		      const struct sockaddr *peer, const uint8_t *first,
		      size_t first_len, const char *err)
{
	struct accepted *a = data;
	a->calls++;
	a->status = status;
	cr_expect_eq(status, 0, "%s", err);
	a->stream = stream;
	memcpy(&a->peer, peer, peer->sa_family == AF_INET6
				    ? sizeof(struct sockaddr_in6)
				    : sizeof(struct sockaddr_in));
	cr_assert_lt(first_len, sizeof a->first);
	memcpy(a->first, first, first_len);
	a->first_len = first_len;
}

/* Listening on [::] (dual stack): the first sender is locked; what a
 * second one sent before the lock is dropped, and after it never
 * arrives; the first sender's later datagrams keep their order. */
Test(udp_peer, accept_locks_onto_the_first_sender)
{
	signal(SIGPIPE, SIG_IGN);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sockaddr_in6 any = { .sin6_family = AF_INET6,
				    .sin6_addr = IN6ADDR_ANY_INIT };
	struct sk_udp_accept *acc;
	struct accepted got = { 0 };
	char err[256];
	cr_assert_eq(sk_udp_accept_start(&loop, (struct sockaddr *)&any,
					 sizeof any, false, on_accept, &got,
					 &acc, err),
		     0, "%s", err);
	struct sockaddr_storage local;
	socklen_t llen;
	cr_assert_eq(sk_udp_accept_local(acc, &local, &llen), 0);
	struct sockaddr_in to =
	    loopback4(ntohs(((struct sockaddr_in6 *)&local)->sin6_port));
	uint16_t pa, pb;
	int a = udp4(&pa), b = udp4(&pb);
	const struct sockaddr *dst = (struct sockaddr *)&to;
	cr_assert_eq(sendto(a, "A1", 2, 0, dst, sizeof to), 2);
	cr_assert_eq(sendto(b, "B1", 2, 0, dst, sizeof to), 2);
	cr_assert_eq(sendto(a, "A2", 2, 0, dst, sizeof to), 2);
	while (!got.calls)
		uv_run(&loop, UV_RUN_ONCE);
	cr_assert_eq(got.status, 0);
	cr_expect_eq(got.first_len, 4);
	cr_expect_eq(memcmp(got.first, "A1A2", 4), 0);
	struct sockaddr_in *p4 = (struct sockaddr_in *)&got.peer;
	cr_expect_eq(p4->sin_family, AF_INET); /* not ::ffff:127.0.0.1 */
	cr_expect_eq(ntohs(p4->sin_port), pa);

	int out[2];
	cr_assert_eq(pipe(out), 0);
	struct sk_relay_opts o = { .in_fd = -1, .out_fd = out[1],
				   .quit_ms = -1, .no_shutdown = true,
				   .datagram_max = 1024, .end_at_peer_eof = true,
				   .received = (const uint8_t *)got.first,
				   .received_len = got.first_len };
	struct sk_relay_cbs cbs = { .on_end = on_end };
	struct end e = { 0 };
	struct sk_relay *r;
	cr_assert_eq(sk_relay_new(&loop, got.stream, NULL, &o, &cbs, &e, &r), 0);
	sk_relay_start(r);
	cr_assert_eq(sendto(b, "B2", 2, 0, dst, sizeof to), 2);
	cr_assert_eq(sendto(a, "A3", 2, 0, dst, sizeof to), 2);
	cr_assert_eq(sendto(a, "", 0, 0, dst, sizeof to), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(e.ends, 1);
	cr_expect_eq(e.res.why, SK_RELAY_DONE);
	cr_expect_eq(e.res.rx, 6);
	close(out[1]);
	char buf[64];
	drain_fd(out[0], buf, sizeof buf);
	cr_expect_str_eq(buf, "A1A2A3");
	cr_expect_eq(uv_loop_close(&loop), 0);
	close(a);
	close(b);
	close(out[0]);
}

Test(udp_peer, cancel_and_bind_errors)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	uint16_t port;
	int taken = udp4(&port);
	struct sockaddr_in sa = loopback4(port);
	struct sk_udp_accept *acc;
	char err[256];
	cr_expect_eq(sk_udp_accept_start(&loop, (struct sockaddr *)&sa,
					 sizeof sa, false, on_accept, NULL,
					 &acc, err),
		     -EADDRINUSE);
	cr_expect(strstr(err, "bind 127.0.0.1:"), "%s", err);
	sa.sin_port = 0;
	cr_assert_eq(sk_udp_accept_start(&loop, (struct sockaddr *)&sa,
					 sizeof sa, false, on_accept, NULL,
					 &acc, err),
		     0);
	sk_udp_accept_cancel(acc);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&loop), 0);
	close(taken);
}
