/* tcp listen's server: many clients on one libuv thread.  Each client has
 * a short id for the log and the stdout tags; output to a client is capped
 * (--max-buffer) so a slow reader in broker or chat mode is dropped rather
 * than buffered without bound; echo pauses the client instead, since it
 * only slows itself. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sockit/append.h"
#include "sockit/bytes.h"
#include "sockit/cidr.h"
#include "sockit/conn.h"
#include "sockit/console.h"
#include "sockit/connect.h"
#include "sockit/error.h"
#include "sockit/fdio.h"
#include "sockit/hexdump.h"
#include "sockit/listen.h"
#include "sockit/peers.h"
#include "sockit/rules.h"
#include "tcp.h"
#include "tcp_exec.h"
#include "udp_common.h"

#define LINE_CAP 4096

struct client {
	struct server *s;
	struct sk_conn *conn;  /* NULL for plain --exec: the program has the socket */
	struct tcp_exec *exec; /* MODE_EXEC, until dropped */
	uv_timer_t idle;
	unsigned id;
	struct sk_peer *peer; /* the peer table's row: id, counters */
	int refs; /* conn, and the idle timer */
	char addr[SK_ADDRSTRLEN + SK_PATHLEN];
	char tag[SK_ADDRSTRLEN + SK_PATHLEN + 16]; /* "[3 127.0.0.1:5000]" */
	struct client *prev, *next;
	char *line; /* a partial line, allocated only while one is pending */
	size_t line_len;
	bool gone, eof, paused;
	bool exited, out_end, out_paused; /* MODE_EXEC */
	char exit_why[48];
	uint64_t rx, tx;
};

struct server {
	uv_loop_t *loop;
	const struct server_opts *o;
	struct sk_listener *l;
	struct client *head;
	size_t count;
	uint64_t served, rx, tx, start, last_err_ms;
	uint64_t shed; /* connections dropped in this EMFILE burst */
	struct sk_fdin *in;
	struct sk_fdin *console;	     /* stdin a terminal, with -k */
	enum { TO_LAST, TO_ONE, TO_ALL } to; /* console target */
	unsigned target;           /* TO_LAST / TO_ONE: a client id */
	uint64_t msgs;             /* messages received, for {{counter}} */
	struct sk_peers peers;
	uv_signal_t usr1, term, intr;
	bool stopping, last_cr, hex;
	bool out_failed;
	int status;
	char **exec_argv;
};

static void client_unref(struct client *c)
{
	if (--c->refs == 0) {
		free(c->line);
		free(c);
	}
}

static void timer_closed(uv_handle_t *h)
{
	client_unref(h->data);
}

static void stats(struct server *s, const char *why)
{
	char title[96];
	snprintf(title, sizeof title, "%s; %zu clients now, %llu served", why, s->count,
		 (unsigned long long)s->served);
	udp_stats_print(&s->peers, uv_now(s->loop), title);
}

static void stop(struct server *s);

/* Once stdout fails (a full disk, a closed descriptor) nothing the clients
 * send can be delivered: the server stops and says why, with status 1.  A
 * reader that went away (EPIPE, '| head') stops it quietly. */
static void out_error(struct server *s, int rc)
{
	if (!rc || s->out_failed)
		return;
	s->out_failed = true;
	if (rc != -EPIPE) {
		cli_warn("stdout: %s", sk_strerror(rc));
		s->status = EXIT_FAIL;
	}
	stop(s);
}

static void out(struct server *s, const void *p, size_t n)
{
	if (!s->out_failed)
		out_error(s, sk_fd_write_all(STDOUT_FILENO, p, n));
}

/* Shows one line of a client's input on stdout: "[ID ADDR] text". */
static void show_line(struct client *c, const char *p, size_t n)
{
	char text[4 * LINE_CAP + 1];
	sk_escape((const uint8_t *)p, n, text, sizeof text);
	char line[sizeof text + sizeof c->tag + 2];
	int len = snprintf(line, sizeof line, "%s %s\n", c->tag, text);
	out(c->s, line, (size_t)len);
}

static void broadcast(struct server *s, struct client *from, const uint8_t *p,
		      size_t n);

