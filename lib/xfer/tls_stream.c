/* An xfer stream through TLS on a blocking socket: lib/io's TLS engine
 * (sockit/tls.h) works on memory buffers, and this file pumps its
 * ciphertext to and from the socket. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/tls.h"
#include "sockit/xfer.h"

struct sk_xfer_tls {
	int fd;
	struct sk_tls *tls;
	char err[SK_ERRLEN];
	uint8_t net[1 << 16];
	/* Plaintext read ahead by tls_ready, handed out first by tls_read. */
	uint8_t plain[1 << 14];
	size_t plain_off, plain_len;
};

/* Sends every byte of ciphertext the engine has queued. */
static int flush(struct sk_xfer_tls *t)
{
	size_t n;
	while ((n = sk_tls_take(t->tls, t->net, sizeof t->net))) {
		struct sk_xfer_stream plain = { .fd = t->fd };
		int rc = sk_xfer_write_all(&plain, t->net, n);
		if (rc)
			return rc;
	}
	return 0;
}

/* Reads ciphertext from the socket into the engine: 1, 0 at EOF, or an
 * error. */
static int fill(struct sk_xfer_tls *t)
{
	struct sk_xfer_stream plain = { .fd = t->fd };
	ssize_t n = sk_xfer_read(&plain, t->net, sizeof t->net);
	if (n <= 0)
		return (int)n;
	int rc = sk_tls_feed(t->tls, t->net, (size_t)n);
	return rc ? rc : 1;
}

static ssize_t tls_read(void *ctx, void *buf, size_t n)
{
	struct sk_xfer_tls *t = ctx;
	if (t->plain_off < t->plain_len) {
		size_t k = t->plain_len - t->plain_off;
		if (k > n)
			k = n;
		memcpy(buf, t->plain + t->plain_off, k);
		t->plain_off += k;
		return (ssize_t)k;
	}
	size_t cap = n > INT32_MAX ? INT32_MAX : n;
	for (;;) {
		int rc = sk_tls_read(t->tls, buf, cap, t->err);
		if (rc > 0)
			return rc;
		if (rc == SK_ETLSCLOSED)
			return 0;
		if (rc < 0)
			return rc;
		/* Post-handshake messages (TLS 1.3 tickets) may want an answer. */
		if ((rc = flush(t)))
			return rc;
		rc = fill(t);
		if (rc <= 0)
			return rc;
	}
}

/* Whether plaintext can be read without blocking: ciphertext already on
 * the socket is taken in and decrypted (a session ticket gives none). */
static int tls_ready(void *ctx)
{
	struct sk_xfer_tls *t = ctx;
	if (t->plain_off < t->plain_len)
		return 1;
	for (;;) {
		int rc = sk_tls_read(t->tls, t->plain, sizeof t->plain, t->err);
		if (rc > 0) {
			t->plain_off = 0;
			t->plain_len = (size_t)rc;
			return 1;
		}
		if (rc < 0)
			return 1; /* an error or close_notify: let the reader see it */
		ssize_t n = recv(t->fd, t->net, sizeof t->net, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : 1;
		if (n == 0 || sk_tls_feed(t->tls, t->net, (size_t)n))
			return 1;
	}
}

static ssize_t tls_write(void *ctx, const void *buf, size_t n)
{
	struct sk_xfer_tls *t = ctx;
	/* Bounded pieces keep the engine's output queue small. */
	size_t piece = n > (256u << 10) ? 256u << 10 : n;
	int rc = sk_tls_write(t->tls, buf, piece, t->err);
	if (rc < 0)
		return rc;
	int f = flush(t);
	return f ? f : rc;
}

int sk_xfer_tls_open(int fd, struct sk_tls *tls, struct sk_xfer_stream *s,
		     struct sk_xfer_tls **out, char *err)
{
	struct sk_xfer_tls *t = calloc(1, sizeof *t);
	if (!t) {
		sk_tls_free(tls);
		return sk_err_set(err, -ENOMEM, "tls");
	}
	t->fd = fd;
	t->tls = tls;
	for (;;) {
		int rc = sk_tls_handshake(tls, err);
		int f = flush(t);
		if (rc == 1 && !f)
			break;
		if (rc < 0 || f) {
			if (rc >= 0)
				sk_err_set(err, f, "TLS handshake");
			sk_xfer_tls_close(t);
			return rc < 0 ? rc : f;
		}
		f = fill(t);
		if (f <= 0) {
			sk_err_set(err, f ? f : SK_EXFERCUT, "TLS handshake");
			sk_xfer_tls_close(t);
			return f ? f : SK_EXFERCUT;
		}
	}
	*s = (struct sk_xfer_stream){ .fd = fd, .ctx = t, .read = tls_read, .write = tls_write,
					   .ready = tls_ready };
	*out = t;
	return 0;
}

struct sk_tls *sk_xfer_tls_engine(struct sk_xfer_tls *t)
{
	return t->tls;
}

void sk_xfer_tls_close(struct sk_xfer_tls *t)
{
	if (!t)
		return;
	if (!sk_tls_close(t->tls))
		flush(t);
	sk_tls_free(t->tls);
	free(t);
}
