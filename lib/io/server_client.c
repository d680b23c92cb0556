/* One client of the server engine: its connection's events, what each
 * mode does with its bytes, its output cap and idle timer, and its
 * leaving.  A client is freed once both its connection and its idle timer
 * have closed (refs), so it outlives the callbacks that report it gone. */
#include "server_int.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockit/error.h"

static void unref(struct sk_server_client *c)
{
	if (--c->refs == 0) {
		sk_lines_free(&c->lines);
		free(c);
	}
}

static void timer_closed(uv_handle_t *h)
{
	unref(h->data);
}

static void unlink_client(struct sk_server *s, struct sk_server_client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->count--;
}

void sk__server_drop(struct sk_server_client *c, enum sk_server_leave why,
		     const char *detail)
{
	if (c->gone)
		return;
	struct sk_server *s = c->s;
	/* Gone before the partial line goes out: sending it may drop other
	 * clients (their writes fail), and their leaving must not come back
	 * here and drop c a second time. */
	c->gone = true;
	sk__server_line_flush(c);
	unlink_client(s, c);
	unsigned id = c->peer->id;
	c->peer->user = NULL; /* no longer found by id */
	if (s->cbs.on_leave)
		s->cbs.on_leave(s->data, c, why, detail);
	/* Its counters move into the table's totals of clients gone. */
	sk_peers_remove(&s->peers, c->peer);
	c->peer = NULL;
	if (s->o.mode == SK_SERVER_CHAT && !s->stopping)
		sk__server_chat_leave(s, id);
	uv_close((uv_handle_t *)&c->idle, timer_closed);
	/* A program that outlives its client (kicked, idle, reset, server
	 * stopping) is told to stop; its pipes are closed either way. */
	sk_exec_release(c->exec, c->exited ? 0 : SIGTERM);
	c->exec = NULL;
	if (c->conn)
		sk_conn_close(c->conn);
	if (s->count == 0) {
		if (!s->o.keep)
			sk_server_stop(s);
		/* After a storm of clients the heap is mostly free: give it
		 * back, so memory returns to its baseline. */
		malloc_trim(0);
	}
}

void sk__server_sent(struct sk_server_client *c, const uint8_t *p, size_t n)
{
	struct sk_server *s = c->s;
	sk_peer_tx(c->peer, n, uv_now(s->loop));
	if (s->cbs.on_sent)
		s->cbs.on_sent(s->data, c, p, n);
}

/* Queues bytes to a client, dropping it when its queue would pass the cap. */
int sk__server_send(struct sk_server_client *c, const uint8_t *p, size_t n)
{
	if (c->gone || !c->conn)
		return -ENOENT;
	struct sk_server *s = c->s;
	if (sk_conn_queued(c->conn) + n > s->o.max_buffer) {
		char why[96];
		snprintf(why, sizeof why,
			 "slow reader (more than %llu bytes queued)",
			 (unsigned long long)s->o.max_buffer);
		sk__server_drop(c, SK_SERVER_SLOW, why);
		return SK_ESLOWPEER;
	}
	sk__server_sent(c, p, n);
	return sk_conn_write(c->conn, p, n);
}

void sk__server_broadcast(struct sk_server *s, struct sk_server_client *from,
			  const uint8_t *p, size_t n)
{
	struct sk_server_client *next;
	for (struct sk_server_client *c = s->head; c; c = next) {
		next = c->next; /* sending may drop c */
		if (c != from)
			sk__server_send(c, p, n);
	}
}

/* The rules' answer to one read, with the suffix after it, as one write. */
static void respond(struct sk_server_client *c, const uint8_t *p, size_t n)
{
	struct sk_server *s = c->s;
	struct sk_response out;
	int rc = sk_respond(&s->resp, p, n, c->addr, time(NULL),
			    s->o.max_buffer, &out);
	if (rc > 0) {
		if (out.sn && sk_str_append(&out.buf, (const char *)out.suffix,
					    out.sn) == 0)
			sk__server_send(c, (const uint8_t *)out.buf.p,
					out.buf.len);
		else if (sk__server_send(c, out.p, out.n) == 0 && out.sn)
			sk__server_send(c, out.suffix, out.sn);
	} else if (rc < 0 && s->cbs.on_reply_error) {
		s->cbs.on_reply_error(s->data, c, rc);
	}
	sk_response_free(&out);
}