/* A complete line from c (without its newline), for stdout and chat. */
static void line_done(struct client *c, const char *p, size_t n)
{
	struct server *s = c->s;
	if (s->o->mode != MODE_ECHO && s->o->mode != MODE_EXEC)
		show_line(c, p, n);
	if (s->o->mode == MODE_CHAT) {
		char msg[LINE_CAP + 32];
		int len = snprintf(msg, sizeof msg, "<user%u> %.*s\n", c->id, (int)n, p);
		broadcast(s, c, (const uint8_t *)msg, (size_t)len);
	}
}

static void flush_line(struct client *c)
{
	if (c->line_len) {
		line_done(c, c->line, c->line_len);
		c->line_len = 0;
	}
}

/* Cuts input into lines.  Whole lines are shown straight from the read
 * buffer; only a partial line at the end is kept, so an idle client holds
 * no line buffer. */
static void assemble(struct client *c, const uint8_t *p, size_t n)
{
	while (n && !c->gone) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		if (!c->line_len && nl && take <= LINE_CAP) {
			size_t len = take && p[take - 1] == '\r' ? take - 1 : take;
			line_done(c, (const char *)p, len);
		} else {
			if (!c->line && !(c->line = malloc(LINE_CAP)))
				return;
			for (size_t i = 0; i < take && !c->gone; i++) {
				c->line[c->line_len++] = (char)p[i];
				if (c->line_len == LINE_CAP)
					flush_line(c);
			}
			if (nl && !c->gone) {
				size_t len = c->line_len;
				if (len && c->line[len - 1] == '\r')
					len--;
				line_done(c, c->line, len);
				c->line_len = 0;
			}
		}
		if (!nl)
			break;
		p += take + 1;
		n -= take + 1;
		if (c->line && !c->line_len) {
			free(c->line);
			c->line = NULL;
		}
	}
}

