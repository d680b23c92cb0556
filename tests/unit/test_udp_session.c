#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/loop.h"
#include "sockit/udp_session.h"

/* What one session saw; the callbacks only count and record. */
struct seen {
	struct sk_udp_session *s;
	int ends, drained, sent, recv;
	enum sk_udp_session_end why;
	int code;
	uint8_t last[64];
	size_t last_len;
	/* on_sent: unqueue after this many (0: never), then end the input */
	int stop_after;
	/* on_drained: end the input */
	bool end_when_drained;
};

static void on_recv(void *data, const struct sk_dgram *d, struct sk_peer *peer)
{
	struct seen *w = data;
	cr_assert_not_null(peer);
	w->recv++;
	w->last_len = d->len < sizeof w->last ? d->len : sizeof w->last;
	memcpy(w->last, d->data, w->last_len);
}

static void on_sent(void *data, const struct sockaddr *to,
		    struct sk_peer *peer, const uint8_t *p, size_t n,
		    bool answer)
{
	struct seen *w = data;
	(void)to;
	(void)peer;
	(void)p;
	(void)n;
	(void)answer;
	if (++w->sent == w->stop_after) {
		cr_expect(sk_udp_session_unqueue(w->s));
		sk_udp_session_input_end(w->s);
	}
}

static void on_drained(void *data)
{
	struct seen *w = data;
	w->drained++;
	if (w->end_when_drained)
		sk_udp_session_input_end(w->s);
}

static void on_end(void *data, enum sk_udp_session_end why, int code)
{
	struct seen *w = data;
	w->ends++;
	w->why = why;
	w->code = code;
}

static const struct sk_udp_session_cbs cbs = {
	.on_recv = on_recv,
	.on_sent = on_sent,
	.on_drained = on_drained,
	.on_end = on_end,
};

/* A session on a fresh socket bound to 127.0.0.1, port chosen by the
 * kernel; *addr is where it listens. */
static void open_v4(uv_loop_t *loop, const struct sk_udp_session_opts *o, struct seen *w,
		    struct sockaddr_in *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	struct sk_udp_opts uo = { .family = AF_INET, .rcvbuf = 1 << 20 };
	struct sk_udp *u;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_udp_new(loop, &uo, (void *)&sa, sizeof sa, &u, err), 0, "%s", err);
	cr_assert_eq(sk_udp_session_new(loop, u, o, &cbs, w, &w->s, err), 0, "%s", err);
	struct sockaddr_storage ss;
	socklen_t len;
	cr_assert_eq(sk_udp_local(sk_udp_session_udp(w->s), &ss, &len), 0);
	memcpy(addr, &ss, sizeof *addr);
}

static void close_all(uv_loop_t *loop, struct seen *a, struct seen *b)
{
	sk_udp_session_free(a->s);
	if (b)
		sk_udp_session_free(b->s);
	sk_loop_drain(loop);
	cr_expect_eq(uv_loop_close(loop), 0);
}

Test(udp_session, repeated_copies_arrive_and_are_counted)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen rx = { 0 }, tx = { 0 };
	struct sockaddr_in ra, ta;
	open_v4(&loop, &(struct sk_udp_session_opts){ .max_size = 2048, .count = 200 }, &rx, &ra);
	open_v4(&loop, &(struct sk_udp_session_opts){ .end_after_input = true }, &tx, &ta);
	cr_assert_eq(sk_udp_session_queue(tx.s, (void *)&ra, sizeof ra, (const uint8_t *)"tick", 4,
					  200, 0), 0);
	/* Sent at once, in batches: only the last copy is reported. */
	cr_expect_eq(sk_udp_session_sent(tx.s), 200);
	cr_expect_eq(tx.sent, 1);
	cr_expect_eq(tx.drained, 1);
	sk_udp_session_input_end(tx.s);
	cr_expect_eq(tx.ends, 1);
	cr_expect_eq(tx.why, SK_UDP_SESSION_SENT);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(rx.ends, 1);
	cr_expect_eq(rx.why, SK_UDP_SESSION_COUNT);
	cr_expect_eq(rx.recv, 200);
	struct sk_peers *tp = sk_udp_session_peers(tx.s), *rp = sk_udp_session_peers(rx.s);
	cr_assert_eq(tp->n, 1);
	cr_expect_eq(tp->v[0]->tx_msgs, 200);
	cr_expect_eq(tp->v[0]->tx_bytes, 800);
	cr_assert_eq(rp->n, 1);
	cr_expect_eq(rp->v[0]->rx_msgs, 200);
	cr_expect_eq(rp->v[0]->rx_bytes, 800);
	close_all(&loop, &rx, &tx);
}

