/* The relay against a loopback TCP peer driven by the test with plain
 * system calls: what the peer sends is written before the loop runs (it
 * fits the socket buffers), what it received is read afterwards. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit/append.h"
#include "sockit/relay.h"

struct run {
	uv_loop_t loop;
	struct sk_relay *r;
	int peer;	 /* the test's end of the connection */
	int in_w, out_r; /* the test's ends of the input and output pipes */
	struct sk_relay_opts o;
	struct sk_relay_cbs cbs;
	int ends;
	struct sk_relay_result res;
	char msg[256];
	int eofs, readies;
	size_t sent;
	const char *late; /* written to the input when the peer closes */
	const char *late_from_peer; /* sent by the peer at each on_sent */
	bool stop_when_ready;
};

static void peer_says(struct run *t, const char *text, bool then_close);

static void on_end(void *data, const struct sk_relay_result *res)
{
	struct run *t = data;
	t->ends++;
	t->res = *res;
	if (res->msg)
		snprintf(t->msg, sizeof t->msg, "%s", res->msg);
	t->res.msg = NULL;
}

static void on_ready(void *data, struct sk_tls *tls)
{
	struct run *t = data;
	cr_expect_null(tls);
	t->readies++;
	if (t->stop_when_ready)
		sk_relay_stop(t->r);
}

static void on_sent(void *data, const uint8_t *p, size_t n)
{
	(void)p;
	struct run *t = data;
	t->sent += n;
	if (t->late_from_peer) /* arrives while the relay is ending */
		peer_says(t, t->late_from_peer, false);
}

/* The peer has closed: the input still has something to say. */
static void on_peer_eof(void *data)
{
	struct run *t = data;
	t->eofs++;
	if (t->late && t->in_w >= 0) {
		size_t n = strlen(t->late);
		cr_assert_eq(write(t->in_w, t->late, n), (ssize_t)n);
		close(t->in_w);
		t->in_w = -1;
	}
}

/* A connected loopback pair with small fixed buffers, so that what the
 * kernel holds for a peer that does not read is bounded. */
static void tcp_pair(int *client, int *peer)
{
	int buf = 128 * 1024;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	cr_assert_eq(bind(l, (struct sockaddr *)&sa, len), 0);
	cr_assert_eq(listen(l, 1), 0);
	cr_assert_eq(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(*client, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	cr_assert_eq(connect(*client, (struct sockaddr *)&sa, len), 0);
	*peer = accept(l, NULL, NULL);
	cr_assert_geq(*peer, 0);
	close(l);
}

static void pipe_pair(int *r, int *w)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	*r = fds[0];
	*w = fds[1];
}

/* in_fd: -1 for a pipe the test writes (t->in_w), or a given fd. */
static void setup(struct run *t, int in_fd)
{
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&t->loop);
	int client;
	tcp_pair(&client, &t->peer);
	t->in_w = -1;
	if (in_fd < 0)
		pipe_pair(&in_fd, &t->in_w);
	int out_w;
	pipe_pair(&t->out_r, &out_w);
	t->o.in_fd = in_fd;
	t->o.out_fd = out_w;
	t->o.quit_ms = -1;
	t->cbs.on_end = on_end;
	t->cbs.on_ready = on_ready;
	t->cbs.on_peer_eof = on_peer_eof;
	uv_tcp_t *s = malloc(sizeof *s);
	cr_assert_not_null(s);
	uv_tcp_init(&t->loop, s);
	cr_assert_eq(uv_tcp_open(s, client), 0);
	cr_assert_eq(sk_relay_new(&t->loop, (uv_stream_t *)s, NULL, &t->o,
				  &t->cbs, t, &t->r),
		     0);
}

static void peer_says(struct run *t, const char *text, bool then_close)
{
	size_t n = strlen(text);
	cr_assert_eq(write(t->peer, text, n), (ssize_t)n);
	if (then_close)
		shutdown(t->peer, SHUT_WR);
}

