/* The face of the relay engine (sockit/relay.h) for tcp connect and tcp
 * listen without -k: stdin and stdout relayed, received and sent chunks
 * shown as -v and --hex ask, the end turned into one line and a status,
 * and --stats at the end, on SIGUSR1 and live on a terminal. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "sockit/connect.h"
#include "sockit/error.h"
#include "sockit/relay.h"
#include "stats_line.h"
#include "tcp.h"

struct face {
	uv_loop_t *loop;
	const struct relay_opts *o;
	struct tcp_show show;
	const char *peer;
	struct sk_relay *relay;
	uv_signal_t usr1;
	struct stats_line live; /* --stats on a terminal */
	uint64_t start;
	int status;
};

static void on_usr1(uv_signal_t *s, int sig)
{
	(void)sig;
	struct face *f = s->data;
	tcp_stats_line(f->peer, sk_relay_rx(f->relay), sk_relay_tx(f->relay),
		       uv_now(f->loop) - f->start);
}

static void read_counters(void *ctx, struct stats_totals *t)
{
	struct face *f = ctx;
	*t = (struct stats_totals){ .rx_bytes = sk_relay_rx(f->relay),
				    .tx_bytes = sk_relay_tx(f->relay) };
}

static void on_ready(void *data, struct sk_tls *tls)
{
	struct face *f = data;
	if (!tls)
		return;
	if (f->o->show.verbose) {
		char desc[128];
		sk_tls_describe(tls, desc, sizeof desc);
		cli_warn("%s: TLS %s", f->peer, desc);
	}
	char subj[256];
	if ((f->o->show.verbose || f->o->client_cert) &&
	    sk_tls_peer_subject(tls, subj, sizeof subj) == 0)
		cli_warn("%s: certificate %s", f->peer, subj);
}

static int on_recv(void *data, const uint8_t *p, size_t n)
{
	struct face *f = data;
	if (f->o->show.verbose)
		tcp_tag('<', f->peer, p, n);
	return tcp_output(&f->show, p, n);
}

static void on_sent(void *data, const uint8_t *p, size_t n)
{
	struct face *f = data;
	tcp_tag('>', f->peer, p, n);
}

static void on_peer_eof(void *data)
{
	struct face *f = data;
	if (f->o->show.verbose && !f->o->quiet_eof)
		cli_warn("%s: closed by peer", f->peer);
}

/* The line an end deserves (none for the normal ends), and the status. */
static int report(const struct face *f, const struct sk_relay_result *res)
{
	const char *peer = f->peer;
	switch (res->why) {
	case SK_RELAY_DONE:
	case SK_RELAY_QUIT:
	case SK_RELAY_OUTPUT_CLOSED: /* `| head`: the reader has enough */
	case SK_RELAY_STOPPED: return EXIT_OK;
	case SK_RELAY_PEER_RESET:
		/* The peer closed both ways and reset what we still sent: it
		 * hung up, which ends the session normally. */
		if (f->o->show.verbose)
			cli_warn("%s: %s after the peer closed", peer,
				 res->msg);
		return EXIT_OK;
	case SK_RELAY_IDLE:
		cli_warn("%s: idle for %llu ms (--idle-timeout)", peer,
			 (unsigned long long)f->o->idle_ms);
		break;
	case SK_RELAY_NO_REPLY:
		cli_warn("%s: no reply within %llu ms", peer,
			 (unsigned long long)f->o->wait_reply_ms);
		break;
	case SK_RELAY_CLOSED_NO_REPLY:
		cli_warn("%s: closed without a reply", peer);
		break;
	case SK_RELAY_BAD_INPUT:
		cli_warn("stdin line %llu: bad hex at offset %zu (--hex-input)",
			 (unsigned long long)res->line, res->offset);
		return EXIT_USAGE; /* as udp send */
	case SK_RELAY_INPUT_ERROR:
		cli_warn("stdin: %s", sk_strerror(res->code));
		break;
	case SK_RELAY_OUTPUT_ERROR:
		cli_warn("stdout: %s", sk_strerror(res->code));
		break;
	case SK_RELAY_CONN_ERROR: cli_warn("%s: %s", peer, res->msg); break;
	}
	return EXIT_FAIL;
}

static void on_end(void *data, const struct sk_relay_result *res)
{
	struct face *f = data;
	f->status = report(f, res);
	tcp_output_end(&f->show);
	stats_line_stop(&f->live);
	if (f->o->stats)
		tcp_stats_line(f->peer, res->rx, res->tx,
			       uv_now(f->loop) - f->start);
	uv_close((uv_handle_t *)&f->usr1, NULL);
}

int tcp_relay(uv_loop_t *loop, uv_stream_t *stream, struct sk_tls *tls,
	      const char *peer, const struct relay_opts *opts)
{
	struct face f = {
		.loop = loop, .o = opts, .show = opts->show, .peer = peer
	};
	f.start = uv_now(loop);
	const struct sk_relay_opts ro = {
		.in_fd = opts->recv_only ? -1 : STDIN_FILENO,
		.out_fd = opts->send_only ? -1 : STDOUT_FILENO,
		.send = opts->send,
		.send_len = opts->send_len,
		.crlf = opts->crlf,
		.no_shutdown = opts->no_shutdown || opts->recv_only,
		.quit_ms = opts->quit_ms,
		.wait_reply_ms = opts->wait_reply_ms,
		.idle_ms = opts->idle_ms,
		.hex_input = opts->hex_input,
		.append = opts->append,
		.end_at_peer_eof = opts->end_at_peer_eof,
		.end_at_input_end = opts->send_only,
		.datagram_max = opts->datagram_max,
		.received = opts->received,
		.received_len = opts->received_len,
	};
	/* A live --stats line on a terminal: received bytes are written
	 * around it, so they go through tcp_output too. */
	bool live = opts->stats &&
		    stats_line_start(&f.live, loop, read_counters, &f, NULL);
	bool shown = (opts->show.verbose || opts->show.hex || live) &&
		     !opts->send_only;
	const struct sk_relay_cbs cbs = {
		.on_ready = on_ready,
		.on_recv = shown ? on_recv : NULL,
		.on_sent = opts->show.verbose ? on_sent : NULL,
		.on_peer_eof = on_peer_eof,
		.on_end = on_end,
	};
	if (sk_relay_new(loop, stream, tls, &ro, &cbs, &f, &f.relay)) {
		stats_line_stop(&f.live);
		sk_tls_free(tls);
		sk_stream_close(stream);
		cli_fail(EXIT_FAIL, "out of memory");
	}
	uv_signal_init(loop, &f.usr1);
	f.usr1.data = &f;
	if (opts->stats)
		uv_signal_start(&f.usr1, on_usr1, SIGUSR1);
	sk_relay_start(f.relay);
	uv_run(loop, UV_RUN_DEFAULT);
	return f.status;
}
