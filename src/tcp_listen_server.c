/* tcp listen's server: the engine (sockit/server.h) runs the clients; this
 * side logs their comings and goings on stderr, shows what they send on
 * stdout ("[ID ADDR] line", --raw, --hex), tags chunks with -v, relays
 * stdin to all of them (or runs the console), and handles signals and
 * --stats. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sockit/bytes.h"
#include "sockit/error.h"
#include "sockit/exec.h"
#include "sockit/lines.h"
#include "tcp_listen.h"
#include "udp_common.h"

struct sk_acl tcp_acl(const struct server_opts *o)
{
	return (struct sk_acl){ .allow = o->allow, .deny = o->deny };
}

void tcp_server_tag(const struct sk_server_client *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "[%u %s]", sk_server_client_id(c),
		 sk_server_client_addr(c));
}

static void stats(struct tcp_server *s, const char *why)
{
	char title[96];
	snprintf(title, sizeof title, "%s; %zu clients now, %llu served", why,
		 sk_server_count(s->srv),
		 (unsigned long long)sk_server_served(s->srv));
	udp_stats_print(sk_server_peers(s->srv), uv_now(s->loop), title);
}

void tcp_server_stop(struct tcp_server *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	stats_line_stop(&s->live);
	if (s->o->stats)
		stats(s, "exit");
	sk_server_stop(s->srv);
}

/* Once stdout fails (a full disk, a closed descriptor) nothing the clients
 * send can be delivered: the server stops and says why, with status 1.  A
 * reader that went away (EPIPE, '| head') stops it quietly. */
static void out_error(struct tcp_server *s, int rc)
{
	if (!rc || s->out_failed)
		return;
	s->out_failed = true;
	if (rc != -EPIPE) {
		cli_warn("stdout: %s", sk_strerror(rc));
		s->status = EXIT_FAIL;
	}
	tcp_server_stop(s);
}

static void out(struct tcp_server *s, const void *p, size_t n)
{
	if (!s->out_failed)
		out_error(s, tcp_stdout_write(p, n));
}

static void on_join(void *data, struct sk_server_client *c)
{
	struct tcp_server *s = data;
	if (s->console && s->to == TO_LAST)
		s->target = sk_server_client_id(c);
	char tag[TCP_TAG_MAX];
	tcp_server_tag(c, tag, sizeof tag);
	size_t n = sk_server_count(s->srv);
	cli_warn("%s connected (%zu client%s)", tag, n, n == 1 ? "" : "s");
}

static void on_ready(void *data, struct sk_server_client *c)
{
	struct tcp_server *s = data;
	struct sk_tls *tls = sk_server_client_tls(c);
	if (!tls)
		return;
	char tag[TCP_TAG_MAX];
	tcp_server_tag(c, tag, sizeof tag);
	if (s->o->verbose) {
		char desc[128];
		sk_tls_describe(tls, desc, sizeof desc);
		cli_warn("%s TLS %s", tag, desc);
	}
	char subj[256];
	if (sk_tls_peer_subject(tls, subj, sizeof subj) == 0)
		cli_warn("%s client certificate %s", tag,
			 subj); /* --client-ca */
}

static void on_refuse(void *data, const char *addr, enum sk_server_refusal why,
		      const char *detail)
{
	struct tcp_server *s = data;
	if (why == SK_SERVER_DENIED)
		cli_warn("[%s] refused: not allowed (--allow/--deny)", addr);
	else if (why == SK_SERVER_FULL)
		cli_warn("[%s] refused: --max-conns %llu reached", addr,
			 (unsigned long long)s->o->max_conns);
	else
		cli_warn("[%s] refused: %s", addr, detail);
}

/* What a client sent, for -v, --raw and --hex (lines come to on_line). */
static void on_data(void *data, struct sk_server_client *c, const uint8_t *p,
		    size_t n)
{
	struct tcp_server *s = data;
	if (s->console && s->to == TO_LAST)
		s->target = sk_server_client_id(
		    c); /* the console answers the last speaker */
	if (s->o->show.verbose)
		tcp_tag('<', sk_server_client_addr(c), p, n);
	if (s->o->mode == SK_SERVER_ECHO || s->o->mode == SK_SERVER_EXEC)
		return;
	if (s->o->raw) {
		out(s, p, n);
	} else if (s->hex) {
		char tag[TCP_TAG_MAX], head[TCP_TAG_MAX + 32];
		tcp_server_tag(c, tag, sizeof tag);
		int len = snprintf(head, sizeof head, "%s %zu bytes\n", tag, n);
		out(s, head, (size_t)len);
		struct tcp_show show = { .hex = true };
		if (!s->out_failed)
			out_error(s, tcp_output(&show, p, n));
		if (!s->out_failed)
			tcp_output_end(&show);
	}
}

