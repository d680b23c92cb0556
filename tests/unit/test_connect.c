/* sk_connect on a real libuv loop, against loopback only. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sockit/conn.h"
#include "sockit/connect.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/listen.h"

struct result {
	int calls, status, attempts, backoffs;
	uint16_t peer_port;
	char err[SK_ERRLEN];
};

static void on_done(const struct sk_connect_result *r, void *data)
{
	struct result *res = data;
	res->calls++;
	res->status = r->status;
	snprintf(res->err, sizeof res->err, "%s", r->err);
	if (r->status == 0) {
		res->peer_port = ntohs(((const struct sockaddr_in *)&r->peer)->sin_port);
		sk_stream_close(r->stream);
	}
}

static void on_attempt(void *data, const struct sockaddr *sa, int status, const char *msg)
{
	(void)sa;
	(void)msg;
	struct result *res = data;
	if (status == 1)
		res->attempts++;
	if (status == 2)
		res->backoffs++;
}

static void on_client(struct sk_listener *l, int status, uv_stream_t *client, void *data)
{
	(void)l;
	(void)data;
	if (status == 0)
		sk_stream_close(client);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void finish(uv_loop_t *loop)
{
	uv_run(loop, UV_RUN_DEFAULT);
	uv_walk(loop, close_walk, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(loop), 0, "handles left open");
}

Test(connect, reaches_a_listener_and_reports_the_peer)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sk_endpoint ep;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_endpoint_parse("127.0.0.1:0", "tcp", &ep, err), 0);
	struct sk_listener *l;
	cr_assert_eq(sk_listen_start(&loop, &ep, &(struct sk_listen_opts){ 0 }, on_client,
				     NULL, &l, err), 0, "%s", err);
	uint16_t port = ntohs(((const struct sockaddr_in *)sk_listener_addr(l))->sin_port);
	cr_assert_neq(port, 0);
	ep.port = port;
	struct result res = { 0 };
	struct sk_connect_opts o = { .timeout_ms = 5000, .on_attempt = on_attempt };
	cr_assert_eq(sk_connect_start(&loop, &ep, &o, on_done, &res, NULL, err), 0, "%s", err);
	cr_assert_eq(res.calls, 0, "the callback waits for the loop");
	while (res.calls == 0)
		uv_run(&loop, UV_RUN_ONCE);
	cr_expect_eq(res.status, 0, "%s", res.err);
	cr_expect_eq(res.peer_port, port);
	cr_expect_eq(res.attempts, 1);
	sk_listener_close(l);
	finish(&loop);
}

Test(connect, a_listener_without_options_takes_the_defaults)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sk_endpoint ep;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_endpoint_parse("[::1]:0", "tcp", &ep, err), 0);
	struct sk_listener *l;
	cr_assert_eq(sk_listen_start(&loop, &ep, NULL, on_client, NULL, &l, err), 0, "%s", err);
	cr_assert_eq(sk_listener_addr(l)->sa_family, AF_INET6);
	sk_listener_close(l);
	finish(&loop);
}

Test(connect, refused_with_retries_backs_off_and_names_the_address)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	/* A port that was just free: bind it, read it, close it. */
	uv_tcp_t t;
	uv_tcp_init(&loop, &t);
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", 0, &a);
	uv_tcp_bind(&t, (struct sockaddr *)&a, 0);
	int len = sizeof a;
	uv_tcp_getsockname(&t, (struct sockaddr *)&a, &len);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);

	struct sk_endpoint ep;
	char err[SK_ERRLEN], text[32];
	snprintf(text, sizeof text, "127.0.0.1:%u", ntohs(a.sin_port));
	cr_assert_eq(sk_endpoint_parse(text, "tcp", &ep, err), 0);
	struct result res = { 0 };
	struct sk_connect_opts o = { .retries = 2, .backoff_ms = 1, .on_attempt = on_attempt };
	cr_assert_eq(sk_connect_start(&loop, &ep, &o, on_done, &res, NULL, err), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(res.calls, 1);
	cr_expect_eq(res.status, -ECONNREFUSED);
	cr_expect_eq(res.attempts, 3);
	cr_expect_eq(res.backoffs, 2);
	cr_expect(strstr(res.err, text) != NULL, "%s", res.err);
	cr_expect(strstr(res.err, "connection refused") != NULL, "%s", res.err);
	finish(&loop);
}

Test(connect, cancelled_never_calls_back)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sk_endpoint ep;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_endpoint_parse("127.0.0.1:9", "tcp", &ep, err), 0);
	struct result res = { 0 };
	struct sk_connect *c;
	cr_assert_eq(sk_connect_start(&loop, &ep, &(struct sk_connect_opts){ 0 }, on_done,
				      &res, &c, err), 0);
	sk_connect_cancel(c);
	finish(&loop);
	cr_expect_eq(res.calls, 0);
}

Test(connect, setup_errors_are_returned_not_called_back)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sk_endpoint ep;
	char err[SK_ERRLEN] = "";
	struct result res = { 0 };
	if (getenv("SOCKIT_OFFLINE_DNS")) {
		/* Only where the lookup cannot leave loopback (see
		 * tools/offline-dns.sh, which tools/run-tests.sh uses as root). */
		cr_assert_eq(sk_endpoint_parse("no-such-host.invalid:80", "tcp", &ep, err), 0);
		cr_expect_lt(sk_connect_start(&loop, &ep, &(struct sk_connect_opts){ 0 }, on_done,
					      &res, NULL, err), 0);
		cr_expect(strstr(err, "no-such-host.invalid") != NULL, "%s", err);
	}
	cr_assert_eq(sk_endpoint_parse("unix:/x", "tcp", &ep, err), 0);
	cr_expect_eq(sk_connect_start(&loop, &ep, &(struct sk_connect_opts){ .source_port = 5 },
				      on_done, &res, NULL, err), SK_EFAMILY);
	cr_assert_eq(sk_endpoint_parse("127.0.0.1:0", "tcp", &ep, err), 0);
	cr_expect_eq(sk_connect_start(&loop, &ep, &(struct sk_connect_opts){ 0 }, on_done, &res,
				      NULL, err),
		     SK_EBADPORT);
	cr_expect(strstr(err, "port 0") != NULL, "%s", err);
	finish(&loop);
	cr_expect_eq(res.calls, 0);
}

Test(connect, unix_path_missing)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct sk_endpoint ep;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_endpoint_parse("unix:/nonexistent/sockit.sock", "tcp", &ep, err), 0);
	struct result res = { 0 };
	cr_assert_eq(sk_connect_start(&loop, &ep, &(struct sk_connect_opts){ 0 }, on_done,
				      &res, NULL, err), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(res.calls, 1);
	cr_expect_eq(res.status, -ENOENT);
	cr_expect(strstr(res.err, "unix:/nonexistent/sockit.sock") != NULL, "%s", res.err);
	finish(&loop);
}
