/* Standard input on libuv: a tty, a pipe or a regular file, read the same
 * way from the caller's point of view. */
#include "sockit/linein.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/lines.h"

enum kind { IN_TTY, IN_PIPE, IN_FILE };

struct sk_linein {
	uv_loop_t *loop;
	enum kind kind;
	enum sk_linein_mode mode;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tty_t tty;
		uv_pipe_t pipe;
	} h;
	uv_fs_t req;
	bool req_busy;   /* a file read is in flight */
	bool paused, closing, ended;
	int fd;
	struct sk_lines lines;
	char rbuf[65536];
	sk_linein_data_cb data;
	sk_linein_end_cb end;
	void *arg;
};

/* Splits a read into lines (sockit/lines.h), keeping a partial line for
 * the next read. */
static void feed(struct sk_linein *in, const char *p, size_t n)
{
	if (in->mode == SK_LINEIN_RAW) {
		in->data(in->arg, p, n);
		return;
	}
	const uint8_t *b = (const uint8_t *)p;
	struct sk_line line;
	while (!in->closing && sk_lines_next(&in->lines, &b, &n, &line) > 0)
		in->data(in->arg, (const char *)line.p, line.len);
}

static void finish(struct sk_linein *in, int status)
{
	if (in->ended || in->closing)
		return;
	in->ended = true;
	struct sk_line line;
	if (in->mode == SK_LINEIN_LINES && sk_lines_end(&in->lines, &line) > 0)
		in->data(in->arg, (const char *)line.p, line.len);
	if (!in->closing)
		in->end(in->arg, status);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct sk_linein *in = h->data;
	*buf = uv_buf_init(in->rbuf, sizeof in->rbuf);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct sk_linein *in = s->data;
	if (n > 0) {
		feed(in, buf->base, (size_t)n);
		return;
	}
	if (n == 0)
		return;
	uv_read_stop(s);
	finish(in, n == UV_EOF ? 0 : (int)n);
}

static void file_read(struct sk_linein *in);

static void fs_cb(uv_fs_t *req)
{
	struct sk_linein *in = req->data;
	ssize_t n = req->result;
	uv_fs_req_cleanup(req);
	/* req_busy stays set while the callbacks run, so that a close from
	 * inside one leaves the freeing to us. */
	if (!in->closing && n > 0)
		feed(in, in->rbuf, (size_t)n);
	in->req_busy = false;
	if (in->closing) {
		sk_lines_free(&in->lines);
		free(in);
		return;
	}
	if (n > 0) {
		if (!in->paused)
			file_read(in);
		return;
	}
	finish(in, n == 0 ? 0 : (int)n);
}

static void file_read(struct sk_linein *in)
{
	uv_buf_t b = uv_buf_init(in->rbuf, sizeof in->rbuf);
	in->req.data = in;
	int rc = uv_fs_read(in->loop, &in->req, in->fd, &b, 1, -1, fs_cb);
	if (rc < 0) {
		finish(in, rc);
		return;
	}
	in->req_busy = true;
}

int sk_linein_start(uv_loop_t *loop, int fd, enum sk_linein_mode mode,
		    size_t max_line, sk_linein_data_cb data,
		    sk_linein_end_cb end, void *arg, struct sk_linein **out,
		    char *err)
{
	struct sk_linein *in = calloc(1, sizeof *in);
	if (!in)
		return sk_err_set(err, -ENOMEM, "stdin");
	in->loop = loop;
	in->fd = fd;
	in->mode = mode;
	in->data = data;
	in->end = end;
	in->arg = arg;
	int rc = sk_lines_init(&in->lines, max_line ? max_line : 65536);
	if (rc) {
		free(in);
		return sk_err_set(err, rc, "stdin");
	}
	switch (uv_guess_handle(fd)) {
	case UV_TTY:
		in->kind = IN_TTY;
		rc = uv_tty_init(loop, &in->h.tty, fd, 1);
		break;
	case UV_NAMED_PIPE:
	case UV_TCP:
	case UV_UDP:
		in->kind = IN_PIPE;
		rc = uv_pipe_init(loop, &in->h.pipe, 0);
		if (!rc && (rc = uv_pipe_open(&in->h.pipe, fd)) < 0) {
			/* init succeeded: the handle must be closed, not freed */
			in->h.handle.data = in;
			in->closing = true;
			uv_close(&in->h.handle, NULL);
			uv_run(loop, UV_RUN_NOWAIT);
		}
		break;
	default:
		in->kind = IN_FILE;
		break;
	}
	if (rc < 0) {
		sk_lines_free(&in->lines);
		free(in);
		return sk_err_set(err, rc, "stdin");
	}
	if (in->kind == IN_FILE) {
		file_read(in);
	} else {
		in->h.handle.data = in;
		rc = uv_read_start(&in->h.stream, alloc_cb, read_cb);
		if (rc < 0) {
			sk_linein_close(in);
			return sk_err_set(err, rc, "stdin");
		}
	}
	*out = in;
	return 0;
}

bool sk_linein_is_tty(const struct sk_linein *in)
{
	return in->kind == IN_TTY;
}

void sk_linein_pause(struct sk_linein *in)
{
	if (in->paused || in->ended)
		return;
	in->paused = true;
	if (in->kind != IN_FILE)
		uv_read_stop(&in->h.stream);
}

void sk_linein_resume(struct sk_linein *in)
{
	if (!in->paused || in->ended || in->closing)
		return;
	in->paused = false;
	if (in->kind == IN_FILE) {
		if (!in->req_busy)
			file_read(in);
	} else {
		uv_read_start(&in->h.stream, alloc_cb, read_cb);
	}
}

static void close_cb(uv_handle_t *h)
{
	struct sk_linein *in = h->data;
	sk_lines_free(&in->lines);
	free(in);
}

void sk_linein_close(struct sk_linein *in)
{
	if (!in || in->closing)
		return;
	in->closing = true;
	if (in->kind == IN_FILE) {
		/* A read in flight frees us from its callback. */
		if (!in->req_busy) {
			sk_lines_free(&in->lines);
			free(in);
		}
		return;
	}
	if (in->kind == IN_TTY)
		uv_tty_reset_mode();
	uv_close(&in->h.handle, close_cb);
}
