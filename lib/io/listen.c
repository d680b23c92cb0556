/* Listeners: every address bound, the kernel's maximum backlog (ncat's 10
 * and socat's 5 delay bursts by seconds), and our own accept loop on a
 * uv_poll of each listening socket.  libuv's uv_listen survives EMFILE by
 * closing a reserve descriptor, accepting and dropping the waiting
 * connections and reopening it, but tells nobody; here the same trick
 * reports each dropped connection to the callback (-EMFILE / -ENFILE), so
 * the server can say that clients are being turned away. */
#include "core/ipint.h"
#include "sockit/listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockit/cidr.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/resolve.h"

#define MAXSOCK 8

union handle {
	uv_handle_t handle;
	uv_stream_t stream;
	uv_tcp_t tcp;
	uv_pipe_t pipe;
};

struct sk_listener {
	uv_loop_t *loop;
	union handle socks[MAXSOCK];
	uv_poll_t polls[MAXSOCK]; /* readable: connections waiting */
	int pfds[MAXSOCK];        /* dup of each socket, for the poll */
	size_t npolls;
	int reserve;              /* a spare descriptor for EMFILE, or -1 */
	uv_timer_t retry;         /* no reserve: accept again a bit later */
	struct sockaddr_storage addrs[MAXSOCK];
	bool bound[MAXSOCK];
	size_t count, open; /* handles initialised, not yet closed */
	bool is_unix, closing;
	char path[SK_PATHLEN];
	sk_accept_cb cb;
	void *data;
};

static void on_readable(uv_poll_t *p, int status, int events);
static void restart_polls(uv_timer_t *t);

static void open_reserve(struct sk_listener *l)
{
	if (l->reserve < 0)
		l->reserve = open("/", O_RDONLY | O_CLOEXEC);
}

/* The descriptor table is full: give the reserve back, accept and close
 * every waiting connection (each reported as dropped), take it again.
 * Without a reserve, stop polling for a moment rather than spin. */
static void shed(struct sk_listener *l, int fd, int code)
{
	if (l->reserve < 0) {
		for (size_t i = 0; i < l->npolls; i++)
			uv_poll_stop(&l->polls[i]);
		uv_timer_start(&l->retry, restart_polls, 100, 0);
		l->cb(l, code, NULL, l->data);
		return;
	}
	close(l->reserve);
	l->reserve = -1;
	int c;
	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0 || errno == EINTR) {
		if (c >= 0) {
			close(c);
			l->cb(l, code, NULL, l->data);
			if (l->closing)
				break;
		}
	}
	open_reserve(l);
}

static void accept_one(struct sk_listener *l, union handle *h, int fd)
{
	int rc = l->is_unix ? uv_pipe_init(l->loop, &h->pipe, 0)
			    : uv_tcp_init(l->loop, &h->tcp);
	if (!rc)
		rc = l->is_unix ? uv_pipe_open(&h->pipe, fd) : uv_tcp_open(&h->tcp, fd);
	if (rc) {
		close(fd);
		uv_close(&h->handle, (uv_close_cb)free);
		l->cb(l, rc, NULL, l->data);
		return;
	}
	if (!l->is_unix)
		uv_tcp_nodelay(&h->tcp, 1);
	l->cb(l, 0, &h->stream, l->data);
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	(void)events;
	struct sk_listener *l = p->data;
	int fd = l->pfds[p - l->polls];
	if (status < 0) {
		l->cb(l, status, NULL, l->data);
		return;
	}
	/* A bounded batch per wake-up, so one listener cannot starve the
	 * clients already connected. */
	for (int n = 0; n < 256 && !l->closing; n++) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EMFILE || errno == ENFILE) {
				shed(l, fd, -errno);
				return;
			}
			l->cb(l, -errno, NULL, l->data);
			return;
		}
		union handle *h = malloc(sizeof *h);
		if (!h) {
			close(c);
			l->cb(l, -ENOMEM, NULL, l->data);
			continue;
		}
		accept_one(l, h, c);
	}
}

static void restart_polls(uv_timer_t *t)
{
	struct sk_listener *l = t->data;
	open_reserve(l);
	if (l->reserve < 0) {
		uv_timer_start(&l->retry, restart_polls, 100, 0);
		return;
	}
	for (size_t i = 0; i < l->npolls; i++)
		uv_poll_start(&l->polls[i], UV_READABLE, on_readable);
}

/* listen(2) on the handle's socket and poll a dup of it (the handle keeps
 * owning the socket and closes it). */
