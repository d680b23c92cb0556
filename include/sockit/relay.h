/* The one-stream relay: an input fd (standard input) to a connection and
 * the connection to an output fd (standard output), as netcat does, with
 * backpressure both ways and half-close.
 *
 *   - Backpressure: the input is paused while the connection's queue holds
 *     more than SK_RELAY_HIGH_MARK bytes and resumed when it drains; what
 *     arrives is written to the output synchronously (sk_fd_write_all), so
 *     a slow reader of the output slows the reads from the socket.
 *   - Half-close: when the input ends, the relay shuts its side down
 *     (unless no_shutdown) and waits for the peer; when the peer closes
 *     first, what the input still has goes out before the relay ends,
 *     unless the input is a terminal (a person typing, who is done).
 *     end_at_peer_eof and end_at_input_end end it at one side's end
 *     instead, as a one-client nc -l and ncat --send-only do.
 *   - Datagrams (datagram_max): the stream may be a connected datagram
 *     socket opened as a pipe, where each read is one datagram and each
 *     write one datagram (sockit/udp_peer.h); writes are cut at
 *     datagram_max bytes and nothing takes the zero-copy paths.
 *   - Zero copy: when nothing is shown or transformed, a regular file goes
 *     out with sendfile(2) and received bytes reach a file, pipe or
 *     /dev/null with splice(2), never passing through this process; the
 *     byte counters still count them.
 *   - Message mode (hex_input or append): the input is read as lines (the
 *     CR/LF rule of sockit/lines.h, at most SK_RELAY_LINE_MAX bytes), and
 *     each line, hex-decoded with hex_input, plus the append suffix (the
 *     one responder, sockit/responder.h, echoing it), goes out as one
 *     message.
 *
 * The relay never prints: the caller shows what it wants through the
 * callbacks (received bytes, sent bytes, the end and why).  It owns only
 * its connection, two timers and the input reader; signals, statistics
 * lines and exit statuses are the caller's.
 *
 * How the commands use it: `tcp connect` and `tcp listen` (without -k)
 * connect or accept, wrap the stream in a relay with stdin and stdout,
 * show -v tags from on_recv/on_sent, a hexdump from on_recv with --hex
 * (otherwise on_recv is NULL and bytes go straight to stdout), and turn
 * on_end into a message and an exit status.  A face that has no fds to
 * relay (a terminal UI) uses the connection API, sockit/conn.h, directly.
 */
#ifndef SOCKIT_RELAY_H
#define SOCKIT_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sockit/append.h"
#include "sockit/tls.h"

/* The input pauses above this many bytes queued for the peer. */
#define SK_RELAY_HIGH_MARK (1024 * 1024)
/* Message mode: longer input lines go out as several messages. */
#define SK_RELAY_LINE_MAX (64 * 1024)

struct sk_relay;

enum sk_relay_end {
	/* Normal ends. */
	SK_RELAY_DONE,		/* both ways finished and all sent */
	SK_RELAY_QUIT,		/* quit_ms after the input ended */
	SK_RELAY_OUTPUT_CLOSED, /* the output's reader went away (EPIPE) */
	SK_RELAY_PEER_RESET,	/* an error after the peer closed: it hung
				 * up (msg says how) */
	SK_RELAY_STOPPED,	/* sk_relay_stop */
	/* Failures. */
	SK_RELAY_IDLE,		  /* nothing either way for idle_ms */
	SK_RELAY_NO_REPLY,	  /* wait_reply_ms passed without a reply */
	SK_RELAY_CLOSED_NO_REPLY, /* the peer closed without replying */
	SK_RELAY_BAD_INPUT,	  /* message mode: a line that is not hex */
	SK_RELAY_INPUT_ERROR,	  /* reading the input failed (code) */
	SK_RELAY_OUTPUT_ERROR,	  /* writing the output failed (code) */
	SK_RELAY_CONN_ERROR,	  /* the connection failed (code, msg) */
};

