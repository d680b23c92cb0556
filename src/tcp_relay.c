/* One connection relayed with stdio, with backpressure both ways: stdin
 * pauses while the connection's queue is above HIGH_MARK, and stdout is
 * written synchronously, so a slow reader slows the socket reads. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sockit/append.h"
#include "sockit/bytes.h"
#include "sockit/conn.h"
#include "sockit/connect.h"
#include "sockit/error.h"
#include "sockit/fdio.h"
#include "sockit/lines.h"
#include "stats_line.h"
#include "tcp.h"

#define HIGH_MARK (1024 * 1024)
#define MSG_LINE (64 * 1024) /* longer stdin lines go as several messages */

struct relay {
	uv_loop_t *loop;
	const struct relay_opts *o;
	struct tcp_show show;
	const char *peer;
	struct sk_conn *conn;
	struct sk_fdin *in;
	uv_timer_t quit;  /* -q after stdin EOF, or --wait-reply */
	uv_timer_t idle;  /* --idle-timeout: watches the byte counters */
	uint64_t idle_bytes, idle_since;
	uv_signal_t usr1;
	struct stats_line live; /* --stats on a terminal */
	bool done, last_cr, got_reply;
	bool in_done, peer_eof, end_when_drained;
	bool sending_file; /* stdin goes out with sendfile, not through in */
	int status;
	uint64_t start;
	struct sk_lines lines; /* message mode: stdin cut into lines */
	uint64_t line_no;
};

static void finish(struct relay *r, int status)
{
	if (r->done)
		return;
	r->done = true;
	r->status = status;
	tcp_output_end(&r->show);
	stats_line_stop(&r->live);
	if (r->o->stats)
		tcp_stats_line(r->peer, sk_conn_rx(r->conn), sk_conn_tx(r->conn),
			       uv_now(r->loop) - r->start);
	sk_conn_close(r->conn);
	sk_fdin_close(r->in);
	r->in = NULL;
	sk_lines_free(&r->lines);
	uv_close((uv_handle_t *)&r->quit, NULL);
	uv_close((uv_handle_t *)&r->idle, NULL);
	uv_close((uv_handle_t *)&r->usr1, NULL);
}

/* Counters rather than callbacks: the zero-copy paths move bytes without
 * passing them through the relay, but they count them. */
static void on_idle_check(uv_timer_t *t)
{
	struct relay *r = t->data;
	uint64_t bytes = sk_conn_rx(r->conn) + sk_conn_tx(r->conn), now = uv_now(r->loop);
	if (bytes != r->idle_bytes) {
		r->idle_bytes = bytes;
		r->idle_since = now;
		return;
	}
	if (now - r->idle_since >= r->o->idle_ms) {
		cli_warn("%s: idle for %llu ms (--idle-timeout)", r->peer,
			 (unsigned long long)r->o->idle_ms);
		finish(r, EXIT_FAIL);
	}
}

static void on_quit(uv_timer_t *t)
{
	struct relay *r = t->data;
	if (r->o->send && !r->got_reply) {
		cli_warn("%s: no reply within %llu ms", r->peer,
			 (unsigned long long)r->o->wait_reply_ms);
		finish(r, EXIT_FAIL);
		return;
	}
	finish(r, EXIT_OK);
}

static void read_counters(void *ctx, struct stats_totals *t)
{
	struct relay *r = ctx;
	*t = (struct stats_totals){ .rx_bytes = sk_conn_rx(r->conn),
				    .tx_bytes = sk_conn_tx(r->conn) };
}

static void on_usr1(uv_signal_t *s, int sig)
{
	(void)sig;
	struct relay *r = s->data;
	tcp_stats_line(r->peer, sk_conn_rx(r->conn), sk_conn_tx(r->conn),
		       uv_now(r->loop) - r->start);
}

static void send_bytes(struct relay *r, const uint8_t *p, size_t n)
{
	uint8_t conv[2 * 64 * 1024];
	while (r->o->crlf && n) {
		size_t part = n > 64 * 1024 ? 64 * 1024 : n;
		size_t len = tcp_crlf(p, part, conv, &r->last_cr);
		if (r->o->show.verbose)
			tcp_tag('>', r->peer, conv, len);
		sk_conn_write(r->conn, conv, len);
		p += part;
		n -= part;
	}
	if (n) {
		if (r->o->show.verbose)
			tcp_tag('>', r->peer, p, n);
		sk_conn_write(r->conn, p, n);
	}
}

static bool messages(const struct relay *r)
{
	return r->o->hex_input || r->o->append;
}

