/* Outgoing connections: one attempt at a time over every resolved
 * address, so the first that answers wins and the error shown is the
 * last address's (what nc and curl do).  Each attempt owns its handle;
 * on success the handle's memory passes to the caller, which is why the
 * handle is the attempt's first member. */
#include "sockit/connect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "core/say.h"
#include "sockit/resolve.h"

struct attempt {
	union {
		uv_tcp_t tcp;
		uv_pipe_t pipe;
		uv_handle_t handle;
		uv_stream_t stream;
	} h; /* first: on success the caller frees this block as the stream */
	uv_connect_t req;
	struct sk_connect *c;
	bool timed_out;
};

struct sk_connect {
	uv_loop_t *loop;
	struct sk_addrlist addrs, sources;
	bool is_unix;
	char path[SK_PATHLEN];
	struct sk_connect_opts opts;
	size_t next;
	unsigned round;
	uint64_t backoff;
	uv_timer_t timer; /* attempt timeout, then backoff */
	struct attempt *cur;
	sk_connect_cb cb;
	void *data;
	bool done;
	int refs; /* the timer, and the attempt in flight */
	int last;
	char err[SK_ERRLEN];
};

static void unref(struct sk_connect *c)
{
	if (--c->refs > 0)
		return;
	sk_addrlist_free(&c->addrs);
	sk_addrlist_free(&c->sources);
	free(c);
}

static void timer_closed(uv_handle_t *h)
{
	unref(h->data);
}

static void attempt_closed(uv_handle_t *h)
{
	free(h); /* the attempt: the handle is its first member */
}

static void finish(struct sk_connect *c, struct sk_connect_result *res)
{
	c->done = true;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, timer_closed);
	c->cb(res, c->data);
}

static void notify(struct sk_connect *c, const struct sockaddr *sa, int st,
		   const char *msg)
{
	if (c->opts.on_attempt)
		c->opts.on_attempt(c->data, sa, st, msg);
}

static const struct sockaddr *target(const struct sk_connect *c, size_t i,
				     struct sockaddr_storage *tmp)
{
	if (!c->is_unix)
		return (const struct sockaddr *)&c->addrs.addrs[i].ss;
	struct sockaddr_un *un = (struct sockaddr_un *)tmp;
	memset(un, 0, sizeof *un);
	un->sun_family = AF_UNIX;
	snprintf(un->sun_path, sizeof un->sun_path, "%s", c->path);
	return (const struct sockaddr *)un;
}

static size_t target_count(const struct sk_connect *c)
{
	return c->is_unix ? 1 : c->addrs.count;
}

static void fail_attempt(struct sk_connect *c, const struct sockaddr *sa,
			 int status)
{
	char addr[SK_ADDRSTRLEN] = "?";
	sk_sockaddr_format(sa, true, addr, sizeof addr);
	c->last = status;
	sk_err_set(c->err, status, "%s", addr);
	notify(c, sa, status, c->err);
}

static void try_next(struct sk_connect *c);

static void on_backoff(uv_timer_t *t)
{
	try_next(t->data);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct attempt *a = req->data;
	struct sk_connect *c = a->c;
	c->cur = NULL;
	if (c->done) { /* cancelled */
		if (!uv_is_closing(&a->h.handle))
			uv_close(&a->h.handle, attempt_closed);
		unref(c);
		return;
	}
	uv_timer_stop(&c->timer);
	struct sockaddr_storage tmp;
	const struct sockaddr *sa = target(c, c->next - 1, &tmp);
	struct sk_connect_result res = { .status = status };
	if (status == 0 && !c->is_unix) {
		int pl = sizeof res.peer, ll = sizeof res.local;
		uv_tcp_getpeername(&a->h.tcp, (struct sockaddr *)&res.peer, &pl);
		uv_tcp_getsockname(&a->h.tcp, (struct sockaddr *)&res.local, &ll);
		/* A connect to 127.0.0.1:p from local port p "succeeds" by
		 * simultaneous open with itself: that is no server. */
		if (sk_sockaddr_equal((struct sockaddr *)&res.peer,
				      (struct sockaddr *)&res.local))
			status = SK_ESELFCONNECT;
	} else if (status == 0) {
		memcpy(&res.peer, sa, sizeof(struct sockaddr_un));
	}
	if (status == 0) {
		notify(c, sa, 0, NULL);
		res.stream = &a->h.stream;
		c->refs--; /* the attempt is the caller's now */
		finish(c, &res);
		return;
	}
	if (status == UV_ECANCELED && a->timed_out)
		status = SK_ETIMEDOUT;
	fail_attempt(c, sa, status);
	if (!uv_is_closing(&a->h.handle))
		uv_close(&a->h.handle, attempt_closed);
	c->refs--;
	try_next(c);
}

static void on_timeout(uv_timer_t *t)
{
	struct sk_connect *c = t->data;
	if (!c->cur)
		return;
	c->cur->timed_out = true;
	/* Closing a connecting handle makes libuv call on_connect with
	 * UV_ECANCELED, which moves on to the next address. */
	uv_close(&c->cur->h.handle, attempt_closed);
}

static const struct sockaddr *source_for(struct sk_connect *c, int family,
					 struct sockaddr_storage *tmp)
{
	if (c->sources.count) {
		for (size_t i = 0; i < c->sources.count; i++)
			if (c->sources.addrs[i].ss.ss_family == family)
				return (const struct sockaddr *)&c->sources.addrs[i].ss;
		return NULL;
	}
	memset(tmp, 0, sizeof *tmp);
	tmp->ss_family = (sa_family_t)family;
	if (family == AF_INET)
		((struct sockaddr_in *)tmp)->sin_port = htons(c->opts.source_port);
	else
		((struct sockaddr_in6 *)tmp)->sin6_port = htons(c->opts.source_port);
	return (const struct sockaddr *)tmp;
}