/* Why and how the relay ended; valid during on_end only. */
struct sk_relay_result {
	enum sk_relay_end why;
	int code;	 /* the negative error for the failures that have one */
	const char *msg; /* PEER_RESET, CONN_ERROR: "what: why"; else NULL */
	uint64_t line;	 /* BAD_INPUT: the input line (1 for the first) */
	size_t offset;	 /* BAD_INPUT: where in that line */
	uint64_t rx, tx; /* bytes received from and sent to the peer */
};

struct sk_relay_opts {
	int in_fd;  /* read and sent to the peer; -1: no input */
	int out_fd; /* what the peer sends goes here, unless on_recv */
	/* Sent instead of reading in_fd (not copied: it must outlive the
	 * relay); send_len may be 0. */
	const uint8_t *send;
	size_t send_len;
	bool crlf;	  /* a CR before every LF sent without one */
	bool no_shutdown; /* the input's end does not shut the write side */
	int64_t quit_ms;  /* without send: end (QUIT) this long after the
			   * input ended; -1: wait for the peer */
	uint64_t wait_reply_ms; /* with send: end NO_REPLY unless a reply
				 * came this long after sending; 0: none */
	uint64_t idle_ms;	/* end IDLE after this long without a byte
				 * either way; 0: never */
	bool hex_input;		/* message mode: lines are hex */
	const struct sk_append *append; /* message mode: suffix; NULL none;
					 * not copied */
	/* The peer's end (EOF) ends the relay once what the input had ready
	 * (up to SK_RELAY_HIGH_MARK bytes) is sent, without waiting for more
	 * (a one-client listener, as nc -l); an input that is a regular file
	 * still goes out whole. */
	bool end_at_peer_eof;
	/* The input's end ends the relay once what was read is sent (its
	 * side shut down first), without waiting for the peer. */
	bool end_at_input_end;
	/* > 0: the stream carries datagrams: writes are cut at this many
	 * bytes, and no zero copy.  0: a byte stream. */
	size_t datagram_max;
	/* Bytes the caller already took from the connection (a datagram
	 * relay's first datagram): handed on as received before anything
	 * else and counted in rx.  Not copied; read in sk_relay_start. */
	const uint8_t *received;
	size_t received_len;
};

/* Every callback but on_end may be NULL.  The relay may run them from
 * inside sk_relay_start. */
struct sk_relay_cbs {
	/* Connected (after the TLS handshake; tls is NULL when plain). */
	void (*on_ready)(void *data, struct sk_tls *tls);
	/* Bytes from the peer, p[0..n) valid during the call; set, it
	 * replaces the write to out_fd (and its zero-copy path).  Returns 0,
	 * or a negative error that ends the relay (-EPIPE: OUTPUT_CLOSED,
	 * others OUTPUT_ERROR). */
	int (*on_recv)(void *data, const uint8_t *p, size_t n);
	/* Bytes handed to the connection, as sent (after crlf, with the
	 * suffix); set, it turns the zero-copy input off. */
	void (*on_sent)(void *data, const uint8_t *p, size_t n);
	/* The peer closed its sending side. */
	void (*on_peer_eof)(void *data);
	/* The last callback, exactly once after sk_relay_start.  The relay
	 * frees itself after it: do not use it once on_end has run. */
	void (*on_end)(void *data, const struct sk_relay_result *res);
};

/* Wraps stream (connected; malloc'ed, as from sk_connect or accept) and
 * tls (NULL for plain) in a relay, taking both.  No callback runs until
 * sk_relay_start.  opts and cbs are copied.  Returns 0, or -ENOMEM (then
 * the caller still owns stream and tls). */
int sk_relay_new(uv_loop_t *loop, uv_stream_t *stream, struct sk_tls *tls,
		 const struct sk_relay_opts *opts,
		 const struct sk_relay_cbs *cbs, void *data,
		 struct sk_relay **out);

/* Starts relaying; run the loop until on_end.  Every outcome, a failure
 * to start included, comes through on_end. */
void sk_relay_start(struct sk_relay *r);

/* Ends the relay now (on_end with STOPPED, unless it already ended). */
void sk_relay_stop(struct sk_relay *r);

/* Bytes received from and sent to the peer so far. */
uint64_t sk_relay_rx(const struct sk_relay *r);
uint64_t sk_relay_tx(const struct sk_relay *r);

#endif
