/* A libuv stream with optional TLS.  Writes try the kernel first and only
 * copy what it did not take, so a fast peer costs no allocation; reads use
 * a buffer allocated per read and freed right after, so an idle
 * connection holds no read buffer at all (10,000 idle clients stay
 * small). */
#include "sockit/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sockit/error.h"

#define READ_SIZE (256 * 1024)
#define TLS_CHUNK (16 * 1024 + 512)

/* The zero-copy side channel: a uv_poll on a dup of the socket, so libuv
 * watches it apart from the stream handle (its watchers are keyed by
 * descriptor number). */
struct zc {
	uv_poll_t poll;
	int sock;         /* the dup */
	int pipe[2];      /* splice: socket -> pipe -> out */
	int out, file;    /* splice target; sendfile source, or -1 */
	int events;
	void (*done)(struct sk_conn *c, int status);
	struct sk_conn *c;
	bool sent_any;
};

struct sk_conn {
	uv_stream_t *stream;
	struct zc *zc;
	struct sk_tls *tls;
	struct sk_conn_cbs cbs;
	void *data;
	size_t queued, low;
	uint64_t rx, tx;
	bool ready, reading, paused, closing, failed, eof, shut;
	uv_shutdown_t shutdown_req;
};

struct wreq {
	uv_write_t req;
	struct sk_conn *c;
	size_t n;
	uint8_t bytes[];
};

int sk_conn_new(uv_stream_t *stream, struct sk_tls *tls,
		const struct sk_conn_cbs *cbs, void *data, struct sk_conn **out)
{
	struct sk_conn *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->stream = stream;
	c->tls = tls;
	c->cbs = *cbs;
	c->data = data;
	c->low = 64 * 1024;
	stream->data = c;
	*out = c;
	return 0;
}

static void fail(struct sk_conn *c, int code, const char *msg)
{
	if (c->failed || c->closing)
		return;
	c->failed = true;
	char buf[SK_ERRLEN];
	if (!msg) {
		sk_err_set(buf, code, "%s", code == UV_EOF ? "read" : "connection");
		msg = buf;
	}
	c->cbs.on_error(c, code, msg);
}

static void write_done(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct sk_conn *c = w->c;
	c->queued -= w->n;
	free(w);
	if (status < 0) {
		if (status != UV_ECANCELED)
			fail(c, status, NULL);
		return;
	}
	if (!c->closing && !c->failed && c->queued <= c->low && c->cbs.on_drain)
		c->cbs.on_drain(c);
}

/* Hands bytes to the kernel, queuing (copied) what it does not take now. */
static int raw_write(struct sk_conn *c, const uint8_t *p, size_t n)
{
	if (c->closing || c->failed)
		return -EPIPE;
	if (c->queued == 0) {
		uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
		int w = uv_try_write(c->stream, &b, 1);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w != UV_EAGAIN && w != UV_ENOSYS) {
			fail(c, w, NULL);
			return w;
		}
		if (n == 0)
			return 0;
	}
	struct wreq *w = malloc(sizeof *w + n);
	if (!w) {
		fail(c, -ENOMEM, NULL);
		return -ENOMEM;
	}
	w->c = c;
	w->n = n;
	memcpy(w->bytes, p, n);
	uv_buf_t b = uv_buf_init((char *)w->bytes, (unsigned)n);
	int rc = uv_write(&w->req, c->stream, &b, 1, write_done);
	if (rc) {
		free(w);
		fail(c, rc, NULL);
		return rc;
	}
	c->queued += n;
	return 0;
}

/* Sends whatever ciphertext the TLS engine has produced. */
static int flush_tls(struct sk_conn *c)
{
	uint8_t buf[TLS_CHUNK];
	size_t n;
	while ((n = sk_tls_take(c->tls, buf, sizeof buf)) > 0) {
		int rc = raw_write(c, buf, n);
		if (rc)
			return rc;
	}
	return 0;
}

static void become_ready(struct sk_conn *c)
{
	c->ready = true;
	if (c->cbs.on_ready)
		c->cbs.on_ready(c);
}

static void got_eof(struct sk_conn *c)
{
	if (c->eof)
		return;
	c->eof = true;
	if (c->cbs.on_eof)
		c->cbs.on_eof(c);
}

