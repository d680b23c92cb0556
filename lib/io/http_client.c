/* One HTTP exchange on libuv: the shared connector tries every address
 * (sockit/connect.h), an sk_conn carries the bytes, under TLS for https
 * (sockit/conn.h, sockit/tls.h); the response goes to the parser, with an
 * idle timeout while waiting for bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "sockit/conn.h"
#include "sockit/connect.h"
#include "sockit/error.h"
#include "sockit/http_io.h"

struct xchg {
	const struct sk_http_exchange_opts *o;
	struct sk_http_parser *parser;
	uv_loop_t loop;
	uv_timer_t timer;
	struct sk_connect *connecting;
	struct sk_conn *conn;
	int result; /* 1 still running, 0 done, < 0 failed */
	char *err;
	char peer[SK_ADDRSTRLEN];
};

static void finish(struct xchg *x, int rc)
{
	if (x->result != 1)
		return;
	x->result = rc;
	uv_timer_stop(&x->timer);
	if (x->connecting) {
		sk_connect_cancel(x->connecting);
		x->connecting = NULL;
	}
	if (x->conn)
		sk_conn_close(x->conn);
}

static void on_timer(uv_timer_t *t)
{
	struct xchg *x = t->data;
	finish(x, sk_err_set(x->err, -ETIMEDOUT, "%s: no data for %llu ms", x->peer,
			     (unsigned long long)x->o->idle_timeout_ms));
}

static void arm_idle(struct xchg *x)
{
	if (x->o->idle_timeout_ms && x->result == 1)
		uv_timer_start(&x->timer, on_timer, x->o->idle_timeout_ms, 0);
}

static void on_ready(struct sk_conn *c)
{
	struct xchg *x = sk_conn_data(c);
	if (x->o->on_wire)
		x->o->on_wire(x->o->ctx, SK_HTTP_SENT, x->o->request, x->o->request_len);
	int rc = sk_conn_write(c, x->o->request, x->o->request_len);
	if (rc < 0)
		finish(x, sk_err_set(x->err, rc, "%s: send", x->peer));
	else
		arm_idle(x);
}

/* The parser's message already ends with its reason: sk_err_set would
 * say it twice. */
static int parse_failed(struct xchg *x, int rc)
{
	snprintf(x->err, SK_ERRLEN, "%s: %s", x->peer, sk_http_parser_error(x->parser));
	return rc;
}

static void on_data(struct sk_conn *c, const uint8_t *p, size_t n)
{
	struct xchg *x = sk_conn_data(c);
	if (x->result != 1)
		return;
	arm_idle(x);
	if (x->o->on_wire)
		x->o->on_wire(x->o->ctx, SK_HTTP_RECEIVED, p, n);
	int rc = sk_http_parser_feed(x->parser, p, n, NULL);
	if (rc == 1)
		finish(x, 0);
	else if (rc < 0)
		finish(x, parse_failed(x, rc));
}

static void on_eof(struct sk_conn *c)
{
	struct xchg *x = sk_conn_data(c);
	if (x->result != 1)
		return;
	int rc = sk_http_parser_finish(x->parser);
	if (rc == 1)
		finish(x, 0);
	else if (rc == 0)
		finish(x, sk_err_set(x->err, SK_EHTTPSHORT,
				     "%s: closed the connection without a response", x->peer));
	else
		finish(x, parse_failed(x, rc));
}

static void on_error(struct sk_conn *c, int code, const char *msg)
{
	struct xchg *x = sk_conn_data(c);
	if (x->result != 1)
		return;
	/* A peer that resets after a complete close-delimited body still
	 * delivered it; anything else is the error it says. */
	if (code == -ECONNRESET && sk_http_parser_finish(x->parser) == 1) {
		finish(x, 0);
		return;
	}
	snprintf(x->err, SK_ERRLEN, "%s: %.180s", x->peer, msg);
	finish(x, code);
}

static void on_close(struct sk_conn *c)
{
	struct xchg *x = sk_conn_data(c);
	x->conn = NULL;
}

static const struct sk_conn_cbs conn_cbs = {
	.on_ready = on_ready,
	.on_data = on_data,
	.on_eof = on_eof,
	.on_error = on_error,
	.on_close = on_close,
};

static void on_connected(const struct sk_connect_result *res, void *data)
{
	struct xchg *x = data;
	x->connecting = NULL;
	if (x->result != 1)
		return;
	if (res->status < 0) {
		snprintf(x->err, SK_ERRLEN, "connect %.240s", res->err);
		finish(x, res->status);
		return;
	}
	sk_sockaddr_format((const struct sockaddr *)&res->peer, true, x->peer,
			   sizeof x->peer);
	if (x->o->on_connected)
		x->o->on_connected(x->o->ctx, (const struct sockaddr *)&res->peer);
	struct sk_tls *tls = NULL;
	if (x->o->tls) {
		int rc = sk_tls_new(x->o->tls, false, x->o->url->host, NULL, &tls, x->err);
		if (rc < 0) {
			sk_stream_close(res->stream);
			finish(x, rc);
			return;
		}
	}
	int rc = sk_conn_new(res->stream, tls, &conn_cbs, x, &x->conn);
	if (rc < 0) {
		sk_tls_free(tls);
		sk_stream_close(res->stream);
		finish(x, sk_err_set(x->err, rc, "%s", x->peer));
		return;
	}
	/* The handshake counts as waiting for data. */
	arm_idle(x);
	rc = sk_conn_start(x->conn);
	if (rc < 0)
		finish(x, sk_err_set(x->err, rc, "%s: start", x->peer));
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
	if (uv_loop_init(&x->loop) != 0) {
		free(x);
		return sk_err_set(err, -ENOMEM, "http");
	}
	uv_timer_init(&x->loop, &x->timer);
	x->timer.data = x;
	struct sk_endpoint ep = { .kind = SK_ENDPOINT_INET, .port = o->url->port };
	snprintf(ep.host, sizeof ep.host, "%s", o->connect_host ? o->connect_host : o->url->host);
	struct sk_connect_opts co = {
		.family = o->family,
		.timeout_ms = o->connect_timeout_ms,
	};
	int rc = sk_connect_start(&x->loop, &ep, &co, on_connected, x, &x->connecting, err);
	if (rc < 0) {
		x->result = rc;
		x->connecting = NULL;
	}
	uv_run(&x->loop, UV_RUN_DEFAULT);
	rc = x->result;
	if (rc == 1) /* the loop ran dry without an answer: cannot happen */
		rc = sk_err_set(err, SK_EHTTPSHORT, "%s: no response", x->peer);
	uv_close((uv_handle_t *)&x->timer, NULL);
	uv_run(&x->loop, UV_RUN_DEFAULT);
	uv_loop_close(&x->loop);
	free(x);
	return rc;
}