/* "[ID ADDR] text" on stdout. */
static void on_line(void *data, struct sk_server_client *c, const char *p,
		    size_t n)
{
	struct tcp_server *s = data;
	if (s->hex || s->o->raw)
		return; /* chat assembles lines whatever is shown */
	char text[4 * SK_SERVER_LINE_MAX + 1];
	sk_escape((const uint8_t *)p, n, text, sizeof text);
	char tag[TCP_TAG_MAX];
	tcp_server_tag(c, tag, sizeof tag);
	char line[sizeof text + sizeof tag + 2];
	int len = snprintf(line, sizeof line, "%s %s\n", tag, text);
	out(s, line, (size_t)len);
}

static void on_sent(void *data, struct sk_server_client *c, const uint8_t *p,
		    size_t n)
{
	struct tcp_server *s = data;
	if (s->o->show.verbose)
		tcp_tag('>', sk_server_client_addr(c), p, n);
}

static void on_reply_error(void *data, struct sk_server_client *c, int code)
{
	(void)data;
	char tag[TCP_TAG_MAX];
	tcp_server_tag(c, tag, sizeof tag);
	cli_warn("%s reply: %s", tag, sk_strerror(code));
}

static void on_leave(void *data, struct sk_server_client *c,
		     enum sk_server_leave why, const char *detail)
{
	struct tcp_server *s = data;
	char reason[SK_ERRLEN + 32];
	switch (why) {
	case SK_SERVER_SLOW:
		snprintf(
		    reason, sizeof reason,
		    "slow reader (more than %llu bytes queued, --max-buffer)",
		    (unsigned long long)s->o->max_buffer);
		break;
	case SK_SERVER_IDLE:
		snprintf(reason, sizeof reason,
			 "idle for %llu ms (--idle-timeout)",
			 (unsigned long long)s->o->idle_ms);
		break;
	case SK_SERVER_STOPPED:
		snprintf(reason, sizeof reason, "server exiting");
		break;
	default: snprintf(reason, sizeof reason, "%s", detail); break;
	}
	const struct sk_peer *p = sk_server_client_peer(c);
	if (s->target == p->id)
		s->target = 0; /* TO_ONE: nobody until /to or /all */
	char tag[TCP_TAG_MAX];
	tcp_server_tag(c, tag, sizeof tag);
	size_t n = sk_server_count(s->srv);
	cli_warn("%s disconnected: %s (rx %llu B, tx %llu B, %zu client%s)",
		 tag, reason, (unsigned long long)p->rx_bytes,
		 (unsigned long long)p->tx_bytes, n, n == 1 ? "" : "s");
}

static void on_accept_error(void *data, int status, uint64_t dropped)
{
	struct tcp_server *s = data;
	if (status == -EMFILE || status == -ENFILE) {
		/* One line when a burst of drops starts, one with the count
		 * when it ends, not one per attempt. */
		if (!dropped)
			cli_warn("accept: %s: dropping new connections until "
				 "descriptors "
				 "are free (ulimit -n, --max-conns)",
				 sk_strerror(status));
		else
			cli_warn("accept: %llu connection%s dropped for want "
				 "of descriptors",
				 (unsigned long long)dropped,
				 dropped == 1 ? "" : "s");
		return;
	}
	/* Another error libuv passes on (ENOMEM, ENOBUFS...): at most one line
	 * a second. */
	uint64_t now = uv_now(s->loop);
	if (now - s->last_err_ms >= 1000 || !s->last_err_ms) {
		s->last_err_ms = now;
		cli_warn("accept: %s (connection dropped)",
			 sk_strerror(status));
	}
}

/* Every client has left: close what keeps the loop running. */
static void on_stop(void *data)
{
	struct tcp_server *s = data;
	stats_line_stop(&s->live);
	if (!s->stopping) {
		s->stopping = true; /* the one client of a mode left */
		if (s->o->stats)
			stats(s, "exit");
	}
	sk_fdin_close(s->in);
	s->in = NULL;
	sk_fdin_close(s->console);
	s->console = NULL;
	uv_close((uv_handle_t *)&s->usr1, NULL);
	uv_close((uv_handle_t *)&s->term, NULL);
	uv_close((uv_handle_t *)&s->intr, NULL);
}

static void in_data(void *data, const uint8_t *p, size_t n)
{
	struct tcp_server *s = data;
	uint8_t conv[2 * 64 * 1024];
	if (s->o->crlf && n <= 64 * 1024) {
		n = sk_lines_crlf(p, n, conv, &s->last_cr);
		p = conv;
	}
	sk_server_say(s->srv, p, n); /* in chat mode, as ncat's <user0> */
}