Test(udp_session, echo_with_suffix_ends_the_wait_once_all_replied)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen rx = { 0 }, tx = { 0 };
	struct sockaddr_in ra, ta;
	struct sk_append ap;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_append_parse("!", &ap, err), 0, "%s", err);
	open_v4(&loop, &(struct sk_udp_session_opts){ .max_size = 2048, .echo = true, .append = &ap },
		&rx, &ra);
	open_v4(&loop,
		&(struct sk_udp_session_opts){ .max_size = 2048, .end_after_input = true,
					       .end_on_replies = true, .wait_ms = 60000 },
		&tx, &ta);
	cr_assert_eq(sk_udp_session_queue(tx.s, (void *)&ra, sizeof ra, (const uint8_t *)"ping", 4,
					  3, 0), 0);
	sk_udp_session_input_end(tx.s);
	cr_expect_eq(tx.ends, 0);
	/* The sender's end stops the loop: the wait ended on the replies,
	 * not on its minute. */
	while (!tx.ends && uv_run(&loop, UV_RUN_ONCE))
		;
	cr_expect_eq(tx.why, SK_UDP_SESSION_REPLIED);
	cr_expect_eq(tx.recv, 3);
	cr_expect_eq(tx.last_len, 5);
	cr_expect_eq(memcmp(tx.last, "ping!", 5), 0);
	cr_expect_eq(rx.sent, 3); /* the answers, through on_sent */
	cr_expect_eq(sk_udp_session_sent(rx.s), 3);
	close_all(&loop, &rx, &tx);
}

Test(udp_session, wait_without_replies_runs_out)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen rx = { 0 }, tx = { 0 };
	struct sockaddr_in ra, ta;
	open_v4(&loop, &(struct sk_udp_session_opts){ .max_size = 2048 }, &rx, &ra);
	open_v4(&loop,
		&(struct sk_udp_session_opts){ .max_size = 2048, .end_after_input = true,
					       .end_on_replies = true, .wait_ms = 20 },
		&tx, &ta);
	cr_assert_eq(sk_udp_session_queue(tx.s, (void *)&ra, sizeof ra, (const uint8_t *)"x", 1, 1,
					  0), 0);
	sk_udp_session_input_end(tx.s);
	while (!tx.ends && uv_run(&loop, UV_RUN_ONCE))
		;
	cr_expect_eq(tx.why, SK_UDP_SESSION_WAITED);
	cr_expect_eq(sk_udp_session_received(tx.s), 0);
	close_all(&loop, &rx, &tx);
}

Test(udp_session, interval_copies_each_reported_then_drained)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen rx = { 0 }, tx = { .end_when_drained = true };
	struct sockaddr_in ra, ta;
	open_v4(&loop, &(struct sk_udp_session_opts){ .max_size = 2048, .count = 3 }, &rx, &ra);
	open_v4(&loop, &(struct sk_udp_session_opts){ .end_after_input = true, .each = true }, &tx,
		&ta);
	cr_assert_eq(sk_udp_session_queue(tx.s, (void *)&ra, sizeof ra, (const uint8_t *)"a", 1, 3,
					  1), 0);
	cr_expect_eq(tx.sent, 1); /* the first at once, the others later */
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(tx.sent, 3);
	cr_expect_eq(tx.drained, 1);
	cr_expect_eq(tx.ends, 1);
	cr_expect_eq(tx.why, SK_UDP_SESSION_SENT);
	cr_expect_eq(rx.recv, 3);
	close_all(&loop, &rx, &tx);
}

