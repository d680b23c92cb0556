/* A libuv stream with optional TLS.  Writes try the kernel first and only
 * copy what it did not take, so a fast peer costs no allocation; reads use
 * a buffer allocated per read and freed right after, so an idle
 * connection holds no read buffer at all (10,000 idle clients stay
 * small). */
#include "sockit/conn.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"

#define READ_SIZE (256 * 1024)
#define TLS_CHUNK (16 * 1024 + 512)

struct sk_conn {
	uv_stream_t *stream;
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

static int start_reading(struct sk_conn *c)
{
	if (c->reading || c->eof || c->closing || c->failed)
		return 0;
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

void sk_conn_set_low_mark(struct sk_conn *c, size_t low)
{
	c->low = low;
}

void sk_conn_pause(struct sk_conn *c)
{
	c->paused = true;
	if (c->reading) {
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
