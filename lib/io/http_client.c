/* One HTTP exchange over a libuv TCP connection: try each address with a
 * connect timeout, send the request, feed the response to the parser,
 * with an idle timeout while waiting for bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sockit/error.h"
#include "sockit/http_io.h"
#include "sockit/resolve.h"

#define READ_BUF (256 * 1024)

struct xchg {
	const struct sk_http_exchange_opts *o;
	struct sk_http_parser *parser;
	uv_loop_t loop;
	uv_tcp_t *tcp; /* one per attempt: a closing handle is never reused */
	uv_timer_t timer;
	uv_write_t write;
	struct sk_addrlist addrs;
	size_t next; /* the address to try next */
	bool connecting;
	int last_code; /* why the last address failed */
	int result; /* 1 still running, 0 done, < 0 failed */
	char *err;
	char peer[SK_ADDRSTRLEN];
	uint8_t *buf;
};

static void on_closed(uv_handle_t *h)
{
	free(h);
}

static void drop_tcp(struct xchg *x)
{
	if (x->tcp) {
		uv_read_stop((uv_stream_t *)x->tcp);
		uv_close((uv_handle_t *)x->tcp, on_closed);
		x->tcp = NULL;
	}
	x->connecting = false;
}

static void finish(struct xchg *x, int rc)
{
	if (x->result != 1)
		return;
	x->result = rc;
	uv_timer_stop(&x->timer);
	drop_tcp(x);
}

static void try_next(struct xchg *x);

static void on_timer(uv_timer_t *t)
{
	struct xchg *x = t->data;
	if (x->result != 1)
		return;
	if (x->connecting) {
		/* This address timed out; try the next. */
		x->last_code = sk_err_set(x->err, -ETIMEDOUT, "connect %s", x->peer);
		drop_tcp(x);
		try_next(x);
		return;
	}
	finish(x, sk_err_set(x->err, -ETIMEDOUT, "%s: no data for %llu ms", x->peer,
			     (unsigned long long)x->o->idle_timeout_ms));
}

static void arm_idle(struct xchg *x)
{
	if (x->o->idle_timeout_ms)
		uv_timer_start(&x->timer, on_timer, x->o->idle_timeout_ms, 0);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)hint;
	struct xchg *x = h->data;
	*b = uv_buf_init((char *)x->buf, READ_BUF);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct xchg *x = s->data;
	if (x->result != 1)
		return;
	if (n > 0) {
		arm_idle(x);
		if (x->o->on_wire)
			x->o->on_wire(x->o->ctx, SK_HTTP_RECEIVED, (uint8_t *)b->base,
				      (size_t)n);
		int rc = sk_http_parser_feed(x->parser, (uint8_t *)b->base, (size_t)n, NULL);
		if (rc == 1)
			finish(x, 0);
		else if (rc < 0)
			finish(x, sk_err_set(x->err, rc, "%s: %s", x->peer,
					     sk_http_parser_error(x->parser)));
		return;
	}
	if (n == UV_EOF) {
		int rc = sk_http_parser_finish(x->parser);
		if (rc == 1)
			finish(x, 0);
		else if (rc == 0)
			finish(x, sk_err_set(x->err, SK_EHTTPSHORT,
					     "%s: closed the connection without a response",
					     x->peer));
		else
			finish(x, sk_err_set(x->err, rc, "%s: %s", x->peer,
					     sk_http_parser_error(x->parser)));
		return;
	}
	if (n < 0)
		finish(x, sk_err_set(x->err, (int)n, "%s: receive", x->peer));
}

static void on_write(uv_write_t *w, int status)
{
	struct xchg *x = w->data;
	if (status < 0 && status != UV_ECANCELED)
		finish(x, sk_err_set(x->err, status, "%s: send", x->peer));
}