static void in_end(void *data, int status)
{
	(void)status;
	struct tcp_server *s = data;
	sk_fdin_close(s->in);
	s->in = NULL;
}

static void on_usr1(uv_signal_t *h, int sig)
{
	(void)sig;
	stats(h->data, "SIGUSR1");
}

static void on_term(uv_signal_t *h, int sig)
{
	(void)sig;
	tcp_server_stop(h->data);
}

static void signal_start(struct tcp_server *s, uv_signal_t *h, uv_signal_cb cb,
			 int sig)
{
	uv_signal_init(s->loop, h);
	h->data = s;
	uv_signal_start(h, cb, sig);
}

struct tcp_server *tcp_server_new(uv_loop_t *loop, const struct server_opts *o)
{
	static const struct sk_server_cbs cbs = {
		.on_join = on_join,
		.on_ready = on_ready,
		.on_refuse = on_refuse,
		.on_data = on_data,
		.on_line = on_line,
		.on_sent = on_sent,
		.on_reply_error = on_reply_error,
		.on_leave = on_leave,
		.on_accept_error = on_accept_error,
		.on_stop = on_stop,
	};
	struct tcp_server *s = calloc(1, sizeof *s);
	if (!s)
		cli_fail(EXIT_FAIL, "out of memory");
	s->loop = loop;
	s->o = o;
	s->hex = o->show.hex;
	if (o->mode == SK_SERVER_EXEC &&
	    !(s->exec_argv = sk_exec_argv(o->exec_cmd, o->exec_shell)))
		cli_usage("--exec: empty command");
	struct sk_server_opts so = {
		.mode = o->mode,
		.keep = o->keep,
		.lines = !o->raw && !o->show.hex,
		.max_conns = o->max_conns,
		.idle_ms = o->idle_ms,
		.max_buffer = o->max_buffer,
		.rules = o->rules,
		.append = o->append,
		.exec_argv = s->exec_argv,
		.exec_crlf = o->crlf,
		.chat_style = o->chat_style,
		.acl = tcp_acl(o),
		.tls = o->tls,
	};
	int rc = sk_server_new(loop, &so, &cbs, s, &s->srv);
	if (rc)
		cli_fail(EXIT_FAIL, "server: %s", sk_strerror(rc));
	/* Before "listening on" is shown: from then on an interrupt is the
	 * normal end of a -k run. */
	signal_start(s, &s->usr1, on_usr1, SIGUSR1);
	signal_start(s, &s->term, on_term, SIGTERM);
	signal_start(s, &s->intr, on_term, SIGINT);
	return s;
}

const struct sk_listener *tcp_server_listen(struct tcp_server *s,
					    const struct sk_endpoint *ep,
					    const struct sk_listen_opts *lo)
{
	char err[SK_ERRLEN];
	if (sk_server_listen(s->srv, ep, lo, err))
		cli_fail(EXIT_FAIL, "%s", err);
	const struct sk_listener *l = sk_server_listener(s->srv);
	if (s->o->mode == SK_SERVER_EXEC && !sk_hostlist_count(s->o->allow) &&
	    !sk_listener_is_local(l)) {
		sk_server_stop(s->srv); /* removes a unix socket's file */
		cli_usage("--exec on a non-loopback address lets anyone run "
			  "the program: "
			  "add --allow HOST or listen on 127.0.0.1 / ::1");
	}
	return l;
}

int tcp_server_run(struct tcp_server *s)
{
	if (s->o->mode != SK_SERVER_EXEC && s->o->keep &&
	    isatty(STDIN_FILENO)) {
		/* A person at a terminal: the console of udp chat. */
		int rc = tcp_console_start(s);
		if (rc)
			cli_warn("console: stdin: %s", sk_strerror(rc));
	} else if (s->o->mode != SK_SERVER_EXEC) {
		static const struct sk_fdin_cbs cbs = { .on_data = in_data,
							.on_end = in_end };
		if (sk_fdin_open(s->loop, STDIN_FILENO, &cbs, s, &s->in))
			s->in = NULL;
	}
	/* A console owns the terminal's last line: the one being typed. */
	if (s->o->stats && !s->console)
		stats_line_start(&s->live, s->loop, stats_read_peers,
				 (void *)sk_server_peers(s->srv), "reads");
	uv_run(s->loop, UV_RUN_DEFAULT);
	sk_server_free(s->srv);
	sk_exec_argv_free(s->exec_argv);
	int status = s->status;
	free(s);
	return status;
}