/* Runs to the end; closes the test's write ends first so that the pipes
 * report EOF to their readers afterwards. */
static void run_to_end(struct run *t)
{
	sk_relay_start(t->r);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	cr_expect_eq(t->ends, 1);
	close(t->o.out_fd);
	cr_expect_eq(uv_loop_close(&t->loop), 0);
}

/* Everything left on fd up to its EOF. */
static size_t drain_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		cr_assert_lt(n, cap);
	}
	buf[n] = 0;
	return n;
}

static void finish(struct run *t)
{
	close(t->peer);
	close(t->out_r);
	if (t->in_w >= 0)
		close(t->in_w);
	if (t->o.in_fd >= 0)
		close(t->o.in_fd);
}

/* The input ends first: the relay shuts its side down (the peer reads
 * EOF) and waits for the peer's close before it ends. */
Test(relay, input_ends_first_half_close)
{
	struct run t = { 0 };
	setup(&t, -1);
	cr_assert_eq(write(t.in_w, "hello\n", 6), 6);
	close(t.in_w);
	t.in_w = -1;
	peer_says(&t, "world", true);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	cr_expect_eq(t.res.rx, 5);
	cr_expect_eq(t.res.tx, 6);
	cr_expect_eq(t.readies, 1);
	cr_expect_eq(t.eofs, 1);
	char buf[64];
	cr_expect_eq(drain_fd(t.peer, buf, sizeof buf), 6);
	cr_expect_str_eq(buf, "hello\n");
	drain_fd(t.out_r, buf, sizeof buf);
	cr_expect_str_eq(buf, "world");
	finish(&t);
}

/* The peer closes first: what the input still has goes out before the
 * relay ends. */
Test(relay, peer_closes_first_input_still_goes_out)
{
	struct run t = { 0 };
	setup(&t, -1);
	t.late = "after the peer's close\n";
	peer_says(&t, "bye", true);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	char buf[64];
	drain_fd(t.peer, buf, sizeof buf);
	cr_expect_str_eq(buf, "after the peer's close\n");
	drain_fd(t.out_r, buf, sizeof buf);
	cr_expect_str_eq(buf, "bye");
	finish(&t);
}

/* A peer that does not read: the relay stops taking input once about
 * SK_RELAY_HIGH_MARK is queued, instead of reading the whole input into
 * memory; once the peer reads, everything arrives intact. */
Test(relay, backpressure_with_a_slow_reader)
{
	enum { SIZE = 32 * 1024 * 1024 };
	char path[] = "/tmp/sockit-relay-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	static uint8_t block[64 * 1024];
	for (size_t i = 0; i < sizeof block; i++)
		block[i] = (uint8_t)(i * 7);
	for (size_t off = 0; off < SIZE; off += sizeof block)
		cr_assert_eq(write(fd, block, sizeof block),
			     (ssize_t)sizeof block);
	lseek(fd, 0, SEEK_SET);
	struct run t = { 0 };
	t.cbs.on_sent = on_sent; /* through the relay, not sendfile */
	setup(&t, fd);
	sk_relay_start(t.r);
	/* However many turns the loop takes, the input stays paused. */
	for (int i = 0; i < 300; i++)
		uv_run(&t.loop, UV_RUN_NOWAIT);
	cr_expect_lt(sk_relay_tx(t.r), 4 * 1024 * 1024, "took %llu bytes",
		     (unsigned long long)sk_relay_tx(t.r));
	cr_expect_gt(sk_relay_tx(t.r), 0);
	/* Now the peer reads, the loop turns in between. */
	shutdown(t.peer, SHUT_WR);
	fcntl(t.peer, F_SETFL, O_NONBLOCK);
	static uint8_t got[256 * 1024];
	size_t total = 0;
	bool same = true;
	while (!t.ends) {
		uv_run(&t.loop, UV_RUN_NOWAIT);
		ssize_t r;
		while ((r = read(t.peer, got, sizeof got)) > 0) {
			for (ssize_t i = 0; i < r; i++)
				same = same &&
				       got[i] ==
					   (uint8_t)((total + (size_t)i) * 7);
			total += (size_t)r;
		}
	}
	uv_run(&t.loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&t.loop), 0);
	ssize_t r;
	while ((r = read(t.peer, got, sizeof got)) > 0)
		total += (size_t)r;
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	cr_expect_eq(total, SIZE);
	cr_expect_eq(t.sent, SIZE);
	cr_expect(same, "the bytes arrived altered");
	close(t.o.out_fd);
	finish(&t);
}