static void on_connect(uv_connect_t *c, int status)
{
	struct xchg *x = c->data;
	uv_stream_t *handle = c->handle;
	free(c);
	if (x->result != 1 || status == UV_ECANCELED || !x->connecting ||
	    handle != (uv_stream_t *)x->tcp)
		return; /* an attempt given up on already */
	if (status < 0) {
		x->last_code = sk_err_set(x->err, status, "connect %s", x->peer);
		drop_tcp(x);
		try_next(x);
		return;
	}
	x->connecting = false;
	uv_timer_stop(&x->timer);
	const struct sk_addr *a = &x->addrs.addrs[x->next - 1];
	if (x->o->on_connected)
		x->o->on_connected(x->o->ctx, (const struct sockaddr *)&a->ss);
	uv_tcp_nodelay(x->tcp, 1);
	uv_buf_t b = uv_buf_init((char *)x->o->request, (unsigned)x->o->request_len);
	if (x->o->on_wire)
		x->o->on_wire(x->o->ctx, SK_HTTP_SENT, x->o->request, x->o->request_len);
	int rc = uv_write(&x->write, (uv_stream_t *)x->tcp, &b, 1, on_write);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)x->tcp, on_alloc, on_read);
	if (rc < 0) {
		finish(x, sk_err_set(x->err, rc, "%s: send", x->peer));
		return;
	}
	arm_idle(x);
}

static void try_next(struct xchg *x)
{
	while (x->next < x->addrs.count) {
		const struct sk_addr *a = &x->addrs.addrs[x->next++];
		sk_sockaddr_format((const struct sockaddr *)&a->ss, true, x->peer,
				   sizeof x->peer);
		x->tcp = malloc(sizeof *x->tcp);
		if (!x->tcp) {
			x->last_code = sk_err_set(x->err, -ENOMEM, "connect %s", x->peer);
			break;
		}
		uv_tcp_init(&x->loop, x->tcp);
		x->tcp->data = x;
		x->connecting = true;
		/* A fresh request per attempt: the old one may still be
		 * pending its ECANCELED callback. */
		uv_connect_t *req = malloc(sizeof *req);
		if (req)
			req->data = x;
		int rc = req ? uv_tcp_connect(req, x->tcp, (const struct sockaddr *)&a->ss,
					      on_connect)
			     : -ENOMEM;
		if (rc < 0) {
			free(req);
			x->last_code = sk_err_set(x->err, rc, "connect %s", x->peer);
			drop_tcp(x);
			continue;
		}
		if (x->o->connect_timeout_ms)
			uv_timer_start(&x->timer, on_timer, x->o->connect_timeout_ms, 0);
		return;
	}
	/* Every address failed: err holds the last reason. */
	if (x->result == 1)
		x->result = x->last_code ? x->last_code : -EHOSTUNREACH;
}

int sk_http_exchange(const struct sk_http_exchange_opts *o,
		     struct sk_http_parser *parser, char *err)
{
	char ebuf[SK_ERRLEN] = "";
	if (!err)
		err = ebuf;
	err[0] = 0;
	struct xchg *x = calloc(1, sizeof *x);
	if (!x)
		return sk_err_set(err, -ENOMEM, "http");
	x->o = o;
	x->parser = parser;
	x->err = err;
	x->result = 1;
	int rc = sk_resolve(o->url->host, o->url->port, o->family, SOCK_STREAM, 0,
			    &x->addrs, err);
	if (rc < 0) {
		free(x);
		return rc;
	}
	x->buf = malloc(READ_BUF);
	if (!x->buf || uv_loop_init(&x->loop) != 0) {
		sk_addrlist_free(&x->addrs);
		free(x->buf);
		free(x);
		return sk_err_set(err, -ENOMEM, "http");
	}
	uv_timer_init(&x->loop, &x->timer);
	x->timer.data = x;
	try_next(x);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	rc = x->result;
	uv_close((uv_handle_t *)&x->timer, NULL);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	uv_loop_close(&x->loop);
	sk_addrlist_free(&x->addrs);
	free(x->buf);
	free(x);
	return rc;
}