static void drop(struct client *c, const char *reason)
{
	if (c->gone)
		return;
	struct server *s = c->s;
	/* Gone before the partial line goes out: sending it may drop other
	 * clients (their writes fail), and their "is gone" must not come
	 * back here and drop c a second time. */
	c->gone = true;
	flush_line(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->count--;
	s->rx += c->rx;
	s->tx += c->tx;
	if (c->peer)
		sk_peers_remove(&s->peers, c->peer);
	c->peer = NULL;
	if (s->target == c->id)
		s->target = 0; /* TO_ONE: nobody until /to or /all */
	cli_warn("%s disconnected: %s (rx %llu B, tx %llu B, %zu client%s)", c->tag,
		 reason, (unsigned long long)c->rx, (unsigned long long)c->tx, s->count,
		 s->count == 1 ? "" : "s");
	if (s->o->mode == MODE_CHAT && !s->stopping) {
		char msg[64];
		int len = snprintf(msg, sizeof msg, "<announce> <user%u> is gone.\n", c->id);
		broadcast(s, NULL, (const uint8_t *)msg, (size_t)len);
	}
	uv_close((uv_handle_t *)&c->idle, timer_closed);
	/* A program that outlives its client (kicked, idle, reset, server
	 * exiting) is told to stop; its pipes are closed either way. */
	tcp_exec_release(c->exec, c->exited ? 0 : SIGTERM);
	c->exec = NULL;
	if (c->conn)
		sk_conn_close(c->conn);
	if (s->count == 0) {
		if (!s->o->keep)
			stop(s);
		/* After a storm of clients the heap is mostly free: give it
		 * back, so memory returns to its baseline. */
		malloc_trim(0);
	}
}

/* Queues bytes to a client, dropping it when its queue passes the cap. */
static void send_to(struct client *c, const uint8_t *p, size_t n)
{
	if (c->gone || !c->conn)
		return;
	struct server *s = c->s;
	if (sk_conn_queued(c->conn) + n > s->o->max_buffer) {
		char why[96];
		snprintf(why, sizeof why, "slow reader (more than %llu bytes queued, --max-buffer)",
			 (unsigned long long)s->o->max_buffer);
		drop(c, why);
		return;
	}
	if (s->o->show.verbose)
		tcp_tag('>', c->addr, p, n);
	c->tx += n;
	if (c->peer)
		sk_peer_tx(c->peer, n, uv_now(s->loop));
	sk_conn_write(c->conn, p, n);
}

/* --reply / --rules: one answer per read, with --append after it. */
static void respond(struct client *c, const uint8_t *p, size_t n)
{
	struct server *s = c->s;
	struct sk_rule_ctx ctx = { .peer = c->addr, .counter = ++s->msgs, .now = time(NULL) };
	struct sk_str out = { .max = s->o->max_buffer };
	int rc = sk_rules_respond(s->o->rules, p, n, &ctx, &out);
	if (rc > 0 && out.len) {
		uint8_t suffix[SK_APPEND_MAX];
		size_t sl = s->o->append ? sk_append_suffix(s->o->append, (uint8_t *)out.p,
							    out.len, suffix) : 0;
		if (sl)
			sk_str_append(&out, (const char *)suffix, sl);
		send_to(c, (const uint8_t *)out.p, out.len);
	} else if (rc < 0) {
		cli_warn("%s reply: %s", c->tag, sk_strerror(rc));
	}
	sk_str_free(&out);
}

static void broadcast(struct server *s, struct client *from, const uint8_t *p,
		      size_t n)
{
	struct client *next;
	for (struct client *c = s->head; c; c = next) {
		next = c->next; /* send_to may drop c */
		if (c != from)
			send_to(c, p, n);
	}
}

static void on_idle(uv_timer_t *t)
{
	struct client *c = t->data;
	char why[64];
	snprintf(why, sizeof why, "idle for %llu ms (--idle-timeout)",
		 (unsigned long long)c->s->o->idle_ms);
	drop(c, why);
}

static void touch(struct client *c)
{
	if (c->s->o->idle_ms && !c->gone)
		uv_timer_again(&c->idle);
}

/* --exec over TLS: the program's output goes to the client, and the
 * client is dropped once the program has exited, its output is closed
 * (close_notify and FIN sent after it) and everything queued has gone. */
static void exec_finish(struct client *c)
{
	if (c->exited && (!c->conn || (c->out_end && sk_conn_queued(c->conn) == 0)))
		drop(c, c->exit_why);
}

static void exec_exit(void *data, int64_t status, int sig)
{
	struct client *c = data;
	c->exited = true;
	if (sig)
		snprintf(c->exit_why, sizeof c->exit_why, "program ended by signal %d", sig);
	else
		snprintf(c->exit_why, sizeof c->exit_why, "program exited with status %lld",
			 (long long)status);
	exec_finish(c);
}

static void exec_out(void *data, const uint8_t *p, size_t n)
{
	struct client *c = data;
	struct server *s = c->s;
	touch(c);
	if (s->o->show.verbose)
		tcp_tag('>', c->addr, p, n);
	c->tx += n;
	if (c->peer)
		sk_peer_tx(c->peer, n, uv_now(s->loop));
	sk_conn_write(c->conn, p, n);
	if (!c->gone && sk_conn_queued(c->conn) > s->o->max_buffer) {
		c->out_paused = true;
		tcp_exec_pause_out(c->exec);
	}
}

static void exec_out_end(void *data)
{
	struct client *c = data;
	c->out_end = true;
	sk_conn_shutdown(c->conn);
	exec_finish(c);
}

static void exec_in_drain(void *data)
{
	struct client *c = data;
	if (c->paused) {
		c->paused = false;
		sk_conn_resume(c->conn);
	}
}

static const struct tcp_exec_cbs exec_cbs = {
	.on_out = exec_out, .on_out_end = exec_out_end,
	.on_in_drain = exec_in_drain, .on_exit = exec_exit,
};

static void on_ready(struct sk_conn *conn)
{
	struct client *c = sk_conn_data(conn);
	struct server *s = c->s;
	if (sk_conn_tls(conn) && s->o->verbose) {
		char desc[128];
		sk_tls_describe(sk_conn_tls(conn), desc, sizeof desc);
		cli_warn("%s TLS %s", c->tag, desc);
	}
	char subj[256];
	if (sk_conn_tls(conn) && sk_tls_peer_subject(sk_conn_tls(conn), subj, sizeof subj) == 0)
		cli_warn("%s client certificate %s", c->tag, subj); /* --client-ca */
	if (s->o->mode == MODE_EXEC) {
		/* TLS: the program starts once the handshake is done, on pipes
		 * this side relays through the connection. */
		struct sockaddr_storage peer = { .ss_family = AF_UNSPEC };
		sk_stream_peer(sk_conn_stream(conn), &peer);
		int rc = tcp_exec_spawn(s->loop, s->exec_argv, -1, &peer, &exec_cbs, c,
					&c->exec);
		if (rc) {
			char why[SK_ERRLEN];
			snprintf(why, sizeof why, "exec %s: %s", s->exec_argv[0], sk_strerror(rc));
			drop(c, why);
		}
		return;
	}
	if (s->o->mode == MODE_CHAT) {
		char msg[SK_ADDRSTRLEN + 64];
		int len = snprintf(msg, sizeof msg, "<announce> %s is connected as <user%u>.\n",
				   c->addr, c->id);
		broadcast(s, c, (const uint8_t *)msg, (size_t)len);
	}
}

static void on_data(struct sk_conn *conn, const uint8_t *p, size_t n)
{
	struct client *c = sk_conn_data(conn);
	struct server *s = c->s;
	c->rx += n;
	if (c->peer)
		sk_peer_rx(c->peer, n, uv_now(s->loop));
	if (s->console && s->to == TO_LAST)
		s->target = c->id; /* the console answers the last speaker */
	touch(c);
	if (s->o->show.verbose)
		tcp_tag('<', c->addr, p, n);
	switch (s->o->mode) {
	case MODE_ECHO:
		if (s->o->show.verbose)
			tcp_tag('>', c->addr, p, n);
		c->tx += n;
		if (c->peer)
			sk_peer_tx(c->peer, n, uv_now(s->loop));
		sk_conn_write(conn, p, n);
		if (sk_conn_queued(conn) > s->o->max_buffer && !c->paused) {
			c->paused = true;
			sk_conn_pause(conn);
		}
		return;
	case MODE_REPLY:
		respond(c, p, n);
		break;
	case MODE_BROKER:
		broadcast(s, c, p, n);
		break;
	case MODE_EXEC:
		/* Bytes after the program closed its stdin are dropped, as a
		 * pipe would. */
		tcp_exec_write(c->exec, p, n);
		if (tcp_exec_queued(c->exec) > s->o->max_buffer && !c->paused) {
			c->paused = true;
			sk_conn_pause(conn);
		}
		return;
	default:
		break;
	}
	if (c->gone)
		return;
	if (s->o->raw) {
		out(s, p, n);
	} else if (s->hex) {
		char head[sizeof c->tag + 32];
		int len = snprintf(head, sizeof head, "%s %zu bytes\n", c->tag, n);
		out(s, head, (size_t)len);
		struct tcp_show show = { .hex = true };
		if (!s->out_failed)
			out_error(s, tcp_output(&show, p, n));
		if (!s->out_failed)
			tcp_output_end(&show);
	} else {
		assemble(c, p, n);
	}
}

static void on_drain(struct sk_conn *conn)
{
	struct client *c = sk_conn_data(conn);
	touch(c);
	if (c->s->o->mode == MODE_EXEC) {
		if (c->out_paused && c->exec) {
			c->out_paused = false;
			tcp_exec_resume_out(c->exec);
		}
		exec_finish(c);
		return;
	}
	if (c->paused) {
		c->paused = false;
		sk_conn_resume(conn);
	}
	if (c->eof && sk_conn_queued(conn) == 0)
		drop(c, "closed by peer");
}

static void on_eof(struct sk_conn *conn)
{
	struct client *c = sk_conn_data(conn);
	c->eof = true;
	if (c->s->o->mode == MODE_EXEC) {
		/* The client is done sending: the program reads EOF, and the
		 * connection lives on until the program is done. */
		if (c->exec)
			tcp_exec_close_in(c->exec);
		return;
	}
	/* Answers still queued go out before the close. */
	if (sk_conn_queued(conn) == 0)
		drop(c, "closed by peer");
	else
		sk_conn_shutdown(conn);
}

static void on_error(struct sk_conn *conn, int code, const char *msg)
{
	(void)code;
	drop(sk_conn_data(conn), msg);
}

static void on_close(struct sk_conn *conn)
{
	client_unref(sk_conn_data(conn));
}

void tcp_peer_name(uv_stream_t *stream, struct sockaddr_storage *peer,
		   char *name, size_t size)
{
	if (sk_stream_peer(stream, peer))
		snprintf(name, size, "unknown peer"); /* reset before accept */
	else if (peer->ss_family == AF_UNIX)
		snprintf(name, size, "unix");
	else
		sk_sockaddr_format((struct sockaddr *)peer, true, name, size);
}

bool tcp_allowed(const struct server_opts *o, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_UNIX)
		return true; /* the file's permissions decide */
	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
		/* No address: the client reset before it was accepted, its
		 * bytes still queued.  No rule can pass it. */
		return !o->nallow && !o->ndeny;
	struct sk_ip ip = { .family = ss->ss_family };
	if (ss->ss_family == AF_INET)
		memcpy(ip.bytes, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else
		memcpy(ip.bytes, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	for (size_t i = 0; i < o->ndeny; i++)
		if (sk_cidr_contains(&o->deny[i], &ip))
			return false;
	if (!o->nallow)
		return true;
	for (size_t i = 0; i < o->nallow; i++)
		if (sk_cidr_contains(&o->allow[i], &ip))
			return true;
	return false;
}


static void add_client(struct server *s, uv_stream_t *stream,
		       const struct sockaddr_storage *peer, const char *addr)
{
	static const struct sk_conn_cbs cbs = {
		.on_ready = on_ready, .on_data = on_data, .on_eof = on_eof,
		.on_error = on_error, .on_drain = on_drain, .on_close = on_close,
	};
	struct client *c = calloc(1, sizeof *c);
	if (!c) {
		cli_warn("%s refused: out of memory", addr);
		sk_stream_close(stream);
		return;
	}
	c->s = s;
	int prc = sk_peers_get(&s->peers, (const struct sockaddr *)peer,
			       sizeof *peer, uv_now(s->loop), &c->peer);
	if (prc < 0 || prc == 2) {
		cli_warn("[%s] refused: peer table full", addr);
		if (prc == 2)
			c->peer = NULL;
		sk_stream_close(stream);
		free(c);
		return;
	}
	c->peer->user = c;
	c->id = c->peer->id;
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	snprintf(c->tag, sizeof c->tag, "[%u %s]", c->id, addr);
	char err[SK_ERRLEN];
	int rc;
	if (s->o->mode == MODE_EXEC && !s->o->tls) {
		/* Plain TCP: the program gets the socket itself. */
		uv_os_fd_t fd = -1;
		rc = uv_fileno((uv_handle_t *)stream, &fd);
		if (!rc)
			rc = tcp_exec_spawn(s->loop, s->exec_argv, fd, peer, &exec_cbs, c,
					    &c->exec);
		sk_stream_close(stream); /* the program has its own copy */
		if (rc) {
			cli_warn("%s refused: exec %s: %s", c->tag, s->exec_argv[0], sk_strerror(rc));
			sk_peers_remove(&s->peers, c->peer);
			free(c);
			return;
		}
	} else {
		struct sk_tls *tls = NULL;
		if (s->o->tls && (rc = sk_tls_new(s->o->tls, true, NULL, NULL, &tls, err))) {
			cli_warn("%s refused: %s", c->tag, err);
			sk_peers_remove(&s->peers, c->peer);
			sk_stream_close(stream);
			free(c);
			return;
		}
		if (sk_conn_new(stream, tls, &cbs, c, &c->conn)) {
			cli_warn("%s refused: out of memory", c->tag);
			sk_peers_remove(&s->peers, c->peer);
			sk_tls_free(tls);
			sk_stream_close(stream);
			free(c);
			return;
		}
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
	if (s->console && s->to == TO_LAST)
		s->target = c->id;
	cli_warn("%s connected (%zu client%s)", c->tag, s->count, s->count == 1 ? "" : "s");
	if (s->o->idle_ms)
		uv_timer_start(&c->idle, on_idle, s->o->idle_ms, s->o->idle_ms);
	if (c->conn && (rc = sk_conn_start(c->conn)) && !c->gone)
		drop(c, sk_strerror(rc));
}

static void shed_end(struct server *s)
{
	cli_warn("accept: %llu connection%s dropped for want of descriptors",
		 (unsigned long long)s->shed, s->shed == 1 ? "" : "s");
	s->shed = 0;
}

void tcp_server_accept(struct sk_listener *l, int status, uv_stream_t *stream,
		       void *data)
{
	struct server *s = data;
	if (status == -EMFILE || status == -ENFILE) {
		/* Out of descriptors: the listener drops each waiting client.
		 * One line when the burst starts, one with the count when a
		 * client gets in again (or at exit), not one per attempt. */
		if (s->shed++ == 0)
			cli_warn("accept: %s: dropping new connections until descriptors "
				 "are free (ulimit -n, --max-conns)", sk_strerror(status));
		return;
	}
	if (s->shed && status == 0)
		shed_end(s);
	if (status < 0) {
		/* An accept error libuv passes on (ENOMEM, ENOBUFS...): the
		 * connection is lost; say so at most once a second. */
		uint64_t now = uv_now(s->loop);
		if (now - s->last_err_ms >= 1000 || !s->last_err_ms) {
			s->last_err_ms = now;
			cli_warn("accept: %s (connection dropped)", sk_strerror(status));
		}
		return;
	}
	struct sockaddr_storage peer;
	char addr[SK_ADDRSTRLEN + SK_PATHLEN];
	tcp_peer_name(stream, &peer, addr, sizeof addr);
	if (s->stopping || (!s->o->keep && s->served)) {
		sk_stream_close(stream);
		return;
	}
	if (!tcp_allowed(s->o, &peer)) {
		cli_warn("[%s] refused: not allowed (--allow/--deny)", addr);
		sk_stream_close(stream);
		return;
	}
	if (s->count >= s->o->max_conns) {
		cli_warn("[%s] refused: --max-conns %llu reached", addr,
			 (unsigned long long)s->o->max_conns);
		sk_stream_close(stream);
		return;
	}
	add_client(s, stream, &peer, addr);
	if (!s->o->keep && s->l == l) {
		/* Like nc -l: one client, and nobody else gets in. */
		sk_listener_close(l);
		s->l = NULL;
	}
}

static void in_data(void *data, const uint8_t *p, size_t n)
{
	struct server *s = data;
	uint8_t conv[2 * 64 * 1024];
	if (s->o->crlf && n <= 64 * 1024) {
		n = tcp_crlf(p, n, conv, &s->last_cr);
		p = conv;
	}
	broadcast(s, NULL, p, n);
}

static void in_end(void *data, int status)
{
	(void)status;
	struct server *s = data;
	sk_fdin_close(s->in);
	s->in = NULL;
}

static struct client *by_id(struct server *s, unsigned id)
{
	struct sk_peer *p = sk_peers_by_id(&s->peers, id);
	return p ? p->user : NULL;
}

static void console_send(struct server *s, const char *p, size_t n)
{
	uint8_t *buf = malloc(n + 2);
	if (!buf)
		return;
	memcpy(buf, p, n);
	size_t len = n;
	if (s->o->crlf)
		buf[len++] = '\r';
	buf[len++] = '\n';
	struct client *c = s->to != TO_ALL && s->target ? by_id(s, s->target) : NULL;
	if (s->to == TO_ALL && s->head)
		broadcast(s, NULL, buf, len);
	else if (c)
		send_to(c, buf, len);
	else
		cli_warn("no client to send to (see /peers, /to ID, /all)");
	free(buf);
}

static void console_line(void *arg, const struct sk_line *line)
{
	struct server *s = arg;
	const char *p = (const char *)line->p;
	size_t n = line->len;
	struct sk_console_cmd cmd;
	char err[SK_ERRLEN];
	if (s->stopping)
		return;
	if (sk_console_parse(p, n, &cmd, err)) {
		cli_warn("%s", err);
		return;
	}
	struct client *c;
	struct sk_str out = { 0 };
	switch (cmd.kind) {
	case SK_CONSOLE_SEND:
		console_send(s, cmd.data, cmd.len);
		break;
	case SK_CONSOLE_PEERS:
		sk_peers_format(&s->peers, uv_now(s->loop), "reads", &out);
		sk_fd_write_all(STDOUT_FILENO, out.p ? out.p : "", out.len);
		break;
	case SK_CONSOLE_TO:
		if (!(c = by_id(s, cmd.id))) {
			cli_warn("/to %u: no such client (see /peers)", cmd.id);
			break;
		}
		s->to = TO_ONE;
		s->target = c->id;
		cli_warn("sending to %s", c->tag);
		break;
	case SK_CONSOLE_ALL:
		s->to = TO_ALL;
		cli_warn("sending to all %zu clients", s->count);
		break;
	case SK_CONSOLE_HEX:
		s->hex = cmd.on;
		cli_warn("hex %s", cmd.on ? "on" : "off");
		break;
	case SK_CONSOLE_KICK:
		if (!(c = by_id(s, cmd.id)))
			cli_warn("/kick %u: no such client (see /peers)", cmd.id);
		else
			drop(c, "kicked from the console");
		break;
	case SK_CONSOLE_QUIT:
		stop(s);
		break;
	case SK_CONSOLE_HELP:
		sk_fd_write_all(STDOUT_FILENO, sk_console_help(true),
				strlen(sk_console_help(true)));
		break;
	}
	sk_str_free(&out);
}

static void console_end(void *arg, int status)
{
	(void)status;
	struct server *s = arg;
	sk_fdin_close(s->console);
	s->console = NULL;
}

static void on_usr1(uv_signal_t *h, int sig)
{
	(void)sig;
	stats(h->data, "SIGUSR1");
}

static void on_term(uv_signal_t *h, int sig)
{
	(void)sig;
	stop(h->data);
}

static void stop(struct server *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	if (s->shed)
		shed_end(s);
	if (s->o->stats)
		stats(s, "exit");
	sk_listener_close(s->l);
	s->l = NULL;
	sk_fdin_close(s->in);
	s->in = NULL;
	sk_fdin_close(s->console);
	s->console = NULL;
	while (s->head)
		drop(s->head, "server exiting");
	uv_close((uv_handle_t *)&s->usr1, NULL);
	uv_close((uv_handle_t *)&s->term, NULL);
	uv_close((uv_handle_t *)&s->intr, NULL);
}

static char **split_words(const char *cmd)
{
	size_t n = strlen(cmd);
	char **argv = calloc(n / 2 + 2, sizeof *argv);
	char *copy = strdup(cmd);
	if (!argv || !copy) {
		free(argv);
		free(copy);
		return NULL;
	}
	size_t k = 0;
	for (char *p = copy; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		argv[k++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (k == 0) {
		free(copy);
		free(argv);
		return NULL;
	}
	return argv;
}

struct server *tcp_server_new(uv_loop_t *loop, const struct server_opts *o)
{
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		cli_fail(EXIT_FAIL, "out of memory");
	s->loop = loop;
	s->o = o;
	s->hex = o->show.hex;
	sk_peers_init(&s->peers, o->max_conns + 1, uv_now(loop));
	if (o->mode == MODE_EXEC) {
		if (o->exec_shell) {
			s->exec_argv = calloc(4, sizeof *s->exec_argv);
			if (s->exec_argv) {
				s->exec_argv[0] = (char *)"/bin/sh";
				s->exec_argv[1] = (char *)"-c";
				s->exec_argv[2] = (char *)o->exec_cmd;
			}
		} else {
			s->exec_argv = split_words(o->exec_cmd);
		}
		if (!s->exec_argv)
			cli_usage("--exec: empty command");
	}
	return s;
}

int tcp_server_run(struct server *s, struct sk_listener *l)
{
	s->l = l;
	s->start = uv_now(s->loop);
	uv_signal_init(s->loop, &s->usr1);
	s->usr1.data = s;
	uv_signal_start(&s->usr1, on_usr1, SIGUSR1);
	uv_signal_init(s->loop, &s->term);
	s->term.data = s;
	uv_signal_start(&s->term, on_term, SIGTERM);
	uv_signal_init(s->loop, &s->intr);
	s->intr.data = s;
	uv_signal_start(&s->intr, on_term, SIGINT);
	if (s->o->mode != MODE_EXEC && s->o->keep && isatty(STDIN_FILENO)) {
		/* A person at a terminal: the console of udp chat. */
		static const struct sk_fdin_cbs cbs = { .on_line = console_line,
							.on_end = console_end };
		int rc = sk_fdin_open_lines(s->loop, STDIN_FILENO, LINE_CAP,
					    &cbs, s, &s->console);
		if (rc)
			cli_warn("console: stdin: %s", sk_strerror(rc));
		else
			s->to = TO_LAST;
	} else if (s->o->mode != MODE_EXEC) {
		static const struct sk_fdin_cbs cbs = { .on_data = in_data,
							.on_end = in_end };
		if (sk_fdin_open(s->loop, STDIN_FILENO, &cbs, s, &s->in))
			s->in = NULL;
	}
	uv_run(s->loop, UV_RUN_DEFAULT);
	sk_peers_free(&s->peers);
	if (s->exec_argv && !s->o->exec_shell)
		free(s->exec_argv[0]);
	free(s->exec_argv);
	int status = s->status;
	free(s);
	return status;
}
