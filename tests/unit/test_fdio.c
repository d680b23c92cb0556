#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockit/fdio.h"

/* Line mode: each line followed by '|', each cut piece by '+'. */
struct got {
	char text[512];
	size_t len;
	int lines, ends, status;
	struct sk_fdin *in;
	bool close_after_first;
	bool pause_each; /* pause after every line; the idle handle resumes */
	int held;	 /* lines seen while paused (must stay 0) */
	bool paused;
	uv_idle_t idle;
};

static void on_line(void *arg, const struct sk_line *line)
{
	struct got *g = arg;
	if (g->paused)
		g->held++;
	memcpy(g->text + g->len, line->p, line->len);
	g->len += line->len;
	g->text[g->len++] = line->cut ? '+' : '|';
	g->lines++;
	if (g->close_after_first) {
		sk_fdin_close(g->in);
		g->in = NULL;
	} else if (g->pause_each) {
		sk_fdin_pause(g->in);
		g->paused = true;
	}
}

static void on_end(void *arg, int status)
{
	struct got *g = arg;
	g->ends++;
	g->status = status;
	sk_fdin_close(g->in);
	g->in = NULL;
	if (g->pause_each)
		uv_close((uv_handle_t *)&g->idle, NULL);
}

/* The next turn of the loop after a pause: resume. */
static void on_idle(uv_idle_t *idle)
{
	struct got *g = idle->data;
	if (g->paused && g->in) {
		g->paused = false;
		sk_fdin_resume(g->in);
	}
}

static const char input[] = "one\r\ntwo\n\nabcdefghij\nlast\r";
static const char expect[] = "one|two||abcdefgh+ij|last|";

static void run(int fd, struct got *g)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	static const struct sk_fdin_cbs cbs = { .on_line = on_line,
						.on_end = on_end };
	if (g->pause_each) {
		uv_idle_init(&loop, &g->idle);
		g->idle.data = g;
		uv_idle_start(&g->idle, on_idle);
	}
	cr_assert_eq(sk_fdin_open_lines(&loop, fd, 8, &cbs, g, &g->in), 0);
	cr_expect_not(sk_fdin_is_tty(g->in));
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

static int pipe_with(const char *text, size_t n)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], text, n), (ssize_t)n);
	close(fds[1]);
	return fds[0];
}