static int start_accepting(struct sk_listener *l, union handle *h, int backlog_n)
{
	uv_os_fd_t fd;
	int rc = uv_fileno(&h->handle, &fd);
	if (rc)
		return rc;
	if (listen(fd, backlog_n) < 0)
		return -errno;
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (d < 0)
		return -errno;
	int fl = fcntl(d, F_GETFL);
	if (fl >= 0)
		fcntl(d, F_SETFL, fl | O_NONBLOCK);
	size_t i = l->npolls;
	if ((rc = uv_poll_init(l->loop, &l->polls[i], d))) {
		close(d);
		return rc;
	}
	l->polls[i].data = l;
	l->pfds[i] = d;
	l->npolls++;
	l->open++;
	return uv_poll_start(&l->polls[i], UV_READABLE, on_readable);
}

/* libuv defers EADDRINUSE from uv_tcp_bind to uv_listen, which is not
 * used here: a socket whose bind failed is still unbound (port 0), while
 * a bind to port 0 got a port from the kernel. */
static unsigned bound_port(uv_tcp_t *t)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (uv_tcp_getsockname(t, (struct sockaddr *)&ss, &len))
		return 0;
	return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
				       : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int backlog(const struct sk_listen_opts *o)
{
	/* The kernel caps the value at net.core.somaxconn; asking for more
	 * gets the maximum rather than the 128 of old SOMAXCONN. */
	return o->backlog > 0 ? o->backlog : 65535;
}

static int bind_one(struct sk_listener *l, const struct sockaddr *sa,
		    bool dual, const struct sk_listen_opts *o, char *err)
{
	union handle *h = &l->socks[l->count];
	char addr[SK_ADDRSTRLEN] = "?";
	sk_sockaddr_format(sa, true, addr, sizeof addr);
	int rc = uv_tcp_init_ex(l->loop, &h->tcp, sa->sa_family);
	if (rc)
		return sk_err_set(err, rc, "%s", addr);
	h->handle.data = l;
	l->count++;
	l->open++;
	rc = uv_tcp_bind(&h->tcp, sa,
			 sa->sa_family == AF_INET6 && !dual ? UV_TCP_IPV6ONLY : 0);
	if (!rc)
		rc = bound_port(&h->tcp) ? start_accepting(l, h, backlog(o)) : UV_EADDRINUSE;
	if (rc)
		return sk_err_set(err, rc, "%s", addr);
	int len = sizeof l->addrs[0];
	uv_tcp_getsockname(&h->tcp, (struct sockaddr *)&l->addrs[l->count - 1], &len);
	l->bound[l->count - 1] = true;
	return 0;
}

static int listen_inet(struct sk_listener *l, const struct sk_endpoint *ep,
		       const struct sk_listen_opts *o, char *err)
{
	if (!ep->host[0] && o->family != AF_INET) {
		/* All interfaces: one IPv6 socket that takes IPv4 too, or
		 * plain 0.0.0.0 when IPv6 is off (or -4). */
		struct sockaddr_in6 any6 = { .sin6_family = AF_INET6,
					     .sin6_port = htons(ep->port),
					     .sin6_addr = IN6ADDR_ANY_INIT };
		char tmp[SK_ERRLEN];
		int rc = bind_one(l, (struct sockaddr *)&any6, o->family == AF_UNSPEC, o, tmp);
		if (rc == 0 || o->family == AF_INET6) {
			if (rc)
				snprintf(err, SK_ERRLEN, "%s", tmp);
			return rc;
		}
		/* The failed socket stays unbound and is closed with the rest. */
	}
	struct sk_addrlist list;
	int rc = sk_resolve(ep->host, ep->port, o->family, SOCK_STREAM,
			    SK_RESOLVE_PASSIVE, &list, err);
	if (rc < 0)
		return rc;
	rc = 0;
	for (size_t i = 0; i < list.count && l->count < MAXSOCK && !rc; i++) {
		struct sockaddr_storage *ss = &list.addrs[i].ss;
		/* Port 0 on several addresses: one port, the first one's. */
		if (ep->port == 0 && i > 0) {
			uint16_t port = ((struct sockaddr_in *)&l->addrs[0])->sin_port;
			if (ss->ss_family == AF_INET)
				((struct sockaddr_in *)ss)->sin_port = port;
			else
				((struct sockaddr_in6 *)ss)->sin6_port = port;
		}
		rc = bind_one(l, (const struct sockaddr *)ss, false, o, err);
	}
	sk_addrlist_free(&list);
	return rc;
}

static int listen_unix(struct sk_listener *l, const struct sk_endpoint *ep,
		       const struct sk_listen_opts *o, char *err)
{
	union handle *h = &l->socks[0];
	int rc = uv_pipe_init(l->loop, &h->pipe, 0);
	if (rc)
		return sk_err_set(err, rc, "unix:%s", ep->path);
	h->handle.data = l;
	l->count = 1;
	l->open++; /* the retry timer holds one already */
	l->is_unix = true;
	rc = uv_pipe_bind(&h->pipe, ep->path);
	if (rc)
		return sk_err_set(err, rc, "unix:%s", ep->path);
	snprintf(l->path, sizeof l->path, "%s", ep->path);
	l->bound[0] = true;
	rc = start_accepting(l, h, backlog(o));
	if (rc)
		return sk_err_set(err, rc, "unix:%s", ep->path);
	struct sockaddr_un *un = (struct sockaddr_un *)&l->addrs[0];
	un->sun_family = AF_UNIX;
	snprintf(un->sun_path, sizeof un->sun_path, "%s", ep->path);
	return 0;
}

