/* Sockets for file transfer: a blocking connected stream (every address of
 * the name tried in turn, each with a connect timeout) and a listener. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static int connect_one(const struct sk_addr *a, uint64_t timeout_ms)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	tune(fd);
	int rc = 0;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) && errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int n;
	do
		n = poll(&p, 1, timeout_ms ? (int)timeout_ms : -1);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		rc = -ETIMEDOUT;
		goto fail;
	}
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	if (soerr) {
		rc = -soerr;
		goto fail;
	}
	/* A connect from port p to the same address and port p "succeeds"
	 * by simultaneous open with itself: that is no peer. */
	struct sockaddr_storage local;
	socklen_t ll = sizeof local;
	if (!getsockname(fd, (struct sockaddr *)&local, &ll) &&
	    sk_sockaddr_equal((const struct sockaddr *)&local,
			      (const struct sockaddr *)&a->ss)) {
		rc = -ECONNREFUSED;
		goto fail;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
fail:
	close(fd);
	return rc;
}

int sk_xfer_connect(const struct sk_endpoint *ep, int family, uint64_t timeout_ms,
		    char *err)
{
	struct sk_addrlist l;
	int rc = sk_resolve_endpoint(ep, family, SOCK_STREAM, 0, &l, err);
	if (rc < 0)
		return rc;
	char addr[SK_ADDRSTRLEN] = "";
	for (size_t i = 0; i < l.count; i++) {
		rc = connect_one(&l.addrs[i], timeout_ms);
		if (rc >= 0)
			break;
		sk_sockaddr_format((const struct sockaddr *)&l.addrs[i].ss, true, addr,
				   sizeof addr);
	}
	sk_addrlist_free(&l);
	if (rc < 0)
		return sk_err_set(err, rc, "%s", addr);
	return rc;
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