Test(udp_session, endless_copies_until_unqueued)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen tx = { .stop_after = 4 };
	struct sockaddr_in ta;
	open_v4(&loop, &(struct sk_udp_session_opts){ .end_after_input = true, .each = true }, &tx,
		&ta);
	/* To itself: nobody reads, the datagrams wait in its buffer. */
	cr_assert_eq(sk_udp_session_queue(tx.s, (void *)&ta, sizeof ta, (const uint8_t *)"z", 1, 0,
					  1), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(tx.sent, 4);
	cr_expect_eq(tx.drained, 0);
	cr_expect_eq(tx.why, SK_UDP_SESSION_SENT);
	close_all(&loop, &tx, NULL);
}

Test(udp_session, idle_ends_a_silent_session)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen rx = { 0 };
	struct sockaddr_in ra;
	open_v4(&loop, &(struct sk_udp_session_opts){ .max_size = 2048, .idle_ms = 10 }, &rx, &ra);
	while (!rx.ends && uv_run(&loop, UV_RUN_ONCE))
		;
	cr_expect_eq(rx.why, SK_UDP_SESSION_IDLE);
	close_all(&loop, &rx, NULL);
}

Test(udp_session, queue_refusals)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen tx = { 0 };
	struct sockaddr_in ta;
	open_v4(&loop, &(struct sk_udp_session_opts){ .end_after_input = true }, &tx, &ta);
	static uint8_t big[SK_UDP_MAX_V4 + 1];
	const struct sockaddr *to = (const struct sockaddr *)&ta;
	cr_expect_eq(sk_udp_session_queue(tx.s, to, sizeof ta, big, sizeof big, 1, 0), -EMSGSIZE);
	cr_expect_eq(sk_udp_session_send(tx.s, to, sizeof ta, big, sizeof big), -EMSGSIZE);
	cr_expect_eq(sk_udp_session_queue(tx.s, to, sizeof ta, big, 1, 0, 0), -EINVAL);
	cr_expect_eq(sk_udp_session_queue(tx.s, to, sizeof ta, big, 1, 2, 10000), 0);
	cr_expect_eq(sk_udp_session_queue(tx.s, to, sizeof ta, big, 1, 1, 0), -EBUSY);
	cr_expect(sk_udp_session_unqueue(tx.s));
	cr_expect_eq(sk_udp_session_send(tx.s, to, sizeof ta, big, 10), 10);
	sk_udp_session_input_end(tx.s);
	cr_expect_eq(tx.why, SK_UDP_SESSION_SENT);
	cr_expect_eq(sk_udp_session_queue(tx.s, to, sizeof ta, big, 1, 1, 0), -EPIPE);
	cr_expect_eq(sk_udp_session_sent(tx.s), 2);
	close_all(&loop, &tx, NULL);
}

Test(udp_session, send_failure_ends_the_session)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen tx = { 0 };
	struct sockaddr_in ta;
	open_v4(&loop, &(struct sk_udp_session_opts){ .end_after_input = true }, &tx, &ta);
	/* An IPv6 destination for an IPv4 socket: the kernel refuses it. */
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(9),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	cr_assert_eq(sk_udp_session_queue(tx.s, (void *)&v6, sizeof v6, (const uint8_t *)"x", 1, 5,
					  0), 0);
	cr_expect_eq(tx.ends, 1);
	cr_expect_eq(tx.why, SK_UDP_SESSION_FAILED);
	cr_expect_lt(tx.code, 0);
	cr_expect_eq(sk_udp_session_sent(tx.s), 0);
	close_all(&loop, &tx, NULL);
}

