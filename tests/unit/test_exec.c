#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit/exec.h"

struct seen {
	char out[256];
	size_t len;
	int ends, exits, drains;
	int64_t status;
	int sig;
};

static void on_out(void *data, const uint8_t *p, size_t n)
{
	struct seen *s = data;
	cr_assert_leq(s->len + n, sizeof s->out);
	memcpy(s->out + s->len, p, n);
	s->len += n;
}

static void on_out_end(void *data)
{
	((struct seen *)data)->ends++;
}

static void on_in_drain(void *data)
{
	((struct seen *)data)->drains++;
}

static void on_exit_cb(void *data, int64_t status, int sig)
{
	struct seen *s = data;
	s->exits++;
	s->status = status;
	s->sig = sig;
}

static const struct sk_exec_cbs cbs = { on_out, on_out_end, on_in_drain,
					on_exit_cb };

static struct sockaddr_storage peer_v4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, ip, &in->sin_addr);
	return ss;
}

Test(exec, pipes_carry_both_ways_and_report_the_exit)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	char *argv[] = { "/bin/sh", "-c", "tr a-z A-Z; exit 3", NULL };
	struct sockaddr_storage peer = peer_v4("127.0.0.1", 4000);
	struct sk_exec_env env = { .peer = &peer };
	struct seen s = { 0 };
	struct sk_exec *e;
	cr_assert_eq(sk_exec_spawn(&loop, argv, -1, &env, &cbs, &s, &e), 0);
	cr_assert_eq(sk_exec_write(e, (const uint8_t *)"hello", 5), 0);
	sk_exec_close_in(e);
	cr_expect_eq(sk_exec_write(e, (const uint8_t *)"late", 4), -EPIPE);
	while (!(s.exits && s.ends))
		uv_run(&loop, UV_RUN_ONCE);
	cr_expect_eq(s.len, 5);
	cr_expect_arr_eq(s.out, "HELLO", 5);
	cr_expect_eq(s.status, 3);
	cr_expect_eq(s.sig, 0);
	cr_expect_eq(sk_exec_queued(e), 0);
	sk_exec_release(e, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(exec, program_sees_the_peer_in_its_environment)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	setenv("SOCKIT_PEER_PORT", "stale", 1);
	setenv("NCAT_LOCAL_ADDR", "stale", 1);
	char *argv[] = { "/bin/sh", "-c",
			 "echo \"$SOCKIT_PEER_ADDR $SOCKIT_PEER_PORT\"", NULL };
	struct sockaddr_storage peer = peer_v4("127.0.0.9", 4242);
	struct sk_exec_env env = { .peer = &peer };
	struct seen s = { 0 };
	struct sk_exec *e;
	cr_assert_eq(sk_exec_spawn(&loop, argv, -1, &env, &cbs, &s, &e), 0);
	while (!(s.exits && s.ends))
		uv_run(&loop, UV_RUN_ONCE);
	cr_expect_eq(s.len, strlen("127.0.0.9 4242\n"));
	cr_expect_arr_eq(s.out, "127.0.0.9 4242\n", s.len);
	sk_exec_release(e, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

/* Both endpoints and the protocol, under sockit's names and ncat's; an
 * IPv4-mapped local address shows as IPv4, a stale inherited variable is
 * gone, and one with a similar name stays. */
Test(exec, program_sees_both_ends_under_both_names)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	setenv("NCAT_LOCAL_ADDR", "stale", 1);
	setenv("NCAT_PROTOCOL", "kept", 1);
	char *argv[] = { "/bin/sh", "-c",
			 "echo \"$NCAT_REMOTE_ADDR $NCAT_REMOTE_PORT "
			 "$NCAT_LOCAL_ADDR $NCAT_LOCAL_PORT $NCAT_PROTO "
			 "$SOCKIT_LOCAL_ADDR $SOCKIT_LOCAL_PORT $SOCKIT_PROTO "
			 "$NCAT_PROTOCOL\"",
			 NULL };
	struct sockaddr_storage peer = { 0 }, local = { 0 };
	struct sockaddr_in6 *p6 = (struct sockaddr_in6 *)&peer;
	p6->sin6_family = AF_INET6;
	p6->sin6_port = htons(5000);
	inet_pton(AF_INET6, "::1", &p6->sin6_addr);
	struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)&local;
	l6->sin6_family = AF_INET6;
	l6->sin6_port = htons(7000);
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &l6->sin6_addr);
	struct sk_exec_env env = { .peer = &peer, .local = &local,
				   .proto = "TCP" };
	struct seen s = { 0 };
	struct sk_exec *e;
	cr_assert_eq(sk_exec_spawn(&loop, argv, -1, &env, &cbs, &s, &e), 0);
	while (!(s.exits && s.ends))
		uv_run(&loop, UV_RUN_ONCE);
	const char *want = "::1 5000 127.0.0.2 7000 TCP 127.0.0.2 7000 TCP kept\n";
	cr_expect_eq(s.len, strlen(want));
	cr_expect_arr_eq(s.out, want, s.len);
	sk_exec_release(e, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	unsetenv("NCAT_LOCAL_ADDR");
	unsetenv("NCAT_PROTOCOL");
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(exec, socket_is_the_programs_stdio)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	char *argv[] = { "/bin/cat", NULL };
	struct sockaddr_storage peer = { .ss_family = AF_UNIX };
	struct sk_exec_env env = { .peer = &peer };
	struct seen s = { 0 };
	struct sk_exec *e;
	cr_assert_eq(sk_exec_spawn(&loop, argv, sv[1], &env, &cbs, &s, &e), 0);
	close(sv[1]); /* the program has its own copy */
	cr_assert_eq(write(sv[0], "abc", 3), 3);
	shutdown(sv[0], SHUT_WR);
	char buf[8];
	size_t got = 0;
	ssize_t n;
	while ((n = read(sv[0], buf + got, sizeof buf - got)) > 0)
		got += (size_t)n;
	cr_expect_eq(got, 3);
	cr_expect_arr_eq(buf, "abc", 3);
	while (!s.exits)
		uv_run(&loop, UV_RUN_ONCE);
	cr_expect_eq(s.status, 0);
	cr_expect_eq(s.ends, 0, "no pipes, no output callbacks");
	cr_expect_eq(sk_exec_write(e, (const uint8_t *)"x", 1), -EPIPE);
	sk_exec_release(e, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	close(sv[0]);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(exec, release_stops_a_running_program_without_callbacks)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	char *argv[] = { "/bin/sleep", "60", NULL };
	struct sockaddr_storage peer = peer_v4("127.0.0.1", 1);
	struct sk_exec_env env = { .peer = &peer };
	struct seen s = { 0 };
	struct sk_exec *e;
	cr_assert_eq(sk_exec_spawn(&loop, argv, -1, &env, &cbs, &s, &e), 0);
	sk_exec_release(e, SIGTERM);
	uv_run(&loop, UV_RUN_DEFAULT); /* ends once the child is reaped */
	cr_expect_eq(s.exits, 0);
	cr_expect_eq(s.ends, 0);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(exec, missing_program_starts_nothing)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	char *argv[] = { "/nonexistent/program", NULL };
	struct sockaddr_storage peer = peer_v4("127.0.0.1", 1);
	struct sk_exec_env env = { .peer = &peer };
	struct seen s = { 0 };
	struct sk_exec *e = NULL;
	cr_expect_eq(sk_exec_spawn(&loop, argv, -1, &env, &cbs, &s, &e),
		     -ENOENT);
	cr_expect_null(e);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(s.exits + s.ends, 0);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(exec, argv_splits_words_or_hands_the_line_to_the_shell)
{
	static const struct {
		const char *cmd;
		bool shell;
		const char *want[4];
	} cases[] = {
		{ "cat", false, { "cat" } },
		{ "  /bin/echo \t a  b ", false, { "/bin/echo", "a", "b" } },
		{ "echo 'a b'", false, { "echo", "'a", "b'" } }, /* no quoting, as ncat */
		{ "echo $X | tr a b", true, { "/bin/sh", "-c", "echo $X | tr a b" } },
		{ "", true, { "/bin/sh", "-c", "" } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char **argv = sk_exec_argv(cases[i].cmd, cases[i].shell);
		cr_assert_not_null(argv, "%s", cases[i].cmd);
		size_t k = 0;
		for (; cases[i].want[k]; k++)
			cr_expect_str_eq(argv[k], cases[i].want[k], "%s [%zu]", cases[i].cmd, k);
		cr_expect_null(argv[k], "%s: more words than expected", cases[i].cmd);
		sk_exec_argv_free(argv);
	}
	cr_expect_null(sk_exec_argv("", false));
	cr_expect_null(sk_exec_argv(" \t ", false));
	sk_exec_argv_free(NULL);
}