static void on_idle(uv_timer_t *t)
{
	struct sk_server_client *c = t->data;
	char why[64];
	snprintf(why, sizeof why, "idle for %llu ms",
		 (unsigned long long)c->s->o.idle_ms);
	sk__server_drop(c, SK_SERVER_IDLE, why);
}

void sk__server_touch(struct sk_server_client *c)
{
	if (c->s->o.idle_ms && !c->gone)
		uv_timer_again(&c->idle);
}

static void pause_client(struct sk_server_client *c)
{
	if (!c->paused) {
		c->paused = true;
		sk_conn_pause(c->conn);
	}
}

static void on_ready(struct sk_conn *conn)
{
	struct sk_server_client *c = sk_conn_data(conn);
	struct sk_server *s = c->s;
	if (s->cbs.on_ready)
		s->cbs.on_ready(s->data, c);
	if (c->gone)
		return;
	if (s->o.mode == SK_SERVER_EXEC) {
		/* TLS: the program starts once the handshake is done, on pipes
		 * this side relays through the connection. */
		struct sockaddr_storage peer, local;
		sk_stream_peer(sk_conn_stream(conn), &peer);
		sk_stream_local(sk_conn_stream(conn), &local);
		struct sk_exec_env env = { .peer = &peer, .local = &local,
					   .proto = "TCP" };
		int rc =
		    sk_exec_spawn(s->loop, (char **)s->o.exec_argv, -1, &env,
				  &sk__server_exec_cbs, c, &c->exec);
		if (rc) {
			char why[SK_ERRLEN];
			snprintf(why, sizeof why, "exec %s: %s",
				 s->o.exec_argv[0], sk_strerror(rc));
			sk__server_drop(c, SK_SERVER_ERROR, why);
		}
		return;
	}
	if (s->o.mode == SK_SERVER_CHAT)
		sk__server_chat_join(c);
}

static void on_data(struct sk_conn *conn, const uint8_t *p, size_t n)
{
	struct sk_server_client *c = sk_conn_data(conn);
	struct sk_server *s = c->s;
	sk_peer_rx(c->peer, n, uv_now(s->loop));
	sk__server_touch(c);
	if (s->cbs.on_data)
		s->cbs.on_data(s->data, c, p, n);
	if (c->gone)
		return;
	switch (s->o.mode) {
	case SK_SERVER_ECHO:
		/* Echo only slows the client itself: pause it, never drop. */
		sk__server_sent(c, p, n);
		sk_conn_write(conn, p, n);
		if (sk_conn_queued(conn) > s->o.max_buffer)
			pause_client(c);
		return;
	case SK_SERVER_EXEC: sk__server_exec_data(c, p, n); return;
	case SK_SERVER_REPLY: respond(c, p, n); break;
	case SK_SERVER_BROKER: sk__server_broadcast(s, c, p, n); break;
	default: break;
	}
	if (!c->gone && (s->o.lines || s->o.mode == SK_SERVER_CHAT))
		sk__server_lines(c, p, n);
}

static void on_drain(struct sk_conn *conn)
{
	struct sk_server_client *c = sk_conn_data(conn);
	sk__server_touch(c);
	if (c->s->o.mode == SK_SERVER_EXEC) {
		sk__server_exec_drain(c);
		return;
	}
	if (c->paused) {
		c->paused = false;
		sk_conn_resume(conn);
	}
	if (c->eof && sk_conn_queued(conn) == 0)
		sk__server_drop(c, SK_SERVER_CLOSED, "closed by peer");
}

static void on_eof(struct sk_conn *conn)
{
	struct sk_server_client *c = sk_conn_data(conn);
	c->eof = true;
	if (c->s->o.mode == SK_SERVER_EXEC) {
		/* The client is done sending: the program reads EOF, and the
		 * connection lives on until the program is done. */
		if (c->exec)
			sk_exec_close_in(c->exec);
		return;
	}
	/* Answers still queued go out before the close. */
	if (sk_conn_queued(conn) == 0)
		sk__server_drop(c, SK_SERVER_CLOSED, "closed by peer");
	else
		sk_conn_shutdown(conn);
}

