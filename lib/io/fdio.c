/* stdin on libuv: poll what can be polled, pump what cannot. */
#include "sockit/fdio.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

struct sk_fdin {
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_pipe_t pipe;
		uv_tty_t tty;
		uv_idle_t idle;
	} h;
	bool is_file, paused, ended, closing;
	int fd;
	struct sk_fdin_cbs cbs;
	void *data;
	uint8_t *buf; /* the file pump's buffer */
};

static void end(struct sk_fdin *in, int status)
{
	if (in->ended)
		return;
	in->ended = true;
	if (in->is_file)
		uv_idle_stop(&in->h.idle);
	else
		uv_read_stop(&in->h.stream);
	in->cbs.on_end(in->data, status);
}

static void pump(uv_idle_t *idle)
{
	struct sk_fdin *in = idle->data;
	/* Several reads per turn of the loop: a file is always ready, and
	 * each turn costs an epoll_wait. */
	for (int i = 0; i < 8 && !in->paused && !in->ended && !in->closing; i++) {
		ssize_t r = read(in->fd, in->buf, CHUNK);
		if (r > 0) {
			in->cbs.on_data(in->data, in->buf, (size_t)r);
		} else if (r == 0) {
			end(in, 0);
		} else if (errno != EINTR && errno != EAGAIN) {
			end(in, -errno);
		}
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
		in->cbs.on_data(in->data, in->buf, (size_t)n);
	else if (n == UV_EOF)
		end(in, 0);
	else if (n < 0)
		end(in, (int)n);
}

static int start(struct sk_fdin *in)
{
	if (in->ended || in->closing)
		return 0;
	if (in->is_file)
		return uv_idle_start(&in->h.idle, pump);
	return uv_read_start(&in->h.stream, on_alloc, on_read);
}

int sk_fdin_open(uv_loop_t *loop, int fd, const struct sk_fdin_cbs *cbs,
		 void *data, struct sk_fdin **out)
{
	struct sk_fdin *in = calloc(1, sizeof *in);
	if (!in)
		return -ENOMEM;
	in->buf = malloc(CHUNK);
	if (!in->buf) {
		free(in);
		return -ENOMEM;
	}
	in->fd = fd;
	in->cbs = *cbs;
	in->data = data;
	int rc;
	switch (uv_guess_handle(fd)) {
	case UV_FILE:
		in->is_file = true;
		rc = uv_idle_init(loop, &in->h.idle);
		break;
	case UV_TTY:
		rc = uv_tty_init(loop, &in->h.tty, fd, 1);
		break;
	default:
		rc = uv_pipe_init(loop, &in->h.pipe, 0);
		if (rc == 0) {
			rc = uv_pipe_open(&in->h.pipe, fd);
			if (rc) {
				in->h.handle.data = in;
				sk_fdin_close(in);
				return rc;
			}
		}
		break;
	}
	if (rc) {
		free(in->buf);
		free(in);
		return rc;
	}
	in->h.handle.data = in;
	rc = start(in);
	if (rc) {
		sk_fdin_close(in);
		return rc;
	}
	*out = in;
	return 0;
}

void sk_fdin_pause(struct sk_fdin *in)
{
	if (in->paused || in->ended)
		return;
	in->paused = true;
	if (in->is_file)
		uv_idle_stop(&in->h.idle);
	else
		uv_read_stop(&in->h.stream);
}

void sk_fdin_resume(struct sk_fdin *in)
{
	if (!in->paused)
		return;
	in->paused = false;
	if (start(in))
		end(in, -EIO);
}

static void closed(uv_handle_t *h)
{
	struct sk_fdin *in = h->data;
	free(in->buf);
	free(in);
}

void sk_fdin_close(struct sk_fdin *in)
{
	if (!in || in->closing)
		return;
	in->closing = true;
	in->ended = true;
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
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
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
