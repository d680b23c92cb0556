/* stdin on libuv: poll what can be polled, pump what cannot, and in line
 * mode hand the lines of each read over one at a time so that a pause
 * between two of them holds the rest. */
#include "sockit/fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

enum kind { IN_FILE, IN_TTY, IN_PIPE };

struct sk_fdin {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_pipe_t pipe;
		uv_tty_t tty;
		uv_idle_t idle;
	} h;
	enum kind kind;
	bool reading, paused, ended, closing;
	bool delivering; /* inside drain(): a resume only unpauses */
	int fd;
	struct sk_fdin_cbs cbs;
	void *data;
	uint8_t *buf;
	bool lines;
	struct sk_lines split;
	const uint8_t *rest; /* line mode: what drain() has not split yet */
	size_t rest_n;
};

static void stop(struct sk_fdin *in)
{
	if (!in->reading)
		return;
	in->reading = false;
	if (in->kind == IN_FILE)
		uv_idle_stop(&in->h.idle);
	else
		uv_read_stop(&in->h.stream);
}

static void end(struct sk_fdin *in, int status)
{
	if (in->ended)
		return;
	in->ended = true;
	stop(in);
	struct sk_line line;
	if (in->lines && !in->closing && sk_lines_end(&in->split, &line) > 0)
		in->cbs.on_line(in->data, &line);
	if (!in->closing)
		in->cbs.on_end(in->data, status);
}

static void drain(struct sk_fdin *in)
{
	struct sk_line line;
	int rc = 0;
	in->delivering = true;
	while (!in->paused && !in->closing &&
	       (rc = sk_lines_next(&in->split, &in->rest, &in->rest_n, &line)) >
		   0)
		in->cbs.on_line(in->data, &line);
	in->delivering = false;
	if (rc < 0 && !in->closing)
		end(in, rc);
}

static int start(struct sk_fdin *in);

static void deliver(struct sk_fdin *in, const uint8_t *p, size_t n)
{
	if (!in->lines) {
		in->cbs.on_data(in->data, p, n);
		return;
	}
	in->rest = p;
	in->rest_n = n;
	drain(in);
	/* A pause inside stopped the reads; a resume inside wants them back
	 * once the held lines are out. */
	if (!in->paused && !in->reading && start(in))
		end(in, -EIO);
}

static void pump(uv_idle_t *idle)
{
	struct sk_fdin *in = idle->data;
	/* Several reads per turn of the loop: a file is always ready, and
	 * each turn costs an epoll_wait. */
	for (int i = 0; i < 8 && in->reading && !in->paused; i++) {
		ssize_t r = read(in->fd, in->buf, CHUNK);
		if (r > 0)
			deliver(in, in->buf, (size_t)r);
		else if (r == 0)
			end(in, 0);
		else if (errno != EINTR && errno != EAGAIN)
			end(in, -errno);
	}
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct sk_fdin *in = h->data;
	buf->base = (char *)in->buf;
	buf->len = CHUNK;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	struct sk_fdin *in = s->data;
	if (n > 0)
		deliver(in, in->buf, (size_t)n);
	else if (n == UV_EOF)
		end(in, 0);
	else if (n < 0)
		end(in, (int)n);
}

static int start(struct sk_fdin *in)
{
	if (in->reading || in->ended || in->closing || in->rest_n)
		return 0;
	int rc = in->kind == IN_FILE
		     ? uv_idle_start(&in->h.idle, pump)
		     : uv_read_start(&in->h.stream, on_alloc, on_read);
	in->reading = rc == 0;
	return rc;
}

static void closed(uv_handle_t *h)
{
	struct sk_fdin *in = h->data;
	sk_lines_free(&in->split);
	free(in->buf);
	free(in);
}

/* The handle for fd's kind.  A pipe that cannot be opened is closed, and
 * in freed, through the loop: then in->closing is set. */
static int init_handle(uv_loop_t *loop, struct sk_fdin *in)
{
	int rc;
	switch (uv_guess_handle(in->fd)) {
	case UV_FILE:
		in->kind = IN_FILE;
		rc = uv_idle_init(loop, &in->h.idle);
		break;
	case UV_TTY:
		in->kind = IN_TTY;
		rc = uv_tty_init(loop, &in->h.tty, in->fd, 1);
		break;
	default:
		in->kind = IN_PIPE;
		rc = uv_pipe_init(loop, &in->h.pipe, 0);
		if (rc == 0 && (rc = uv_pipe_open(&in->h.pipe, in->fd)) < 0) {
			in->h.handle.data = in;
			sk_fdin_close(in);
			return rc;
		}
		break;
	}
	in->h.handle.data = in;
	return rc;
}

static int open_fd(uv_loop_t *loop, int fd, const struct sk_fdin_cbs *cbs,
		   void *data, struct sk_fdin *in, struct sk_fdin **out)
{
	/* libuv opens a closed descriptor as a pipe without complaint, and a
	 * directory too, then aborts when epoll refuses it. */
	struct stat st;
	int bad = 0;
	if (fcntl(fd, F_GETFL) < 0 || fstat(fd, &st) < 0)
		bad = -errno;
	else if (S_ISDIR(st.st_mode))
		bad = -EISDIR;
	if (bad) {
		sk_lines_free(&in->split);
		free(in);
		return bad;
	}
	in->fd = fd;
	in->cbs = *cbs;
	in->data = data;
	in->buf = malloc(CHUNK);
	int rc = in->buf ? init_handle(loop, in) : -ENOMEM;
	if (rc && in->closing)
		return rc;
	if (rc) {
		sk_lines_free(&in->split);
		free(in->buf);
		free(in);
		return rc;
	}
	rc = start(in);
	if (rc) {
		sk_fdin_close(in);
		return rc;
	}
	*out = in;
	return 0;
}

int sk_fdin_open(uv_loop_t *loop, int fd, const struct sk_fdin_cbs *cbs,
		 void *data, struct sk_fdin **out)
{
	struct sk_fdin *in = calloc(1, sizeof *in);
	if (!in)
		return -ENOMEM;
	return open_fd(loop, fd, cbs, data, in, out);
}

int sk_fdin_open_lines(uv_loop_t *loop, int fd, size_t max_line,
		       const struct sk_fdin_cbs *cbs, void *data,
		       struct sk_fdin **out)
{
	struct sk_fdin *in = calloc(1, sizeof *in);
	if (!in)
		return -ENOMEM;
	int rc = sk_lines_init(&in->split, max_line);
	if (rc) {
		free(in);
		return rc;
	}
	in->lines = true;
	return open_fd(loop, fd, cbs, data, in, out);
}

bool sk_fdin_is_tty(const struct sk_fdin *in)
{
	return in->kind == IN_TTY;
}

void sk_fdin_pause(struct sk_fdin *in)
{
	if (in->paused || in->ended)
		return;
	in->paused = true;
	stop(in);
}

void sk_fdin_resume(struct sk_fdin *in)
{
	if (!in->paused)
		return;
	in->paused = false;
	if (in->ended || in->closing || in->delivering)
		return;
	if (in->rest_n)
		drain(in);
	if (!in->paused && !in->ended && start(in))
		end(in, -EIO);
}

void sk_fdin_close(struct sk_fdin *in)
{
	if (!in || in->closing)
		return;
	in->closing = true;
	in->ended = true;
	stop(in);
	if (in->kind == IN_TTY)
		uv_tty_reset_mode();
	uv_close(&in->h.handle, closed);
}

int sk_fd_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd,
						      .events = POLLOUT };
				poll(&pfd, 1, -1);
				continue;
			}
			return -errno;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}
