/* Sockets for file transfer: a blocking connected stream (through lib/io's
 * connector: every address of the name tried in turn, each with a connect
 * timeout), a listener and its accept. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sockit/connect.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/resolve.h"
#include "sockit/xfer.h"

/* Large socket buffers keep a fast link full while the other side hashes. */
static void tune(int fd)
{
	int big = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
}

struct wait {
	int fd, status;
	char err[SK_ERRLEN];
};

static void on_connected(const struct sk_connect_result *res, void *data)
{
	struct wait *w = data;
	if (res->status) {
		w->status = res->status;
		snprintf(w->err, sizeof w->err, "%s", res->err);
		return;
	}
	/* The transfer runs on a blocking socket of its own: keep a copy of
	 * the descriptor and let libuv close its handle. */
	uv_os_fd_t fd;
	if (uv_fileno((const uv_handle_t *)res->stream, &fd) == 0)
		w->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (w->fd < 0)
		w->status = -errno;
	sk_stream_close(res->stream);
}

int sk_xfer_connect(const struct sk_endpoint *ep, int family, uint64_t timeout_ms,
		    char *err)
{
	/* lib/io's connector tries every address in turn with the timeout
	 * and rejects a connection to itself; it runs on a private loop. */
	uv_loop_t loop;
	int rc = uv_loop_init(&loop);
	if (rc)
		return sk_err_set(err, rc, "event loop");
	struct sk_connect_opts co = { .family = family, .timeout_ms = timeout_ms };
	struct wait w = { .fd = -1 };
	rc = sk_connect_start(&loop, ep, &co, on_connected, &w, NULL, err);
	if (rc == 0)
		uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	if (rc)
		return rc;
	if (w.status) {
		if (w.fd >= 0)
			close(w.fd);
		if (w.err[0]) {
			snprintf(err, SK_ERRLEN, "%s", w.err);
			return w.status;
		}
		return sk_err_set(err, w.status, "connect");
	}
	fcntl(w.fd, F_SETFL, fcntl(w.fd, F_GETFL) & ~O_NONBLOCK);
	tune(w.fd);
	return w.fd;
}

int sk_xfer_listen(const struct sk_endpoint *ep, int family, char *bound,
		   size_t cap, char *err)
{
	struct sk_addrlist l;
	int rc = sk_resolve_endpoint(ep, family, SOCK_STREAM, SK_RESOLVE_PASSIVE, &l, err);
	if (rc < 0)
		return rc;
	/* ":PORT" listens on IPv6 and IPv4 at once when the host allows it:
	 * prefer the IPv6 wildcard, made dual-stack below. */
	size_t pick = 0;
	if (!ep->host[0])
		for (size_t i = 0; i < l.count; i++)
			if (l.addrs[i].ss.ss_family == AF_INET6 && family != AF_INET)
				pick = i;
	const struct sk_addr *a = &l.addrs[pick];
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = sk_err_set(err, -errno, "socket");
		goto out;
	}
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, ep->host[0] ? &one : &zero,
			   sizeof one);
	tune(fd);
	char addr[SK_ADDRSTRLEN];
	sk_sockaddr_format((const struct sockaddr *)&a->ss, true, addr, sizeof addr);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) || listen(fd, SOMAXCONN)) {
		rc = sk_err_set(err, -errno, "%s", addr);
		close(fd);
		goto out;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	sk_sockaddr_format((const struct sockaddr *)&ss, true, bound, cap);
	rc = fd;
out:
	sk_addrlist_free(&l);
	return rc;
}

int sk_xfer_accept(int lfd, uint64_t timeout_ms, char *peer, size_t cap)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd >= 0) {
			/* As in tcp listen: 127.0.0.1, not ::ffff:127.0.0.1. */
			sk_sockaddr_unmap(&ss, sl);
			sk_sockaddr_format((const struct sockaddr *)&ss, true, peer, cap);
			sk_xfer_set_timeouts(fd, timeout_ms);
			return fd;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		/* Out of descriptors: wait a little for one to be freed. */
		if (errno == EMFILE || errno == ENFILE) {
			poll(NULL, 0, 100);
			continue;
		}
		return -errno;
	}
}