/* Nothing shown: a file goes out with sendfile, and the peer's bytes reach
 * the output pipe with splice. */
Test(relay, zero_copy_both_ways)
{
	char path[] = "/tmp/sockit-relay-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(write(fd, "from a file", 11), 11);
	lseek(fd, 0, SEEK_SET);
	struct run t = { 0 };
	setup(&t, fd);
	peer_says(&t, "to a pipe", true);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	cr_expect_eq(t.res.rx, 9);
	cr_expect_eq(t.res.tx, 11);
	char buf[64];
	drain_fd(t.peer, buf, sizeof buf);
	cr_expect_str_eq(buf, "from a file");
	drain_fd(t.out_r, buf, sizeof buf);
	cr_expect_str_eq(buf, "to a pipe");
	finish(&t);
}

/* Message mode: each input line, hex-decoded, plus the suffix. */
Test(relay, message_mode_hex_and_append)
{
	struct sk_append a;
	cr_assert_eq(sk_append_parse("|", &a, NULL), 0);
	struct run t = { 0 };
	t.o.hex_input = true;
	t.o.append = &a;
	setup(&t, -1);
	cr_assert_eq(write(t.in_w, "41 42\n43\r\n\n44", 13), 13);
	close(t.in_w);
	t.in_w = -1;
	peer_says(&t, "", true);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	char buf[64];
	drain_fd(t.peer, buf, sizeof buf);
	cr_expect_str_eq(buf, "AB|C||D|"); /* an empty line: the suffix alone */
	finish(&t);
}

Test(relay, message_mode_bad_hex)
{
	struct run t = { 0 };
	t.o.hex_input = true;
	setup(&t, -1);
	cr_assert_eq(write(t.in_w, "41\n4x\n", 6), 6);
	close(t.in_w);
	t.in_w = -1;
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_BAD_INPUT);
	cr_expect_eq(t.res.line, 2);
	cr_expect_eq(t.res.offset, 1);
	finish(&t);
}

/* -C: LF becomes CRLF on the way out, across reads too. */
Test(relay, crlf)
{
	struct run t = { 0 };
	t.o.crlf = true;
	setup(&t, -1);
	cr_assert_eq(write(t.in_w, "a\nb\r\n", 5), 5);
	close(t.in_w);
	t.in_w = -1;
	peer_says(&t, "", true);
	run_to_end(&t);
	char buf[64];
	drain_fd(t.peer, buf, sizeof buf);
	cr_expect_str_eq(buf, "a\r\nb\r\n");
	finish(&t);
}

Test(relay, send_and_wait_for_the_reply)
{
	struct run t = { 0 };
	t.o.send = (const uint8_t *)"ping";
	t.o.send_len = 4;
	t.o.wait_reply_ms = 60000;
	setup(&t, -1);
	peer_says(&t, "pong", true);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	char buf[64];
	drain_fd(t.peer, buf, sizeof buf);
	cr_expect_str_eq(buf, "ping");
	drain_fd(t.out_r, buf, sizeof buf);
	cr_expect_str_eq(buf, "pong");
	finish(&t);
}

Test(relay, peer_closes_without_a_reply)
{
	struct run t = { 0 };
	t.o.send = (const uint8_t *)"ping";
	t.o.send_len = 4;
	t.o.wait_reply_ms = 60000;
	setup(&t, -1);
	peer_says(&t, "", true);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_CLOSED_NO_REPLY);
	finish(&t);
}

