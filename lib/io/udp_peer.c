/* A UDP socket locked to one peer and opened as a libuv stream
 * (sockit/udp_peer.h).  While waiting for the first datagram the socket is
 * watched through a uv_poll_t on a dup of it: closing a poll handle
 * removes its descriptor from epoll, which must not be the descriptor the
 * stream then registers. */
#include "sockit/udp_peer.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit/array.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/udp.h"

/* Wide enough for the largest datagram; MSG_TRUNC would only say that a
 * longer jumbogram was cut. */
#define DGRAM_BUF (SK_UDP_MAX_V6 + 1)

struct sk_udp_accept {
	uv_poll_t poll; /* on dup_fd */
	int fd, dup_fd;
	sk_udp_accept_cb cb;
	void *data;
};

static int open_socket(int family, bool v6only, const struct sockaddr *local,
		       socklen_t local_len, char *err)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sk_err_set(err, -errno, "socket");
	int on = v6only;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (local && bind(fd, local, local_len) < 0) {
		int rc = -errno;
		char a[SK_ADDRSTRLEN];
		sk_sockaddr_format(local, true, a, sizeof a);
		close(fd);
		return sk_err_set(err, rc, "bind %s", a);
	}
	return fd;
}

static void handle_free(uv_handle_t *h)
{
	free(h);
}

/* The socket, connected, as a stream; closes fd on failure. */
static int as_stream(uv_loop_t *loop, int fd, uv_stream_t **out, char *err)
{
	uv_pipe_t *p = malloc(sizeof *p);
	if (!p) {
		close(fd);
		return sk_err_set(err, -ENOMEM, "udp stream");
	}
	uv_pipe_init(loop, p, 0);
	int rc = uv_pipe_open(p, fd);
	if (rc < 0) {
		close(fd);
		uv_close((uv_handle_t *)p, handle_free);
		return sk_err_set(err, rc, "udp stream");
	}
	*out = (uv_stream_t *)p;
	return 0;
}

int sk_udp_peer_connect(uv_loop_t *loop, const struct sockaddr *peer,
			socklen_t peer_len, const struct sockaddr *local,
			socklen_t local_len, uv_stream_t **out, char *err)
{
	int fd = open_socket(peer->sa_family, false, local, local_len, err);
	if (fd < 0)
		return fd;
	if (connect(fd, peer, peer_len) < 0) {
		int rc = -errno;
		char a[SK_ADDRSTRLEN];
		sk_sockaddr_format(peer, true, a, sizeof a);
		close(fd);
		return sk_err_set(err, rc, "connect %s", a);
	}
	return as_stream(loop, fd, out, err);
}

static void accept_closed(uv_handle_t *h)
{
	struct sk_udp_accept *a = h->data;
	close(a->dup_fd);
	free(a);
}

static void accept_end(struct sk_udp_accept *a)
{
	uv_close((uv_handle_t *)&a->poll, accept_closed);
}

/* After connect(2) only the peer's datagrams are queued, but what came
 * before it is still there: the peer's are kept, in order, the rest
 * dropped.  Returns the bytes kept in *buf (grown), or -errno. */
static ssize_t drain_queue(int fd, const struct sockaddr *peer, uint8_t **buf,
			   size_t len, uint8_t *scratch)
{
	size_t cap = len; /* *buf holds at least the first datagram */
	for (;;) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof from;
		ssize_t n = recvfrom(fd, scratch, DGRAM_BUF, 0,
				     (struct sockaddr *)&from, &flen);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? (ssize_t)len
								      : -errno;
		sk_sockaddr_unmap(&from, flen);
		if (!sk_sockaddr_equal((struct sockaddr *)&from, peer) || !n)
			continue;
		if (sk_array_grow(buf, &cap, len + (size_t)n, 1))
			return -ENOMEM;
		memcpy(*buf + len, scratch, (size_t)n);
		len += (size_t)n;
	}
}

