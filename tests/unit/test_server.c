/* The server engine on a real loopback listener, with plain sockets as
 * clients.  Waits run the loop until what is awaited has happened (bounded
 * at 10 s, a failure), never for a fixed time. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit/append.h"
#include "sockit/error.h"
#include "sockit/server.h"

struct ev {
	struct sk_server *srv;
	int joins, leaves, refusals, stops, readies, nlines;
	size_t line_sizes[8];
	unsigned ids[8];
	enum sk_server_leave why;
	enum sk_server_refusal refusal;
	char detail[SK_ERRLEN];
	char lines[512];
	size_t lines_len;
	uint64_t left_rx, left_tx;
};

static void on_join(void *data, struct sk_server_client *c)
{
	struct ev *e = data;
	if (e->joins < 8)
		e->ids[e->joins] = sk_server_client_id(c);
	e->joins++;
}

static void on_ready(void *data, struct sk_server_client *c)
{
	(void)c;
	((struct ev *)data)->readies++;
}

static void on_refuse(void *data, const char *addr, enum sk_server_refusal why,
		      const char *detail)
{
	struct ev *e = data;
	cr_expect(strncmp(addr, "127.0.0.1:", 10) == 0, "%s", addr);
	e->refusals++;
	e->refusal = why;
	snprintf(e->detail, sizeof e->detail, "%s", detail);
}

static void on_line(void *data, struct sk_server_client *c, const char *p,
		    size_t n)
{
	struct ev *e = data;
	if (e->nlines < 8)
		e->line_sizes[e->nlines] = n;
	if (n > 64) /* long lines are counted, not kept */
		n = 0;
	int len =
	    snprintf(e->lines + e->lines_len, sizeof e->lines - e->lines_len,
		     "%u:%.*s|", sk_server_client_id(c), (int)n, p);
	e->lines_len += (size_t)len;
	e->nlines++;
}

static void on_leave(void *data, struct sk_server_client *c,
		     enum sk_server_leave why, const char *detail)
{
	struct ev *e = data;
	e->leaves++;
	e->why = why;
	e->left_rx = sk_server_client_peer(c)->rx_bytes;
	e->left_tx = sk_server_client_peer(c)->tx_bytes;
	snprintf(e->detail, sizeof e->detail, "%s", detail);
	cr_expect(sk_server_client(e->srv, sk_server_client_id(c)) != c,
		  "a client that left is out of the list");
}

static void on_stop(void *data)
{
	((struct ev *)data)->stops++;
}

static const struct sk_server_cbs cbs = {
	.on_join = on_join,
	.on_ready = on_ready,
	.on_refuse = on_refuse,
	.on_line = on_line,
	.on_leave = on_leave,
	.on_stop = on_stop,
};

struct fixture {
	uv_loop_t loop;
	struct ev ev;
	uint16_t port;
};

static void start(struct fixture *f, const struct sk_server_opts *o)
{
	memset(&f->ev, 0, sizeof f->ev);
	uv_loop_init(&f->loop);
	cr_assert_eq(sk_server_new(&f->loop, o, &cbs, &f->ev, &f->ev.srv), 0);
	struct sk_endpoint ep;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_endpoint_parse("127.0.0.1:0", "tcp", &ep, err), 0, "%s",
		     err);
	cr_assert_eq(sk_server_listen(f->ev.srv, &ep, NULL, err), 0, "%s", err);
	const struct sockaddr_in *sa =
	    (const void *)sk_listener_addr(sk_server_listener(f->ev.srv));
	f->port = ntohs(sa->sin_port);
}

static void finish(struct fixture *f)
{
	sk_server_stop(f->ev.srv);
	cr_expect_eq(f->ev.stops, 1);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	sk_server_free(f->ev.srv);
	cr_expect_eq(uv_loop_close(&f->loop), 0);
}

static void tick(uv_timer_t *t)
{
	(void)t;
}

/* Runs the loop until *count reaches want (a tick keeps it turning while
 * the event comes from outside the loop). */
static void run_until(struct fixture *f, const int *count, int want)
{
	uv_timer_t t;
	uv_timer_init(&f->loop, &t);
	uv_timer_start(&t, tick, 5, 5);
	uint64_t deadline = uv_now(&f->loop) + 10000;
	while (*count < want && uv_now(&f->loop) < deadline)
		uv_run(&f->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	cr_assert_geq(*count, want, "waited 10 s for an event");
}

static int client(struct fixture *f, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(f->port) };
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	cr_assert_eq(connect(fd, (void *)&to, sizeof to), 0);
	return fd;
}

