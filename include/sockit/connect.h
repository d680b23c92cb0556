/* Outgoing stream connections on a libuv loop: every address of a name
 * tried in turn, a timeout per attempt, a fixed local address or port, and
 * whole rounds retried with a doubling backoff.
 *
 * How the other commands use it (tcp connect, http get, file send, the
 * tour): parse the target with sk_endpoint_parse, fill a
 * struct sk_connect_opts from -4/-6, -w, -s, -p, --retry, then
 *     sk_connect_start(loop, &ep, &opts, on_connected, me, NULL, err);
 * and in on_connected take res->stream (a connected uv_tcp_t, or uv_pipe_t
 * for unix:PATH) and wrap it in an sk_conn (sockit/conn.h) to read, write
 * and add TLS.  If sk_connect_start fails the callback is never called.
 */
#ifndef SOCKIT_CONNECT_H
#define SOCKIT_CONNECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "sockit/endpoint.h"
#include "sockit/error.h"

struct sk_connect;

struct sk_connect_opts {
	int family;             /* AF_UNSPEC, AF_INET or AF_INET6 */
	const char *source;     /* local address (numeric or name); NULL any */
	uint16_t source_port;   /* local port; 0 any */
	uint64_t timeout_ms;    /* per address; 0 waits for the kernel */
	unsigned retries;       /* further rounds over all addresses */
	uint64_t backoff_ms;    /* wait before the first retry (0: 250 ms),
				   doubled each round, at most 8 s */
	/* Optional progress for -v: called when an attempt starts (status 1),
	 * fails (status < 0, msg says why) or succeeds (0), and before a
	 * backoff wait (status 2, msg says how long). */
	void (*on_attempt)(void *data, const struct sockaddr *addr, int status,
			   const char *msg);
};

struct sk_connect_result {
	int status; /* 0, or the last attempt's error */
	/* On success: a connected, malloc'ed uv_tcp_t or uv_pipe_t that the
	 * callback now owns (hand it to sk_conn_new, or sk_stream_close). */
	uv_stream_t *stream;
	struct sockaddr_storage peer, local;
	/* On failure: "127.0.0.1:9: connection refused", or for several
	 * addresses the last one's error. */
	char err[SK_ERRLEN];
};

typedef void (*sk_connect_cb)(const struct sk_connect_result *res, void *data);

/* Resolves ep (blocking: getaddrinfo) and starts connecting.  Returns 0 and
 * later calls cb exactly once (unless cancelled), or returns a negative
 * code with err filled (SK_EBADPORT for port 0, resolution failed, bad
 * source address) and never calls cb.  out, if not NULL, receives a
 * handle for sk_connect_cancel, valid until cb runs. */
int sk_connect_start(uv_loop_t *loop, const struct sk_endpoint *ep,
		     const struct sk_connect_opts *opts, sk_connect_cb cb,
		     void *data, struct sk_connect **out, char *err);

/* Stops a connection in progress; cb is not called.  The memory is
 * released once libuv has closed the handles (run the loop). */
void sk_connect_cancel(struct sk_connect *c);

/* Closes a malloc'ed libuv stream handle and frees it. */
void sk_stream_close(uv_stream_t *stream);

#endif