/* Message mode: one stdin line out as one message.  Returns false when
 * the relay is over: bad hex (status 2, as udp send) or a failed write. */
static bool send_line(struct relay *r, const struct sk_line *line)
{
	r->line_no++;
	uint8_t msg[MSG_LINE + SK_APPEND_MAX];
	size_t len = line->len;
	if (r->o->hex_input) {
		size_t bad = 0;
		int rc =
		    sk_hex_decode((const char *)line->p, line->len, msg, &bad);
		if (rc < 0) {
			cli_warn("stdin line %llu: bad hex at offset %zu (--hex-input)",
				 (unsigned long long)r->line_no, bad);
			finish(r, EXIT_USAGE);
			return false;
		}
		len = (size_t)rc;
	} else {
		memcpy(msg, line->p, line->len);
	}
	if (r->o->append)
		len += sk_append_suffix(r->o->append, msg, len, msg + len);
	if (len)
		send_bytes(r, msg, len);
	return !r->done; /* a write error may have ended the relay */
}

static void gather_lines(struct relay *r, const uint8_t *p, size_t n)
{
	struct sk_line line;
	int rc;
	while ((rc = sk_lines_next(&r->lines, &p, &n, &line)) > 0)
		if (!send_line(r, &line))
			return;
	if (rc < 0) {
		cli_warn("stdin: %s", sk_strerror(rc));
		finish(r, EXIT_FAIL);
	}
}

static void in_data(void *data, const uint8_t *p, size_t n)
{
	struct relay *r = data;
	if (messages(r))
		gather_lines(r, p, n);
	else
		send_bytes(r, p, n);
	if (r->in && !r->done && sk_conn_queued(r->conn) > HIGH_MARK)
		sk_fdin_pause(r->in);
}

/* Ends once everything queued for the peer is in the kernel's hands. */
static void finish_when_drained(struct relay *r)
{
	if (sk_conn_queued(r->conn) == 0)
		finish(r, EXIT_OK);
	else
		r->end_when_drained = true;
}

static void input_done(struct relay *r)
{
	r->in_done = true;
	if (r->peer_eof) {
		sk_conn_shutdown(r->conn);
		finish_when_drained(r);
		return;
	}
	if (!r->o->no_shutdown)
		sk_conn_shutdown(r->conn);
	if (r->o->send && r->o->wait_reply_ms)
		uv_timer_start(&r->quit, on_quit, r->o->wait_reply_ms, 0);
	else if (!r->o->send && r->o->quit_ms >= 0)
		uv_timer_start(&r->quit, on_quit, (uint64_t)r->o->quit_ms, 0);
}

static void in_end(void *data, int status)
{
	struct relay *r = data;
	if (status < 0) {
		cli_warn("stdin: %s", sk_strerror(status));
		finish(r, EXIT_FAIL);
		return;
	}
	/* The last line counts even without its line ending. */
	struct sk_line line;
	if (messages(r) && sk_lines_end(&r->lines, &line) > 0 &&
	    !send_line(r, &line))
		return;
	input_done(r);
}

static void open_stdin(struct relay *r)
{
	static const struct sk_fdin_cbs cbs = { .on_data = in_data,
						.on_end = in_end };
	if (sk_fdin_open(r->loop, STDIN_FILENO, &cbs, r, &r->in)) {
		/* No usable stdin (closed): behave as if it ended. */
		r->in = NULL;
		input_done(r);
	}
}

static void sendfile_done(struct sk_conn *c, int status)
{
	struct relay *r = sk_conn_data(c);
	r->sending_file = false;
	if (status == -EINVAL) {
		open_stdin(r); /* the kernel cannot: copy the usual way */
	} else if (status < 0) {
		cli_warn("%s: %s", r->peer, sk_strerror(status));
		finish(r, EXIT_FAIL);
	} else {
		input_done(r);
	}
}

/* Nothing to show or transform: bytes can go from file to socket and
 * socket to stdout without passing through this process. */
static bool zero_copy(const struct relay *r, const struct sk_conn *c)
{
	const struct relay_opts *o = r->o;
	return !sk_conn_tls(c) && !o->show.verbose && !o->show.hex && !o->crlf && !o->send &&
	       !o->hex_input && !o->append;
}