/* The first datagram: lock onto its sender. */
static int lock_first(struct sk_udp_accept *a, uv_stream_t **stream,
		      struct sockaddr_storage *peer, uint8_t **buf,
		      size_t *len, char *err)
{
	uint8_t *scratch = malloc(DGRAM_BUF);
	if (!scratch)
		return sk_err_set(err, -ENOMEM, "udp receive");
	socklen_t plen = sizeof *peer;
	ssize_t n = recvfrom(a->fd, scratch, DGRAM_BUF, 0,
			     (struct sockaddr *)peer, &plen);
	if (n < 0) {
		int rc = -errno;
		free(scratch);
		return rc == -EAGAIN ? rc : sk_err_set(err, rc, "receive");
	}
	/* connect(2) wants the address as the socket sees it (mapped). */
	if (connect(a->fd, (struct sockaddr *)peer, plen) < 0) {
		free(scratch);
		return sk_err_set(err, -errno, "connect to the first sender");
	}
	sk_sockaddr_unmap(peer, plen);
	*buf = malloc((size_t)n + 1);
	ssize_t kept = *buf ? (ssize_t)n : -ENOMEM;
	if (*buf) {
		memcpy(*buf, scratch, (size_t)n);
		kept = drain_queue(a->fd, (struct sockaddr *)peer, buf,
				   (size_t)n, scratch);
	}
	free(scratch);
	if (kept < 0)
		return sk_err_set(err, (int)kept, "receive");
	*len = (size_t)kept;
	int rc = as_stream(a->poll.loop, a->fd, stream, err);
	a->fd = -1; /* the stream's, or closed */
	return rc;
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	(void)events;
	struct sk_udp_accept *a = p->data;
	char err[SK_ERRLEN] = "";
	uv_stream_t *stream = NULL;
	struct sockaddr_storage peer = { 0 };
	uint8_t *first = NULL;
	size_t len = 0;
	int rc = status < 0 ? sk_err_set(err, status, "receive")
			    : lock_first(a, &stream, &peer, &first, &len, err);
	if (rc == -EAGAIN)
		return; /* a spurious wake-up: keep waiting */
	uv_poll_stop(p);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	a->cb(a->data, rc, rc ? NULL : stream, (struct sockaddr *)&peer, first,
	      len, err);
	free(first);
	accept_end(a);
}

int sk_udp_accept_start(uv_loop_t *loop, const struct sockaddr *local,
			socklen_t local_len, bool v6only, sk_udp_accept_cb cb,
			void *data, struct sk_udp_accept **out, char *err)
{
	struct sk_udp_accept *a = calloc(1, sizeof *a);
	if (!a)
		return sk_err_set(err, -ENOMEM, "udp listen");
	a->fd = open_socket(local->sa_family, v6only, local, local_len, err);
	if (a->fd < 0) {
		int rc = a->fd;
		free(a);
		return rc;
	}
	a->dup_fd = fcntl(a->fd, F_DUPFD_CLOEXEC, 0);
	int rc = a->dup_fd < 0 ? -errno : uv_poll_init_socket(loop, &a->poll, a->dup_fd);
	if (rc < 0) {
		if (a->dup_fd >= 0)
			close(a->dup_fd);
		close(a->fd);
		free(a);
		return sk_err_set(err, rc, "udp listen");
	}
	a->poll.data = a;
	a->cb = cb;
	a->data = data;
	uv_poll_start(&a->poll, UV_READABLE, on_readable);
	*out = a;
	return 0;
}

int sk_udp_accept_local(const struct sk_udp_accept *a,
			struct sockaddr_storage *ss, socklen_t *len)
{
	*len = sizeof *ss;
	if (getsockname(a->dup_fd, (struct sockaddr *)ss, len) < 0)
		return -errno;
	*len = sk_sockaddr_unmap(ss, *len);
	return 0;
}

void sk_udp_accept_cancel(struct sk_udp_accept *a)
{
	if (!a || uv_is_closing((uv_handle_t *)&a->poll))
		return;
	uv_poll_stop(&a->poll);
	close(a->fd);
	a->fd = -1;
	accept_end(a);
}
