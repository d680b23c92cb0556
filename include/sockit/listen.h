/* Stream listeners on a libuv loop: TCP on every address a name gives
 * (":PORT" is one dual-stack socket for IPv4 and IPv6), or unix:PATH;
 * the kernel's largest backlog, so a burst of clients is not delayed by
 * SYN retries; EMFILE at accept survived: a reserve descriptor is kept,
 * and when the table is full it is closed, the waiting connections are
 * accepted and closed, and it is reopened, so the loop never spins on a
 * listening socket it cannot drain.
 *
 * How the other commands use it (tcp listen, http serve, file recv):
 *     sk_listen_start(loop, &ep, &opts, on_client, me, &l, err);
 *     sk_listener_format(l, buf, sizeof buf);  // "listening on [::]:40123"
 * on_client gets each accepted stream (malloc'ed; hand it to sk_conn_new
 * or sk_stream_close it).  status < 0 reports an accept error (ENOMEM,
 * ENOBUFS ...), and -EMFILE / -ENFILE once per connection dropped at the
 * descriptor limit (client NULL): log it, once per burst; the listener
 * keeps going.
 */
#ifndef SOCKIT_LISTEN_H
#define SOCKIT_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

#include "sockit/endpoint.h"

struct sk_listener;

struct sk_listen_opts {
	int family;  /* AF_UNSPEC, AF_INET or AF_INET6 */
	int backlog; /* 0: as many as the kernel allows (SOMAXCONN cap) */
};

typedef void (*sk_accept_cb)(struct sk_listener *l, int status,
			     uv_stream_t *client, void *data);

/* Binds and listens; opts may be NULL for the defaults (every family, the
 * largest backlog).  Returns 0, or a negative code with err filled
 * ("127.0.0.1:80: permission denied", "unix:/x: address already in use").
 * For unix:PATH the socket file is removed again by sk_listener_close. */
int sk_listen_start(uv_loop_t *loop, const struct sk_endpoint *ep,
		    const struct sk_listen_opts *opts, sk_accept_cb cb,
		    void *data, struct sk_listener **out, char *err);

/* The bound addresses, ports filled in (port 0 asked), as text joined by
 * ", ": "[::]:40123" or "127.0.0.1:8080, [::1]:8080" or "unix:/tmp/s".
 * Returns the length. */
int sk_listener_format(const struct sk_listener *l, char *buf, size_t cap);

/* The first bound address. */
const struct sockaddr *sk_listener_addr(const struct sk_listener *l);

/* True when every bound address is loopback (or a unix socket): safe
 * for --exec without an --allow list. */
bool sk_listener_is_local(const struct sk_listener *l);

/* The peer address of an accepted stream, IPv4-mapped IPv6 addresses of
 * the dual-stack socket turned back into IPv4 (so 127.0.0.1 shows and
 * matches as 127.0.0.1).  A unix peer gives AF_UNIX.  Returns 0 or
 * -errno. */
int sk_stream_peer(uv_stream_t *s, struct sockaddr_storage *out);

/* The local address of an accepted stream (getsockname), unmapped the
 * same way.  A unix stream gives AF_UNIX.  Returns 0 or -errno. */
int sk_stream_local(uv_stream_t *s, struct sockaddr_storage *out);

/* sk_stream_peer, and the peer as text for logs: "127.0.0.1:40112",
 * "[::1]:5000", "unix", or "unknown peer" when the client reset before it
 * was accepted (then peer's family is 0).  SK_ADDRSTRLEN bytes suffice. */
void sk_stream_peer_name(uv_stream_t *s, struct sockaddr_storage *peer,
			 char *name, size_t size);

/* Stops accepting (no new clients) and frees once closed. */
void sk_listener_close(struct sk_listener *l);

#endif