static void say(int fd, const char *text)
{
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

/* Reads exactly n bytes from fd (or its end: returns what came), turning
 * the loop while they are on their way. */
static size_t hear(struct fixture *f, int fd, char *buf, size_t n)
{
	uv_timer_t t;
	uv_timer_init(&f->loop, &t);
	uv_timer_start(&t, tick, 5, 5);
	uint64_t deadline = uv_now(&f->loop) + 10000;
	size_t got = 0;
	while (got < n && uv_now(&f->loop) < deadline) {
		ssize_t r = recv(fd, buf + got, n - got, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			break;
		if (r > 0)
			got += (size_t)r;
		else
			uv_run(&f->loop, UV_RUN_ONCE);
	}
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	return got;
}

static void hear_text(struct fixture *f, int fd, const char *want)
{
	char buf[512] = "";
	size_t n = strlen(want);
	cr_assert_lt(n, sizeof buf);
	cr_expect_eq(hear(f, fd, buf, n), n, "got '%s' of '%s'", buf, want);
	cr_expect_str_eq(buf, want);
}

static void hear_end(struct fixture *f, int fd)
{
	char buf[64];
	cr_expect_eq(hear(f, fd, buf, sizeof buf), 0,
		     "the server closed the connection");
}

Test(server, joins_lines_and_leaves)
{
	struct fixture f;
	struct sk_server_opts o = { .keep = true, .lines = true };
	start(&f, &o);
	int a = client(&f, 0);
	run_until(&f, &f.ev.joins, 1);
	cr_expect_eq(f.ev.readies, 1);
	cr_expect_eq(sk_server_count(f.ev.srv), 1);
	struct sk_server_client *c = sk_server_first(f.ev.srv);
	cr_assert_not_null(c);
	cr_expect_eq(sk_server_client_id(c), 1);
	cr_expect(strncmp(sk_server_client_addr(c), "127.0.0.1:", 10) == 0);
	cr_expect_null(sk_server_next(c));
	cr_expect_null(sk_server_client_tls(c));
	cr_expect_null(sk_server_client_data(c));
	sk_server_client_set_data(c, &f);
	cr_expect_eq(sk_server_client_data(c), &f);
	say(a, "hello\r\nwor");
	run_until(&f, &f.ev.nlines, 1);
	say(a, "ld\npartial");
	shutdown(a, SHUT_WR);
	run_until(&f, &f.ev.leaves, 1);
	cr_expect_str_eq(f.ev.lines, "1:hello|1:world|1:partial|");
	cr_expect_eq(f.ev.why, SK_SERVER_CLOSED);
	cr_expect_eq(f.ev.left_rx, 20);
	cr_expect_eq(sk_server_count(f.ev.srv), 0);
	cr_expect_eq(sk_server_served(f.ev.srv), 1);
	cr_expect_eq(sk_server_peers(f.ev.srv)->retired.rx_bytes, 20);
	hear_end(&f, a);
	close(a);
	finish(&f);
}

Test(server, long_lines_come_in_pieces_and_a_partial_one_at_the_end)
{
	struct fixture f;
	struct sk_server_opts o = { .keep = true, .lines = true };
	start(&f, &o);
	int a = client(&f, 0);
	run_until(&f, &f.ev.joins, 1);
	static char big[SK_SERVER_LINE_MAX + 11];
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\n';
	cr_assert_eq(write(a, big, sizeof big), (ssize_t)sizeof big);
	say(a, "tail");
	close(a);
	run_until(&f, &f.ev.leaves, 1);
	cr_expect_eq(f.ev.nlines, 3);
	cr_expect_eq(f.ev.line_sizes[0], SK_SERVER_LINE_MAX);
	cr_expect_eq(f.ev.line_sizes[1], 10);
	cr_expect_eq(f.ev.line_sizes[2], 4,
		     "the partial line when the client left");
	finish(&f);
}

Test(server, access_list_refuses)
{
	struct sk_hostlist *deny;
	cr_assert_eq(sk_hostlist_new(&deny), 0);
	cr_assert_eq(sk_hostlist_add(deny, "127.0.0.0/8", AF_UNSPEC, 0, NULL), 1);
	struct fixture f;
	struct sk_server_opts o = { .keep = true, .acl = { .deny = deny } };
	start(&f, &o);
	int a = client(&f, 0);
	run_until(&f, &f.ev.refusals, 1);
	cr_expect_eq(f.ev.refusal, SK_SERVER_DENIED);
	cr_expect_eq(f.ev.joins, 0);
	hear_end(&f, a);
	close(a);
	finish(&f);
	sk_hostlist_free(deny);
}

Test(server, acl_rules)
{
	struct sk_hostlist *allow, *deny;
	cr_assert_eq(sk_hostlist_new(&allow), 0);
	cr_assert_eq(sk_hostlist_new(&deny), 0);
	cr_assert_eq(sk_hostlist_add(allow, "10.0.0.0/8", AF_UNSPEC, 0, NULL), 1);
	cr_assert_eq(sk_hostlist_add(deny, "10.1.*.1-9", AF_UNSPEC, 0, NULL), 1);
	struct sk_acl acl = { .allow = allow, .deny = deny };
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	in->sin_family = AF_INET;
	inet_pton(AF_INET, "10.2.3.4", &in->sin_addr);
	cr_expect(sk_acl_allows(&acl, &ss));
	inet_pton(AF_INET, "10.1.3.4", &in->sin_addr);
	cr_expect_not(sk_acl_allows(&acl, &ss), "deny wins");
	inet_pton(AF_INET, "10.1.3.10", &in->sin_addr);
	cr_expect(sk_acl_allows(&acl, &ss), "past the denied range");
	inet_pton(AF_INET, "192.0.2.1", &in->sin_addr);
	cr_expect_not(sk_acl_allows(&acl, &ss), "not in allow");
	struct sockaddr_storage none = { 0 },
				unix_peer = { .ss_family = AF_UNIX };
	struct sk_acl empty = { 0 };
	cr_expect_not(sk_acl_allows(&acl, &none));
	cr_expect(sk_acl_allows(&empty, &none));
	cr_expect(sk_acl_allows(&acl, &unix_peer));
	sk_hostlist_free(allow);
	sk_hostlist_free(deny);
}

Test(server, max_conns_refuses_the_next)
{
	struct fixture f;
	struct sk_server_opts o = { .keep = true, .max_conns = 1 };
	start(&f, &o);
	int a = client(&f, 0);
	run_until(&f, &f.ev.joins, 1);
	int b = client(&f, 0);
	run_until(&f, &f.ev.refusals, 1);
	cr_expect_eq(f.ev.refusal, SK_SERVER_FULL);
	hear_end(&f, b);
	close(b);
	close(a);
	run_until(&f, &f.ev.leaves, 1);
	finish(&f);
}

Test(server, broker_sends_to_everyone_else)
{
	struct fixture f;
	struct sk_server_opts o = { .mode = SK_SERVER_BROKER, .keep = true };
	start(&f, &o);
	int a = client(&f, 0), b = client(&f, 0), c = client(&f, 0);
	run_until(&f, &f.ev.joins, 3);
	say(a, "from a\n");
	hear_text(&f, b, "from a\n");
	hear_text(&f, c, "from a\n");
	say(b, "from b\n");
	hear_text(&f, a, "from b\n"); /* the first thing a hears: not its own */
	hear_text(&f, c, "from b\n");
	cr_expect_eq(sk_server_send_all(f.ev.srv, "all\n", 4), 3);
	hear_text(&f, a, "all\n");
	close(a);
	close(b);
	close(c);
	run_until(&f, &f.ev.leaves, 3);
	finish(&f);
}

Test(server, chat_in_sockit_style_prefixes_lines_and_announces)
{
	struct fixture f;
	struct sk_server_opts o = { .mode = SK_SERVER_CHAT, .keep = true,
				    .chat_style = SK_CHAT_SOCKIT };
	start(&f, &o);
	int a = client(&f, 0);
	run_until(&f, &f.ev.joins, 1);
	int b = client(&f, 0);
	run_until(&f, &f.ev.joins, 2);
	char want[128];
	snprintf(want, sizeof want, "<announce> %s is connected as <user2>.\n",
		 sk_server_client_addr(sk_server_client(f.ev.srv, 2)));
	hear_text(&f, a, want);
	say(b, "hi all\r\nbye");
	hear_text(&f, a, "<user2> hi all\n");
	close(b);
	hear_text(&f, a, "<user2> bye\n");
	hear_text(&f, a, "<announce> <user2> is gone.\n");
	close(a);
	run_until(&f, &f.ev.leaves, 2);
	finish(&f);
}

/* ncat's words: the newcomer hears its own arrival and who was there
 * (oldest first), leaving is "disconnected", control bytes are \ooo. */
Test(server, chat_in_ncat_style_speaks_like_ncat)
{
	struct fixture f;
	struct sk_server_opts o = { .mode = SK_SERVER_CHAT, .keep = true };
	start(&f, &o);
	int a = client(&f, 0);
	run_until(&f, &f.ev.joins, 1);
	hear_text(&f, a,
		  "<announce> 127.0.0.1 is connected as <user1>.\n"
		  "<announce> already connected: nobody.\n");
	int b = client(&f, 0);
	run_until(&f, &f.ev.joins, 2);
	const char *two = "<announce> 127.0.0.1 is connected as <user2>.\n"
			  "<announce> already connected: 127.0.0.1 as <user1>.\n";
	hear_text(&f, a, two);
	hear_text(&f, b, two);
	int c = client(&f, 0);
	run_until(&f, &f.ev.joins, 3);
	const char *three =
	    "<announce> 127.0.0.1 is connected as <user3>.\n"
	    "<announce> already connected: 127.0.0.1 as <user1>, "
	    "127.0.0.1 as <user2>.\n";
	hear_text(&f, a, three);
	hear_text(&f, b, three);
	hear_text(&f, c, three);
	/* The operator is <user0>, as ncat's standard input. */
	cr_expect_eq(sk_server_say(f.ev.srv, "op\x01\n", 4), 3);
	hear_text(&f, a, "<user0> op\\001\n");
	hear_text(&f, b, "<user0> op\\001\n");
	hear_text(&f, c, "<user0> op\\001\n");
	say(b, "t\tab\x01\x7f\xe9 x\n");
	hear_text(&f, a, "<user2> t\tab\\001\\177\\351 x\n");
	hear_text(&f, c, "<user2> t\tab\\001\\177\\351 x\n");
	close(b);
	hear_text(&f, a, "<announce> <user2> is disconnected.\n");
	hear_text(&f, c, "<announce> <user2> is disconnected.\n");
	close(a);
	close(c);
	run_until(&f, &f.ev.leaves, 3);
	finish(&f);
}

Test(server, send_to_one_and_kick)
{
	struct fixture f;
	struct sk_server_opts o = { .keep = true };
	start(&f, &o);
	int a = client(&f, 0);
	run_until(&f, &f.ev.joins, 1);
	int b = client(&f, 0);
	run_until(&f, &f.ev.joins, 2);
	cr_expect_eq(sk_server_send(f.ev.srv, f.ev.ids[0], "just a\n", 7), 0);
	cr_expect_eq(sk_server_send(f.ev.srv, 99, "nobody\n", 7), -ENOENT);
	cr_expect_eq(sk_server_send_all(f.ev.srv, "end\n", 4), 2);
	hear_text(&f, a, "just a\nend\n");
	hear_text(&f, b, "end\n"); /* b's first bytes: nothing before "end" */
	cr_expect_eq(
	    sk_server_client_peer(sk_server_client(f.ev.srv, f.ev.ids[0]))
		->tx_bytes,
	    11);
	/* Found by its address too, as a UI answering a sender does. */
	struct sk_server_client *c0 = sk_server_client(f.ev.srv, f.ev.ids[0]);
	const struct sk_peer *p0 = sk_server_client_peer(c0);
	cr_expect_eq(sk_server_client_at(f.ev.srv, (const struct sockaddr *)&p0->addr), c0);
	struct sockaddr_in nobody = { .sin_family = AF_INET, .sin_port = htons(9) };
	cr_expect_null(sk_server_client_at(f.ev.srv, (const struct sockaddr *)&nobody));
	cr_expect_eq(sk_server_kick(f.ev.srv, f.ev.ids[1], "go away"), 0);
	cr_expect_eq(f.ev.leaves, 1);
	cr_expect_eq(f.ev.why, SK_SERVER_KICKED);
	cr_expect_str_eq(f.ev.detail, "go away");
	cr_expect_eq(sk_server_kick(f.ev.srv, f.ev.ids[1], "again"), -ENOENT);
	hear_end(&f, b);
	cr_expect_eq(sk_server_count(f.ev.srv), 1);
	close(a);
	close(b);
	run_until(&f, &f.ev.leaves, 2);
	finish(&f);
}

Test(server, slow_reader_is_dropped)
{
	struct fixture f;
	struct sk_server_opts o = { .keep = true, .max_buffer = 64 * 1024 };
	start(&f, &o);
	int a = client(&f, 4096); /* never reads */
	run_until(&f, &f.ev.joins, 1);
	static char chunk[16 * 1024];
	int rc = 0;
	/* The kernel's buffers fill first, then the server's queue passes
	 * the cap: bounded at 64 MiB. */
	for (int i = 0; i < 4096 && rc == 0; i++)
		rc = sk_server_send(f.ev.srv, f.ev.ids[0], chunk, sizeof chunk);
	cr_expect_eq(rc, SK_ESLOWPEER);
	cr_expect_eq(f.ev.leaves, 1);
	cr_expect_eq(f.ev.why, SK_SERVER_SLOW);
	cr_expect_eq(sk_server_count(f.ev.srv), 0);
	close(a);
	finish(&f);
}

Test(server, idle_client_is_dropped)
{
	struct fixture f;
	struct sk_server_opts o = { .keep = true, .idle_ms = 50 };
	start(&f, &o);
	int a = client(&f, 0);
	run_until(&f, &f.ev.leaves, 1);
	cr_expect_eq(f.ev.why, SK_SERVER_IDLE);
	cr_expect_str_eq(f.ev.detail, "idle for 50 ms");
	hear_end(&f, a);
	close(a);
	finish(&f);
}

Test(server, echo_and_reply)
{
	struct fixture f;
	struct sk_server_opts o = { .mode = SK_SERVER_ECHO, .keep = true };
	start(&f, &o);
	int a = client(&f, 0);
	say(a, "ping\n");
	hear_text(&f, a, "ping\n");
	close(a);
	run_until(&f, &f.ev.leaves, 1);
	cr_expect_eq(f.ev.left_tx, 5);
	finish(&f);

	struct sk_rules *rules = sk_rules_new();
	cr_assert_eq(sk_rules_add(rules, SK_MATCH_ANY, NULL,
				  "I Know #{{counter}}", NULL),
		     0);
	struct sk_append crlf;
	cr_assert_eq(sk_append_parse("\\r\\n", &crlf, NULL), 0);
	struct sk_server_opts r = { .mode = SK_SERVER_REPLY,
				    .keep = true,
				    .rules = rules,
				    .append = &crlf };
	start(&f, &r);
	a = client(&f, 0);
	say(a, "x");
	hear_text(&f, a, "I Know #1\r\n");
	say(a, "y");
	hear_text(&f, a, "I Know #2\r\n");
	close(a);
	run_until(&f, &f.ev.leaves, 1);
	finish(&f);
	sk_rules_free(rules);
}

Test(server, exec_runs_a_program_per_client)
{
	struct fixture f;
	char *argv[] = { "/bin/sh", "-c",
			 "read l; echo \"got $l from $SOCKIT_PEER_ADDR\"",
			 NULL };
	struct sk_server_opts o = { .mode = SK_SERVER_EXEC,
				    .keep = true,
				    .exec_argv = argv };
	start(&f, &o);
	int a = client(&f, 0);
	say(a, "hi\n");
	hear_text(&f, a, "got hi from 127.0.0.1\n");
	run_until(&f, &f.ev.leaves, 1);
	cr_expect_eq(f.ev.why, SK_SERVER_ENDED);
	cr_expect_str_eq(f.ev.detail, "program exited with status 0");
	close(a);
	finish(&f);
}

Test(server, one_client_mode_stops_when_it_leaves)
{
	struct fixture f;
	struct sk_server_opts o = { .mode = SK_SERVER_ECHO };
	start(&f, &o);
	int a = client(&f, 0);
	run_until(&f, &f.ev.joins, 1);
	cr_expect_null(sk_server_listener(f.ev.srv), "nobody else gets in");
	close(a);
	run_until(&f, &f.ev.stops, 1);
	cr_expect_eq(f.ev.leaves, 1);
	uv_run(&f.loop, UV_RUN_DEFAULT);
	sk_server_free(f.ev.srv);
	cr_expect_eq(uv_loop_close(&f.loop), 0);
}

Test(server, stop_lets_everyone_go)
{
	struct fixture f;
	struct sk_server_opts o = { .keep = true };
	start(&f, &o);
	int a = client(&f, 0), b = client(&f, 0);
	run_until(&f, &f.ev.joins, 2);
	sk_server_stop(f.ev.srv);
	cr_expect_eq(f.ev.leaves, 2);
	cr_expect_eq(f.ev.why, SK_SERVER_STOPPED);
	cr_expect_eq(f.ev.stops, 1);
	cr_expect_null(sk_server_listener(f.ev.srv));
	hear_end(&f, a);
	hear_end(&f, b);
	close(a);
	close(b);
	finish(&f);
}

Test(server, bad_options_are_refused)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sk_server *s;
	struct sk_server_opts exec = { .mode = SK_SERVER_EXEC };
	struct sk_server_opts reply = { .mode = SK_SERVER_REPLY };
	cr_expect_eq(sk_server_new(&loop, &exec, NULL, NULL, &s), -EINVAL);
	cr_expect_eq(sk_server_new(&loop, &reply, NULL, NULL, &s), -EINVAL);
	cr_expect_eq(uv_loop_close(&loop), 0);
}