static int file_with(const char *text, size_t n)
{
	char path[] = "/tmp/sockit-fdio-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(write(fd, text, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void expect_all(struct got *g)
{
	g->text[g->len] = 0;
	cr_expect_str_eq(g->text, expect);
	cr_expect_eq(g->ends, 1);
	cr_expect_eq(g->status, 0);
}

Test(fdio, pipe_lines)
{
	int fd = pipe_with(input, sizeof input - 1);
	struct got g = { 0 };
	run(fd, &g);
	close(fd);
	expect_all(&g);
}

Test(fdio, file_lines)
{
	int fd = file_with(input, sizeof input - 1);
	struct got g = { 0 };
	run(fd, &g);
	close(fd);
	expect_all(&g);
}

/* All the lines arrive in one read; a pause after each holds the others
 * until the resume, which hands them over one by one. */
Test(fdio, pause_between_lines_of_one_read)
{
	int fd = pipe_with(input, sizeof input - 1);
	struct got g = { .pause_each = true };
	run(fd, &g);
	close(fd);
	expect_all(&g);
	cr_expect_eq(g.held, 0);
	cr_expect_eq(g.lines, 6);
}

Test(fdio, pause_between_lines_of_a_file)
{
	int fd = file_with(input, sizeof input - 1);
	struct got g = { .pause_each = true };
	run(fd, &g);
	close(fd);
	expect_all(&g);
	cr_expect_eq(g.held, 0);
}

Test(fdio, close_from_inside_a_callback)
{
	int fd = file_with(input, sizeof input - 1);
	struct got g = { .close_after_first = true };
	run(fd, &g);
	close(fd);
	cr_expect_eq(g.lines, 1);
	cr_expect_eq(g.ends, 0);
}

static void never(void *arg, int status)
{
	(void)arg;
	(void)status;
	cr_assert_fail("no callback after a failed open");
}

Test(fdio, closed_fd_fails_without_callbacks)
{
	uv_loop_t loop;
	uv_loop_init(&loop); /* first, so that its descriptors are not fds' */
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	close(fds[0]);
	close(fds[1]);
	static const struct sk_fdin_cbs cbs = { .on_line = on_line,
						.on_end = never };
	struct sk_fdin *in = NULL;
	cr_expect_lt(sk_fdin_open_lines(&loop, fds[0], 8, &cbs, NULL, &in), 0);
	cr_expect_lt(sk_fdin_open_lines(&loop, 0, 0, &cbs, NULL, &in), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

/* A directory as stdin (`< /`): refused, where libuv would take it for a
 * pipe and abort when epoll refuses it. */
Test(fdio, directory_is_refused)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dir, 0);
	static const struct sk_fdin_cbs cbs = { .on_line = on_line,
						.on_end = never };
	struct sk_fdin *in = NULL;
	cr_expect_eq(sk_fdin_open_lines(&loop, dir, 8, &cbs, NULL, &in), -EISDIR);
	cr_expect_eq(sk_fdin_open(&loop, dir, &cbs, NULL, &in), -EISDIR);
	close(dir);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

struct raw {
	size_t total;
	int reads, ends;
	struct sk_fdin *in;
	uv_idle_t idle;
	bool paused, paused_once;
	int held;
};

static void on_raw_idle(uv_idle_t *idle)
{
	struct raw *r = idle->data;
	if (r->paused) {
		r->paused = false;
		sk_fdin_resume(r->in);
	}
}

static void on_raw(void *arg, const uint8_t *p, size_t n)
{
	(void)p;
	struct raw *r = arg;
	if (r->paused)
		r->held++;
	r->total += n;
	r->reads++;
	if (!r->paused_once) {
		/* Backpressure: nothing may arrive until resumed. */
		r->paused_once = r->paused = true;
		sk_fdin_pause(r->in);
	}
}

static void on_raw_end(void *arg, int status)
{
	struct raw *r = arg;
	cr_expect_eq(status, 0);
	r->ends++;
	sk_fdin_close(r->in);
	uv_close((uv_handle_t *)&r->idle, NULL);
}

static void raw_run(int fd, size_t want)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct raw r = { 0 };
	uv_idle_init(&loop, &r.idle);
	r.idle.data = &r;
	uv_idle_start(&r.idle, on_raw_idle);
	static const struct sk_fdin_cbs cbs = { .on_data = on_raw,
						.on_end = on_raw_end };
	cr_assert_eq(sk_fdin_open(&loop, fd, &cbs, &r, &r.in), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(r.total, want);
	cr_expect_eq(r.ends, 1);
	cr_expect(r.paused_once);
	cr_expect_eq(r.held, 0);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(fdio, raw_file_with_pause_and_resume)
{
	static char big[600000];
	memset(big, 'r', sizeof big);
	int fd = file_with(big, sizeof big);
	raw_run(fd, sizeof big);
	close(fd);
}

Test(fdio, raw_pipe_with_pause_and_resume)
{
	int fd = pipe_with("0123456789", 10);
	raw_run(fd, 10);
	close(fd);
}

Test(fdio, write_all)
{
	signal(SIGPIPE, SIG_IGN);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_expect_eq(sk_fd_write_all(fds[1], "hello", 5), 0);
	char buf[8];
	cr_expect_eq(read(fds[0], buf, sizeof buf), 5);
	close(fds[0]);
	cr_expect_eq(sk_fd_write_all(fds[1], "x", 1), -EPIPE);
	close(fds[1]);
}
