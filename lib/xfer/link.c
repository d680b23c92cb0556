/* A transfer's connection, either side, through TLS when asked
 * (sockit/xfer.h): the dial of file send and the accept of file recv. */
#include <unistd.h>

#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/tls.h"
#include "sockit/xfer.h"

/* The stream over l->fd, through a TLS handshake when ctx is given.  On
 * failure the socket is closed. */
static int secure(struct sk_xfer_link *l, struct sk_tls_ctx *ctx, bool server,
		  const char *host, const char *sni, char *err)
{
	l->s = (struct sk_xfer_stream){ .fd = l->fd };
	l->tls = NULL;
	struct sk_tls *t;
	int rc = ctx ? sk_tls_new(ctx, server, host, sni, &t, err) : 0;
	if (ctx && !rc)
		rc = sk_xfer_tls_open(l->fd, t, &l->s, &l->tls, err);
	if (rc) {
		close(l->fd);
		l->fd = -1;
	}
	return rc;
}

int sk_xfer_dial(const struct sk_endpoint *ep, const struct sk_xfer_dial_opts *o,
		 struct sk_xfer_link *out, char *err)
{
	out->fd = sk_xfer_connect(ep, o->family, o->connect_ms, err);
	if (out->fd < 0)
		return out->fd;
	sk_xfer_set_timeouts(out->fd, o->idle_ms);
	/* ":PORT" connects to this host: verify the name it is known by. */
	const char *host = ep->host[0] ? ep->host : "localhost";
	return secure(out, o->tls, false, host, o->sni, err);
}

int sk_xfer_take(int lfd, uint64_t timeout_ms, struct sk_tls_ctx *tls,
		 struct sk_xfer_link *out, char *peer, size_t cap, char *err)
{
	out->fd = sk_xfer_accept(lfd, timeout_ms, peer, cap);
	if (out->fd < 0)
		return sk_err_set(err, out->fd, "accept");
	return secure(out, tls, true, NULL, NULL, err) ? 1 : 0;
}

void sk_xfer_link_close(struct sk_xfer_link *l, uint64_t linger_ms)
{
	sk_xfer_tls_close(l->tls);
	l->tls = NULL;
	if (l->fd >= 0 && linger_ms)
		sk_xfer_close_after_peer(l->fd, linger_ms);
	else if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