/* Starts one attempt; returns 0, or an error after which the caller moves
 * on to the next address. */
static int start_attempt(struct sk_connect *c, const struct sockaddr *sa)
{
	struct attempt *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->c = c;
	a->req.data = a;
	int rc;
	if (c->is_unix) {
		rc = uv_pipe_init(c->loop, &a->h.pipe, 0);
		if (rc) {
			free(a);
			return rc;
		}
		uv_pipe_connect(&a->req, &a->h.pipe, c->path, on_connect);
	} else {
		rc = uv_tcp_init_ex(c->loop, &a->h.tcp, sa->sa_family);
		if (rc) {
			free(a);
			return rc;
		}
		if (c->sources.count || c->opts.source_port) {
			struct sockaddr_storage tmp;
			const struct sockaddr *src = source_for(c, sa->sa_family, &tmp);
			rc = src ? uv_tcp_bind(&a->h.tcp, src, 0) : SK_EFAMILY;
		}
		if (!rc) {
			uv_tcp_nodelay(&a->h.tcp, 1);
			rc = uv_tcp_connect(&a->req, &a->h.tcp, sa, on_connect);
		}
		if (rc) {
			uv_close(&a->h.handle, attempt_closed);
			return rc;
		}
	}
	c->cur = a;
	c->refs++;
	if (c->opts.timeout_ms)
		uv_timer_start(&c->timer, on_timeout, c->opts.timeout_ms, 0);
	return 0;
}

static void try_next(struct sk_connect *c)
{
	while (!c->done) {
		if (c->next == target_count(c)) {
			if (c->round >= c->opts.retries) {
				struct sk_connect_result res = { .status = c->last };
				memcpy(res.err, c->err, sizeof res.err);
				finish(c, &res);
				return;
			}
			c->round++;
			c->next = 0;
			char msg[64];
			snprintf(msg, sizeof msg, "retry %u of %u in %llu ms", c->round,
				 c->opts.retries, (unsigned long long)c->backoff);
			notify(c, NULL, 2, msg);
			uv_timer_start(&c->timer, on_backoff, c->backoff, 0);
			c->backoff = c->backoff * 2 > 8000 ? 8000 : c->backoff * 2;
			return;
		}
		struct sockaddr_storage tmp;
		const struct sockaddr *sa = target(c, c->next++, &tmp);
		notify(c, sa, 1, NULL);
		int rc = start_attempt(c, sa);
		if (rc == 0)
			return;
		fail_attempt(c, sa, rc);
	}
}

int sk_connect_start(uv_loop_t *loop, const struct sk_endpoint *ep,
		     const struct sk_connect_opts *opts, sk_connect_cb cb,
		     void *data, struct sk_connect **out, char *err)
{
	struct sk_connect *c = calloc(1, sizeof *c);
	if (!c)
		return sk_err_set(err, -ENOMEM, "connect");
	c->loop = loop;
	c->opts = *opts;
	c->cb = cb;
	c->data = data;
	c->backoff = opts->backoff_ms ? opts->backoff_ms : 250;
	int rc = 0;
	if (ep->kind == SK_ENDPOINT_UNIX) {
		c->is_unix = true;
		snprintf(c->path, sizeof c->path, "%s", ep->path);
		if (opts->source || opts->source_port)
			rc = sk_err_set(err, SK_EFAMILY, "unix:%s: no local address to bind",
					ep->path);
	} else if (ep->port == 0) {
		rc = sk__err_say(err, SK_EBADPORT, "%s: port 0 is not a destination",
				 ep->host[0] ? ep->host : "localhost");
	} else {
		char rerr[SK_ERRLEN];
		rc = sk_resolve_endpoint(ep, opts->family, SOCK_STREAM, 0, &c->addrs, rerr);
		if (rc < 0) {
			if (err)
				snprintf(err, SK_ERRLEN, "%s", rerr);
		} else if (opts->source) {
			rc = sk_resolve(opts->source, opts->source_port, opts->family,
					SOCK_STREAM, SK_RESOLVE_PASSIVE, &c->sources, rerr);
			if (rc < 0 && err)
				snprintf(err, SK_ERRLEN, "source %.240s", rerr);
		}
		if (rc > 0)
			rc = 0;
	}
	if (rc) {
		sk_addrlist_free(&c->addrs);
		sk_addrlist_free(&c->sources);
		free(c);
		return rc;
	}
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	c->refs = 1;
	if (out)
		*out = c;
	/* The first attempt starts from the loop, so cb never runs before
	 * this function returns. */
	uv_timer_start(&c->timer, on_backoff, 0, 0);
	return 0;
}

void sk_connect_cancel(struct sk_connect *c)
{
	if (c->done)
		return;
	c->done = true;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, timer_closed);
	if (c->cur && !uv_is_closing(&c->cur->h.handle))
		uv_close(&c->cur->h.handle, attempt_closed);
}

static void stream_closed(uv_handle_t *h)
{
	free(h);
}

void sk_stream_close(uv_stream_t *stream)
{
	if (stream && !uv_is_closing((uv_handle_t *)stream))
		uv_close((uv_handle_t *)stream, stream_closed);
}