Test(udp_session, stop_ends_without_on_end)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen rx = { 0 };
	struct sockaddr_in ra;
	open_v4(&loop, &(struct sk_udp_session_opts){ .max_size = 2048, .idle_ms = 10 }, &rx, &ra);
	sk_udp_session_stop(rx.s);
	uv_run(&loop, UV_RUN_NOWAIT);
	cr_expect_eq(rx.ends, 0);
	close_all(&loop, &rx, NULL);
}

/* A pipe holding text, its write end closed: a finite input. */
static int pipe_of(const char *text)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fds[1]);
	return fds[0];
}

Test(udp_session, feed_sends_each_line_then_ends)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen rx = { 0 }, tx = { 0 };
	struct sockaddr_in ra, ta;
	open_v4(&loop, &(struct sk_udp_session_opts){ .max_size = 2048, .count = 4 }, &rx, &ra);
	open_v4(&loop, &(struct sk_udp_session_opts){ .end_after_input = true }, &tx, &ta);
	int fd = pipe_of("one\r\ntwo\n\nlast");
	struct sk_udp_feed f = { .fd = fd, .repeat = 1 };
	cr_assert_eq(sk_udp_session_feed(tx.s, &f, (void *)&ra, sizeof ra), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(tx.why, SK_UDP_SESSION_SENT);
	cr_expect_eq(sk_udp_session_sent(tx.s), 4);
	cr_expect_eq(rx.why, SK_UDP_SESSION_COUNT);
	cr_expect_eq(rx.last_len, 4);
	cr_expect_eq(memcmp(rx.last, "last", 4), 0);
	close(fd);
	close_all(&loop, &rx, &tx);
}

Test(udp_session, feed_names_the_bad_line)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen tx = { 0 };
	struct sockaddr_in ta;
	open_v4(&loop, &(struct sk_udp_session_opts){ .end_after_input = true }, &tx, &ta);
	int fd = pipe_of("48 65\n6c zz\n");
	struct sk_udp_feed f = { .fd = fd, .hex = true, .repeat = 1 };
	cr_assert_eq(sk_udp_session_feed(tx.s, &f, (void *)&ta, sizeof ta), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(tx.why, SK_UDP_SESSION_INPUT);
	const struct sk_udp_input_error *e = sk_udp_session_input_error(tx.s);
	cr_expect_eq(e->line, 2);
	cr_expect_eq(e->code, SK_EBADHEX);
	cr_expect_eq(e->offset, 3);
	cr_expect_eq(sk_udp_session_sent(tx.s), 1);
	close(fd);
	close_all(&loop, &tx, NULL);
}

Test(udp_session, feed_whole_too_large_reports_the_size)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct seen tx = { 0 };
	struct sockaddr_in ta;
	open_v4(&loop, &(struct sk_udp_session_opts){ .end_after_input = true }, &tx, &ta);
	/* One byte more than IPv4 carries (it fits a pipe's 64 KiB): the
	 * reader stops at its bound, so only "over the maximum" is known. */
	static char big[SK_UDP_MAX_V4 + 2];
	memset(big, 'x', sizeof big - 1);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], big, sizeof big - 1), (ssize_t)sizeof big - 1);
	close(fds[1]);
	struct sk_udp_feed f = { .fd = fds[0], .whole = true, .repeat = 1 };
	cr_assert_eq(sk_udp_session_feed(tx.s, &f, (void *)&ta, sizeof ta), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(tx.why, SK_UDP_SESSION_INPUT);
	const struct sk_udp_input_error *e = sk_udp_session_input_error(tx.s);
	cr_expect_eq(e->code, -EMSGSIZE);
	cr_expect_eq(e->line, 0);
	cr_expect_eq(e->size, 0);
	close(fds[0]);
	close_all(&loop, &tx, NULL);
}