static int refuse_output(void *data, const uint8_t *p, size_t n)
{
	(void)data;
	(void)p;
	(void)n;
	return -EPIPE;
}

/* The output's reader went away (`| head`): a normal end. */
Test(relay, output_closed)
{
	struct run t = { 0 };
	t.cbs.on_recv = refuse_output;
	setup(&t, -1);
	peer_says(&t, "more than head wants", false);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_OUTPUT_CLOSED);
	finish(&t);
}

Test(relay, stop)
{
	struct run t = { 0 };
	t.stop_when_ready = true;
	setup(&t, -1);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_STOPPED);
	cr_expect_eq(t.readies, 1);
	finish(&t);
}

/* A refused peer after the relay started: the connection's error. */
Test(relay, connection_error)
{
	struct run t = { 0 };
	setup(&t, -1);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(t.peer, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(t.peer); /* a reset */
	t.peer = open("/dev/null", O_RDONLY);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_CONN_ERROR);
	cr_expect_eq(t.res.code, -ECONNRESET);
	cr_expect_neq(t.msg[0], 0);
	finish(&t);
}

/* nc -l: the peer's end ends the relay though the input is still open
 * (the test never closes it); what the peer sent is all out. */
Test(relay, end_at_peer_eof_leaves_the_input)
{
	struct run t = { 0 };
	t.o.end_at_peer_eof = true;
	setup(&t, -1);
	peer_says(&t, "a whole file", true);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	char buf[64];
	drain_fd(t.out_r, buf, sizeof buf);
	cr_expect_str_eq(buf, "a whole file");
	cr_expect_eq(drain_fd(t.peer, buf, sizeof buf), 0); /* our FIN */
	finish(&t);
}

/* ... but an input that is a regular file still goes out whole. */
Test(relay, end_at_peer_eof_sends_a_file_whole)
{
	char path[] = "/tmp/sockit-relay-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(write(fd, "the answer", 10), 10);
	lseek(fd, 0, SEEK_SET);
	struct run t = { 0 };
	t.o.end_at_peer_eof = true;
	setup(&t, fd);
	peer_says(&t, "request", true);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	char buf[64];
	drain_fd(t.peer, buf, sizeof buf);
	cr_expect_str_eq(buf, "the answer");
	finish(&t);
}

/* ncat --send-only: the input's end ends the relay without waiting for
 * the peer (which never closes here); the peer reads it all, then EOF. */
Test(relay, end_at_input_end_does_not_wait_for_the_peer)
{
	struct run t = { 0 };
	t.o.end_at_input_end = true;
	t.cbs.on_sent = on_sent;
	t.late_from_peer = "not waited for";
	setup(&t, -1);
	cr_assert_eq(write(t.in_w, "one way", 7), 7);
	close(t.in_w);
	t.in_w = -1;
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	char buf[64];
	cr_expect_eq(read(t.peer, buf, sizeof buf), 7);
	cr_expect_eq(memcmp(buf, "one way", 7), 0);
	/* An orderly end, not a reset: what the peer sent was read first. */
	cr_expect_eq(read(t.peer, buf, sizeof buf), 0, "%s", strerror(errno));
	finish(&t);
}

/* ... what the input has ready when the peer ends still goes out, as nc -l
 * sends what it has read. */
Test(relay, end_at_peer_eof_sends_what_the_input_has_ready)
{
	struct run t = { 0 };
	t.o.end_at_peer_eof = true;
	setup(&t, -1);
	peer_says(&t, "done", true);
	t.late = "ready when the peer ended\n"; /* written, the pipe kept open */
	int keep = dup(t.in_w);
	run_to_end(&t);
	cr_expect_eq(t.res.why, SK_RELAY_DONE);
	char buf[64];
	drain_fd(t.peer, buf, sizeof buf);
	cr_expect_str_eq(buf, "ready when the peer ended\n");
	close(keep);
	finish(&t);
}