static void tls_input(struct sk_conn *c, const uint8_t *p, size_t n)
{
	char err[SK_ERRLEN];
	if (sk_tls_feed(c->tls, p, n)) {
		fail(c, -ENOMEM, NULL);
		return;
	}
	if (!c->ready) {
		int rc = sk_tls_handshake(c->tls, err);
		if (flush_tls(c))
			return;
		if (rc < 0) {
			fail(c, rc, err);
			return;
		}
		if (rc == 0)
			return;
		become_ready(c);
	}
	uint8_t plain[TLS_CHUNK];
	while (!c->closing && !c->failed && !c->paused) {
		int r = sk_tls_read(c->tls, plain, sizeof plain, err);
		if (flush_tls(c))
			return;
		if (r == 0)
			break;
		if (r == SK_ETLSCLOSED) {
			got_eof(c);
			break;
		}
		if (r < 0) {
			fail(c, r, err);
			return;
		}
		c->rx += (uint64_t)r;
		c->cbs.on_data(c, plain, (size_t)r);
	}
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h;
	(void)hint;
	buf->base = malloc(READ_SIZE);
	buf->len = buf->base ? READ_SIZE : 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct sk_conn *c = s->data;
	if (nread > 0 && !c->closing && !c->failed) {
		if (c->tls) {
			tls_input(c, (const uint8_t *)buf->base, (size_t)nread);
		} else {
			c->rx += (uint64_t)nread;
			c->cbs.on_data(c, (const uint8_t *)buf->base, (size_t)nread);
		}
	} else if (nread == UV_EOF) {
		c->reading = false;
		uv_read_stop(s);
		got_eof(c);
	} else if (nread < 0) {
		c->reading = false;
		uv_read_stop(s);
		fail(c, (int)nread, NULL);
	}
	free(buf->base);
}

static void zc_closed(uv_handle_t *h)
{
	struct zc *z = h->data;
	close(z->sock);
	if (z->pipe[0] >= 0) {
		close(z->pipe[0]);
		close(z->pipe[1]);
	}
	free(z);
}

static void zc_event(uv_poll_t *h, int status, int events);

static void zc_update(struct zc *z)
{
	if (z->events)
		uv_poll_start(&z->poll, z->events, zc_event);
	else
		uv_poll_stop(&z->poll);
}

/* Moves n bytes from the pipe to the output, waiting when it is full. */
static int drain_pipe(struct zc *z, size_t n)
{
	while (n) {
		ssize_t m = splice(z->pipe[0], NULL, z->out, NULL, n, SPLICE_F_MOVE);
		if (m < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = z->out, .events = POLLOUT };
			poll(&p, 1, -1);
			continue;
		}
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return m < 0 ? -errno : -EIO;
		n -= (size_t)m;
	}
	return 0;
}

static void zc_readable(struct sk_conn *c, struct zc *z)
{
	for (int i = 0; i < 16 && !c->closing && !c->failed && !c->paused; i++) {
		ssize_t n = splice(z->sock, NULL, z->pipe[1], NULL, 1 << 20,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			c->rx += (uint64_t)n;
			int rc = drain_pipe(z, (size_t)n);
			if (rc) {
				char msg[SK_ERRLEN];
				sk_err_set(msg, rc, "output");
				fail(c, rc, msg);
				return;
			}
			continue;
		}
		if (n == 0) {
			z->events &= ~UV_READABLE;
			zc_update(z);
			c->reading = false;
			got_eof(c);
			return;
		}
		if (errno == EAGAIN || errno == EINTR)
			return;
		fail(c, -errno, NULL);
		return;
	}
}

static void zc_writable(struct sk_conn *c, struct zc *z)
{
	for (int i = 0; i < 16 && !c->closing && !c->failed; i++) {
		ssize_t n = sendfile(z->sock, z->file, NULL, 1 << 20);
		if (n > 0) {
			z->sent_any = true;
			c->tx += (uint64_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		int status = n == 0 ? 0 : -errno;
		if (status == -ENOSYS || (status == -EINVAL && !z->sent_any))
			status = -EINVAL; /* not here: the caller sends normally */
		z->events &= ~UV_WRITABLE;
		zc_update(z);
		z->file = -1;
		z->done(c, status);
		return;
	}
}

static void zc_event(uv_poll_t *h, int status, int events)
{
	struct zc *z = h->data;
	struct sk_conn *c = z->c;
	/* libuv reports a POLLERR (a reset, say) as EBADF.  The bytes that
	 * arrived before it are still readable and the calls below then meet
	 * the real error; only if they do not is it taken from the socket. */
	bool pollerr = status == UV_EBADF;
	if (status < 0 && !pollerr) {
		fail(c, status, NULL);
		return;
	}
	if (pollerr)
		events = z->events;
	if ((events & UV_WRITABLE) && z->file >= 0)
		zc_writable(c, z);
	if ((events & UV_READABLE) && z->out >= 0 && !c->closing && !c->failed)
		zc_readable(c, z);
	if (pollerr && c->reading && z->out >= 0 && !c->closing && !c->failed) {
		int soerr = 0;
		socklen_t len = sizeof soerr;
		if (getsockopt(z->sock, SOL_SOCKET, SO_ERROR, &soerr, &len) || !soerr)
			soerr = EIO;
		fail(c, -soerr, NULL);
	}
}

static int zc_get(struct sk_conn *c, struct zc **out)
{
	if (c->tls || c->stream->type != UV_TCP)
		return -ENOTSUP;
	if (c->zc) {
		*out = c->zc;
		return 0;
	}
	uv_os_fd_t fd;
	int rc = uv_fileno((uv_handle_t *)c->stream, &fd);
	if (rc)
		return rc;
	struct zc *z = calloc(1, sizeof *z);
	if (!z)
		return -ENOMEM;
	z->pipe[0] = z->pipe[1] = z->out = z->file = -1;
	z->c = c;
	z->sock = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (z->sock < 0 || uv_poll_init(c->stream->loop, &z->poll, z->sock)) {
		if (z->sock >= 0)
			close(z->sock);
		free(z);
		return -EMFILE;
	}
	z->poll.data = z;
	c->zc = z;
	*out = z;
	return 0;
}

int sk_conn_splice_out(struct sk_conn *c, int fd)
{
	struct stat st;
	if (fstat(fd, &st) ||
	    !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) ||
	      (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))))
		return -ENOTSUP;
	struct zc *z;
	int rc = zc_get(c, &z);
	if (rc)
		return rc;
	if (pipe2(z->pipe, O_CLOEXEC))
		return -errno;
	fcntl(z->pipe[1], F_SETPIPE_SZ, 1 << 20);
	z->out = fd;
	return 0;
}