static void on_error(struct sk_conn *conn, int code, const char *msg)
{
	(void)code;
	sk__server_drop(sk_conn_data(conn), SK_SERVER_ERROR, msg);
}

static void on_close(struct sk_conn *conn)
{
	unref(sk_conn_data(conn));
}

/* Plain TCP exec: the program gets the socket itself, and the server
 * keeps no connection, only the client's row until the program exits. */
static int exec_on_socket(struct sk_server_client *c, uv_stream_t *stream,
			  const struct sockaddr_storage *peer, char *why,
			  size_t cap)
{
	struct sk_server *s = c->s;
	uv_os_fd_t fd = -1;
	int rc = uv_fileno((uv_handle_t *)stream, &fd);
	if (!rc) {
		struct sockaddr_storage local;
		sk_stream_local(stream, &local); /* left out when unknown */
		struct sk_exec_env env = { .peer = peer, .local = &local,
					   .proto = "TCP" };
		rc = sk_exec_spawn(s->loop, (char **)s->o.exec_argv, fd, &env,
				   &sk__server_exec_cbs, c, &c->exec);
	}
	sk_stream_close(stream); /* the program has its own copy */
	if (rc)
		snprintf(why, cap, "exec %s: %s", s->o.exec_argv[0],
			 sk_strerror(rc));
	return rc;
}

static int wrap_conn(struct sk_server_client *c, uv_stream_t *stream, char *why)
{
	static const struct sk_conn_cbs cbs = {
		.on_ready = on_ready,
		.on_data = on_data,
		.on_eof = on_eof,
		.on_error = on_error,
		.on_drain = on_drain,
		.on_close = on_close,
	};
	struct sk_server *s = c->s;
	struct sk_tls *tls = NULL;
	int rc;
	if (s->o.tls &&
	    (rc = sk_tls_new(s->o.tls, true, NULL, NULL, &tls, why))) {
		sk_stream_close(stream);
		return rc;
	}
	if ((rc = sk_conn_new(stream, tls, &cbs, c, &c->conn))) {
		snprintf(why, SK_ERRLEN, "out of memory");
		sk_tls_free(tls);
		sk_stream_close(stream);
	}
	return rc;
}

static void refused(struct sk_server *s, const char *addr, const char *why)
{
	if (s->cbs.on_refuse)
		s->cbs.on_refuse(s->data, addr, SK_SERVER_FAILED, why);
}

int sk__server_add(struct sk_server *s, uv_stream_t *stream,
		   const struct sockaddr_storage *peer, const char *addr)
{
	struct sk_server_client *c = calloc(1, sizeof *c);
	if (!c) {
		refused(s, addr, "out of memory");
		sk_stream_close(stream);
		return -ENOMEM;
	}
	c->s = s;
	sk_lines_init(&c->lines, SK_SERVER_LINE_MAX);
	int rc = sk_peers_get(&s->peers, (const struct sockaddr *)peer,
			      sizeof *peer, uv_now(s->loop), &c->peer);
	if (rc < 0 || rc == 2) {
		refused(s, addr, "peer table full");
		sk_stream_close(stream);
		free(c);
		return rc < 0 ? rc : SK_ELIMIT;
	}
	c->peer->user = c;
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	char why[SK_ERRLEN];
	if (s->o.mode == SK_SERVER_EXEC && !s->o.tls && !s->o.exec_crlf)
		rc = exec_on_socket(c, stream, peer, why, sizeof why);
	else
		rc = wrap_conn(c, stream, why);
	if (rc) {
		refused(s, addr, why);
		sk_peers_remove(&s->peers, c->peer);
		free(c);
		return rc;
	}
	c->refs = c->conn ? 2 : 1; /* the conn and the idle timer */
	uv_timer_init(s->loop, &c->idle);
	c->idle.data = c;
	c->next = s->head;
	if (s->head)
		s->head->prev = c;
	s->head = c;
	s->count++;
	s->served++;
	if (s->cbs.on_join)
		s->cbs.on_join(s->data, c);
	if (s->o.idle_ms && !c->gone)
		uv_timer_start(&c->idle, on_idle, s->o.idle_ms, s->o.idle_ms);
	if (c->conn && !c->gone && (rc = sk_conn_start(c->conn)) && !c->gone)
		sk__server_drop(c, SK_SERVER_ERROR, sk_strerror(rc));
	return 0;
}
