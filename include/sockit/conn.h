/* A connected byte stream on a libuv loop, optionally under TLS: reads
 * arrive as plaintext callbacks, writes are copied and queued, and the
 * queue size is visible so that callers apply backpressure (stop their
 * source when sk_conn_queued passes their limit, resume in on_drain).
 *
 * How the other commands use it: after sk_connect (sockit/connect.h) or
 * uv_accept, wrap the stream:
 *     sk_conn_new(stream, tls_or_NULL, &cbs, me, &conn);
 *     sk_conn_start(conn);       // TLS: handshake first
 *     on_ready  -> start writing (a request, a file header ...)
 *     on_data   -> parse (llhttp, frames) or print
 *     on_eof    -> the peer is done sending (TCP FIN or TLS close_notify)
 *     on_error  -> one line to the user, then sk_conn_close
 *     on_close  -> last callback; the conn is freed after it returns
 * Callbacks may call sk_conn_close from inside; after that no other
 * callback runs except on_close.
 */
#ifndef SOCKIT_CONN_H
#define SOCKIT_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sockit/tls.h"

struct sk_conn;

struct sk_conn_cbs {
	void (*on_ready)(struct sk_conn *c); /* may be NULL */
	void (*on_data)(struct sk_conn *c, const uint8_t *p, size_t n);
	void (*on_eof)(struct sk_conn *c); /* may be NULL */
	/* code: -errno, SK_ETLS, SK_ETLSVERIFY; msg: "what: why". */
	void (*on_error)(struct sk_conn *c, int code, const char *msg);
	/* A write completed and the queue holds 64 KiB or less. */
	void (*on_drain)(struct sk_conn *c); /* may be NULL */
	void (*on_close)(struct sk_conn *c); /* may be NULL */
};

/* Takes ownership of stream (malloc'ed, e.g. from sk_connect or a
 * uv_tcp_t the caller accepted into) and of tls (NULL for plain).
 * Returns 0 or -ENOMEM (then the caller still owns both). */
int sk_conn_new(uv_stream_t *stream, struct sk_tls *tls,
		const struct sk_conn_cbs *cbs, void *data, struct sk_conn **out);

/* Starts reading; for TLS also the handshake.  Plain streams call on_ready
 * before this returns.  Returns 0 or a negative code. */
int sk_conn_start(struct sk_conn *c);

/* Queues n bytes (copied), only after on_ready.  Returns 0 or a negative
 * code (the conn is broken: on_error has run or will run). */
int sk_conn_write(struct sk_conn *c, const void *p, size_t n);

/* Bytes accepted by sk_conn_write not yet handed to the kernel. */
size_t sk_conn_queued(const struct sk_conn *c);

/* Stop / restart delivering on_data (backpressure on the peer). */
void sk_conn_pause(struct sk_conn *c);
void sk_conn_resume(struct sk_conn *c);

/* Half-close: after the queue drains, TLS close_notify and a TCP FIN. */
void sk_conn_shutdown(struct sk_conn *c);

/* Closes now (queued bytes are dropped); on_close runs from the loop. */
void sk_conn_close(struct sk_conn *c);

/* Zero-copy paths for plain streams (not TLS), used by relays when both
 * ends allow it:
 *   sk_conn_splice_out: received bytes go to fd with splice(2) through a
 *     pipe instead of through on_data (which is then not called); fd must
 *     be a regular file, a pipe or /dev/null.  Call before sk_conn_start.
 *     A failed write to fd reaches on_error with msg "output: why".
 *   sk_conn_sendfile: sends the regular file fd from its current offset to
 *     its end with sendfile(2), waiting for the socket to be writable, then
 *     calls done(c, 0); done(c, -EINVAL) before anything was sent means the
 *     kernel cannot do it here (send the normal way).  Do not sk_conn_write
 *     while it runs.
 * Both return 0 or -ENOTSUP (TLS, or fd of the wrong kind) / -errno. */
int sk_conn_splice_out(struct sk_conn *c, int fd);
int sk_conn_sendfile(struct sk_conn *c, int fd,
		     void (*done)(struct sk_conn *c, int status));

void *sk_conn_data(const struct sk_conn *c);
uv_stream_t *sk_conn_stream(const struct sk_conn *c);
struct sk_tls *sk_conn_tls(const struct sk_conn *c);
/* Total bytes of plaintext received and accepted for sending. */
uint64_t sk_conn_rx(const struct sk_conn *c);
uint64_t sk_conn_tx(const struct sk_conn *c);

#endif
