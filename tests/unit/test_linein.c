#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockit/linein.h"

struct got {
	char text[512];
	size_t len;
	int lines, ends, status;
	struct sk_linein *in;
	bool close_after_first;
};

static void on_data(void *arg, const char *p, size_t n)
{
	struct got *g = arg;
	memcpy(g->text + g->len, p, n);
	g->len += n;
	g->text[g->len++] = '|';
	g->lines++;
	if (g->close_after_first) {
		sk_linein_close(g->in);
		g->in = NULL;
	}
}

static void on_end(void *arg, int status)
{
	struct got *g = arg;
	g->ends++;
	g->status = status;
	sk_linein_close(g->in);
	g->in = NULL;
}

static const char input[] = "one\r\ntwo\n\nabcdefghij\nlast";
static const char expect[] = "one|two||abcdefgh|ij|last|";

static void run(int fd, struct got *g)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	cr_assert_eq(sk_linein_start(&loop, fd, SK_LINEIN_LINES, 8, on_data, on_end, g, &g->in, NULL), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(linein, pipe_lines)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], input, sizeof input - 1), (ssize_t)(sizeof input - 1));
	close(fds[1]);
	struct got g = { 0 };
	run(fds[0], &g);
	close(fds[0]);
	g.text[g.len] = 0;
	cr_expect_str_eq(g.text, expect);
	cr_expect_eq(g.ends, 1);
	cr_expect_eq(g.status, 0);
}

Test(linein, file_lines)
{
	char path[] = "/tmp/sockit-linein-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(write(fd, input, sizeof input - 1), (ssize_t)(sizeof input - 1));
	lseek(fd, 0, SEEK_SET);
	struct got g = { 0 };
	run(fd, &g);
	close(fd);
	g.text[g.len] = 0;
	cr_expect_str_eq(g.text, expect);
	cr_expect_eq(g.ends, 1);
}

Test(linein, close_from_inside_a_callback)
{
	char path[] = "/tmp/sockit-linein-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	cr_assert_eq(write(fd, input, sizeof input - 1), (ssize_t)(sizeof input - 1));
	lseek(fd, 0, SEEK_SET);
	struct got g = { .close_after_first = true };
	run(fd, &g);
	close(fd);
	cr_expect_eq(g.lines, 1);
	cr_expect_eq(g.ends, 0);
}

struct raw {
	size_t total;
	int reads, ends;
	struct sk_linein *in;
	uv_timer_t timer;
	bool paused_once;
};

static void on_resume(uv_timer_t *t)
{
	struct raw *r = t->data;
	sk_linein_resume(r->in);
	uv_close((uv_handle_t *)t, NULL);
}

static void on_raw(void *arg, const char *p, size_t n)
{
	(void)p;
	struct raw *r = arg;
	r->total += n;
	r->reads++;
	if (!r->paused_once) {
		/* Backpressure: nothing may arrive until resumed. */
		r->paused_once = true;
		sk_linein_pause(r->in);
		uv_timer_start(&r->timer, on_resume, 10, 0);
	}
}

static void on_raw_end(void *arg, int status)
{
	struct raw *r = arg;
	cr_expect_eq(status, 0);
	r->ends++;
	sk_linein_close(r->in);
}

static void raw_run(int fd, size_t want)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct raw r = { 0 };
	uv_timer_init(&loop, &r.timer);
	r.timer.data = &r;
	cr_assert_eq(sk_linein_start(&loop, fd, SK_LINEIN_RAW, 0, on_raw, on_raw_end, &r, &r.in, NULL), 0);
	cr_expect_not(sk_linein_is_tty(r.in));
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_expect_eq(r.total, want);
	cr_expect_eq(r.ends, 1);
	cr_expect(r.paused_once);
	cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(linein, raw_file_with_pause_and_resume)
{
	char path[] = "/tmp/sockit-linein-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	static char big[200000];
	memset(big, 'r', sizeof big);
	cr_assert_eq(write(fd, big, sizeof big), (ssize_t)sizeof big);
	lseek(fd, 0, SEEK_SET);
	raw_run(fd, sizeof big);
	close(fd);
}

Test(linein, raw_pipe_with_pause_and_resume)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], "0123456789", 10), 10);
	close(fds[1]);
	raw_run(fds[0], 10);
	close(fds[0]);
}