int sk_conn_sendfile(struct sk_conn *c, int fd,
		     void (*done)(struct sk_conn *c, int status))
{
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return -ENOTSUP;
	struct zc *z;
	int rc = zc_get(c, &z);
	if (rc)
		return rc;
	z->file = fd;
	z->done = done;
	z->events |= UV_WRITABLE;
	zc_update(z);
	return 0;
}

static int start_reading(struct sk_conn *c)
{
	if (c->reading || c->eof || c->closing || c->failed)
		return 0;
	if (c->zc && c->zc->out >= 0) {
		c->zc->events |= UV_READABLE;
		zc_update(c->zc);
		c->reading = true;
		return 0;
	}
	int rc = uv_read_start(c->stream, on_alloc, on_read);
	if (rc == 0)
		c->reading = true;
	return rc;
}

int sk_conn_start(struct sk_conn *c)
{
	int rc = start_reading(c);
	if (rc)
		return rc;
	if (!c->tls) {
		become_ready(c);
		return 0;
	}
	char err[SK_ERRLEN];
	rc = sk_tls_handshake(c->tls, err); /* a client's hello */
	if (rc < 0) {
		fail(c, rc, err);
		return rc;
	}
	return flush_tls(c);
}

int sk_conn_write(struct sk_conn *c, const void *p, size_t n)
{
	if (c->closing || c->failed)
		return -EPIPE;
	if (n == 0)
		return 0;
	c->tx += n;
	if (!c->tls)
		return raw_write(c, p, n);
	char err[SK_ERRLEN];
	int rc = sk_tls_write(c->tls, p, n, err);
	if (rc < 0) {
		fail(c, rc, err);
		return rc;
	}
	return flush_tls(c);
}

size_t sk_conn_queued(const struct sk_conn *c)
{
	return c->queued;
}

void sk_conn_pause(struct sk_conn *c)
{
	c->paused = true;
	if (c->reading && c->zc && c->zc->out >= 0) {
		c->zc->events &= ~UV_READABLE;
		zc_update(c->zc);
		c->reading = false;
	} else if (c->reading) {
		uv_read_stop(c->stream);
		c->reading = false;
	}
}

void sk_conn_resume(struct sk_conn *c)
{
	if (!c->paused)
		return;
	c->paused = false;
	if (c->tls && c->ready)
		tls_input(c, NULL, 0); /* plaintext already decrypted-ready */
	if (start_reading(c))
		fail(c, -EIO, NULL);
}

static void shutdown_done(uv_shutdown_t *req, int status)
{
	(void)req;
	(void)status; /* a reset peer shows up as a read error anyway */
}

void sk_conn_shutdown(struct sk_conn *c)
{
	if (c->shut || c->closing || c->failed)
		return;
	c->shut = true;
	if (c->tls) {
		sk_tls_close(c->tls);
		if (flush_tls(c))
			return;
	}
	/* libuv sends the FIN after every queued write. */
	uv_shutdown(&c->shutdown_req, c->stream, shutdown_done);
}

static void closed(uv_handle_t *h)
{
	struct sk_conn *c = h->data;
	if (c->cbs.on_close)
		c->cbs.on_close(c);
	sk_tls_free(c->tls);
	free(c->stream);
	free(c);
}

void sk_conn_close(struct sk_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->zc) {
		uv_close((uv_handle_t *)&c->zc->poll, zc_closed);
		c->zc = NULL;
	}
	uv_close((uv_handle_t *)c->stream, closed);
}

void *sk_conn_data(const struct sk_conn *c)
{
	return c->data;
}

uv_stream_t *sk_conn_stream(const struct sk_conn *c)
{
	return c->stream;
}

struct sk_tls *sk_conn_tls(const struct sk_conn *c)
{
	return c->tls;
}

uint64_t sk_conn_rx(const struct sk_conn *c)
{
	return c->rx;
}

uint64_t sk_conn_tx(const struct sk_conn *c)
{
	return c->tx;
}