static void on_ready(struct sk_conn *c)
{
	struct relay *r = sk_conn_data(c);
	if (sk_conn_tls(c) && r->o->show.verbose) {
		char desc[128];
		sk_tls_describe(sk_conn_tls(c), desc, sizeof desc);
		cli_warn("%s: TLS %s", r->peer, desc);
	}
	char subj[256];
	if (sk_conn_tls(c) && sk_tls_peer_subject(sk_conn_tls(c), subj, sizeof subj) == 0 &&
	    (r->o->show.verbose || r->o->client_cert))
		cli_warn("%s: certificate %s", r->peer, subj);
	if (r->o->send) {
		send_bytes(r, r->o->send, r->o->send_len);
		input_done(r);
		return;
	}
	if (zero_copy(r, c) && sk_conn_sendfile(c, STDIN_FILENO, sendfile_done) == 0) {
		r->sending_file = true;
		return;
	}
	open_stdin(r);
}

static void on_data(struct sk_conn *c, const uint8_t *p, size_t n)
{
	struct relay *r = sk_conn_data(c);
	r->got_reply = true;
	if (r->o->show.verbose)
		tcp_tag('<', r->peer, p, n);
	int rc = tcp_output(&r->show, p, n);
	if (rc == -EPIPE) {
		finish(r, EXIT_OK); /* `| head`: the reader has enough */
	} else if (rc) {
		cli_warn("stdout: %s", sk_strerror(rc));
		finish(r, EXIT_FAIL);
	}
}

static void on_eof(struct sk_conn *c)
{
	struct relay *r = sk_conn_data(c);
	if (r->o->show.verbose && !r->o->quiet_eof)
		cli_warn("%s: closed by peer", r->peer);
	r->peer_eof = true;
	if (r->o->send && r->o->wait_reply_ms && !r->got_reply) {
		cli_warn("%s: closed without a reply", r->peer);
		finish(r, EXIT_FAIL);
		return;
	}
	/* The peer may only have half-closed: what stdin still has goes out
	 * first, unless a person at a terminal is typing. */
	if (r->in_done || (!r->in && !r->sending_file) || isatty(STDIN_FILENO))
		finish_when_drained(r);
}

static void on_error(struct sk_conn *c, int code, const char *msg)
{
	struct relay *r = sk_conn_data(c);
	if (code == -EPIPE && !strncmp(msg, "output:", 7)) {
		finish(r, EXIT_OK); /* `| head` with the zero-copy path */
		return;
	}
	if (r->peer_eof) {
		/* The peer closed both ways and reset what we still sent:
		 * it hung up, which ends the session normally. */
		if (r->o->show.verbose)
			cli_warn("%s: %s after the peer closed", r->peer, msg);
		finish(r, EXIT_OK);
		return;
	}
	cli_warn("%s: %s", r->peer, msg);
	finish(r, EXIT_FAIL);
}

static void on_drain(struct sk_conn *c)
{
	struct relay *r = sk_conn_data(c);
	if (r->end_when_drained && sk_conn_queued(c) == 0) {
		finish(r, EXIT_OK);
		return;
	}
	if (r->in)
		sk_fdin_resume(r->in);
}

int tcp_relay(uv_loop_t *loop, uv_stream_t *stream, struct sk_tls *tls,
	      const char *peer, const struct relay_opts *opts)
{
	static const struct sk_conn_cbs cbs = {
		.on_ready = on_ready, .on_data = on_data, .on_eof = on_eof,
		.on_error = on_error, .on_drain = on_drain,
	};
	struct relay r = { .loop = loop, .o = opts, .show = opts->show, .peer = peer };
	r.start = uv_now(loop);
	sk_lines_init(&r.lines, MSG_LINE);
	if (sk_conn_new(stream, tls, &cbs, &r, &r.conn)) {
		sk_tls_free(tls);
		sk_stream_close(stream);
		cli_fail(EXIT_FAIL, "out of memory");
	}
	uv_timer_init(loop, &r.quit);
	r.quit.data = &r;
	uv_timer_init(loop, &r.idle);
	r.idle.data = &r;
	if (opts->idle_ms) {
		uint64_t every = opts->idle_ms / 8 > 10 ? opts->idle_ms / 8 : 10;
		r.idle_since = r.start;
		uv_timer_start(&r.idle, on_idle_check, every, every);
	}
	uv_signal_init(loop, &r.usr1);
	r.usr1.data = &r;
	if (opts->stats) {
		uv_signal_start(&r.usr1, on_usr1, SIGUSR1);
		stats_line_start(&r.live, loop, read_counters, &r, NULL);
	}
	if (zero_copy(&r, r.conn))
		sk_conn_splice_out(r.conn, STDOUT_FILENO); /* or on_data as usual */
	int rc = sk_conn_start(r.conn);
	if (rc && !r.done) {
		cli_warn("%s: %s", peer, sk_strerror(rc));
		finish(&r, EXIT_FAIL);
	}
	uv_run(loop, UV_RUN_DEFAULT);
	return r.status;
}