int sk_listen_start(uv_loop_t *loop, const struct sk_endpoint *ep,
		    const struct sk_listen_opts *opts, sk_accept_cb cb,
		    void *data, struct sk_listener **out, char *err)
{
	struct sk_listener *l = calloc(1, sizeof *l);
	if (!l)
		return sk_err_set(err, -ENOMEM, "listen");
	l->loop = loop;
	l->cb = cb;
	l->data = data;
	l->reserve = -1;
	uv_timer_init(loop, &l->retry);
	l->retry.data = l;
	l->open++;
	open_reserve(l);
	static const struct sk_listen_opts defaults = { .family = AF_UNSPEC };
	if (!opts)
		opts = &defaults;
	int rc = ep->kind == SK_ENDPOINT_UNIX ? listen_unix(l, ep, opts, err)
					      : listen_inet(l, ep, opts, err);
	if (rc) {
		sk_listener_close(l);
		return rc;
	}
	*out = l;
	return 0;
}

int sk_listener_format(const struct sk_listener *l, char *buf, size_t cap)
{
	size_t len = 0;
	if (cap)
		buf[0] = 0;
	for (size_t i = 0; i < l->count && len < cap; i++) {
		if (!l->bound[i])
			continue;
		char a[SK_ADDRSTRLEN + SK_PATHLEN];
		if (l->is_unix)
			snprintf(a, sizeof a, "unix:%s", l->path);
		else
			sk_sockaddr_format((const struct sockaddr *)&l->addrs[i], true, a,
					   sizeof a);
		int n = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", a);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	return (int)(len < cap ? len : cap - 1);
}

const struct sockaddr *sk_listener_addr(const struct sk_listener *l)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->bound[i])
			return (const struct sockaddr *)&l->addrs[i];
	return (const struct sockaddr *)&l->addrs[0];
}

bool sk_listener_is_local(const struct sk_listener *l)
{
	if (l->is_unix)
		return true;
	for (size_t i = 0; i < l->count; i++) {
		if (!l->bound[i])
			continue;
		struct sk_ip ip;
		sk__ip_from_sockaddr((const struct sockaddr *)&l->addrs[i], &ip);
		if (strcmp(sk_ip_scope(&ip).name, "loopback") != 0)
			return false;
	}
	return l->count > 0;
}

int sk_stream_peer(uv_stream_t *s, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof *out);
	if (s->type == UV_NAMED_PIPE) {
		out->ss_family = AF_UNIX;
		return 0;
	}
	int len = sizeof *out;
	int rc = uv_tcp_getpeername((uv_tcp_t *)s, (struct sockaddr *)out, &len);
	if (rc)
		return rc;
	sk_sockaddr_unmap(out, (socklen_t)len);
	return 0;
}

int sk_stream_local(uv_stream_t *s, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof *out);
	if (s->type == UV_NAMED_PIPE) {
		out->ss_family = AF_UNIX;
		return 0;
	}
	int len = sizeof *out;
	int rc = uv_tcp_getsockname((uv_tcp_t *)s, (struct sockaddr *)out, &len);
	if (rc)
		return rc;
	sk_sockaddr_unmap(out, (socklen_t)len);
	return 0;
}

void sk_stream_peer_name(uv_stream_t *s, struct sockaddr_storage *peer,
			 char *name, size_t size)
{
	if (sk_stream_peer(s, peer))
		snprintf(name, size, "unknown peer"); /* reset before accept */
	else if (peer->ss_family == AF_UNIX)
		snprintf(name, size, "unix");
	else
		sk_sockaddr_format((struct sockaddr *)peer, true, name, size);
}

static void sock_closed(uv_handle_t *h)
{
	struct sk_listener *l = h->data;
	if (--l->open == 0)
		free(l);
}

static void poll_closed(uv_handle_t *h)
{
	struct sk_listener *l = h->data;
	close(l->pfds[(uv_poll_t *)h - l->polls]);
	sock_closed(h);
}

void sk_listener_close(struct sk_listener *l)
{
	if (!l || l->closing)
		return;
	l->closing = true;
	if (l->is_unix && l->path[0])
		unlink(l->path);
	if (l->reserve >= 0)
		close(l->reserve);
	l->reserve = -1;
	for (size_t i = 0; i < l->npolls; i++)
		uv_close((uv_handle_t *)&l->polls[i], poll_closed);
	uv_close((uv_handle_t *)&l->retry, sock_closed);
	for (size_t i = 0; i < l->count; i++)
		uv_close(&l->socks[i].handle, sock_closed);
}
