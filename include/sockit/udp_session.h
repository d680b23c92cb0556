/* A datagram session on one UDP socket (sockit/udp.h): the engine of
 * udp send, udp listen, udp chat and the terminal UI's UDP mode.
 *
 * It owns the socket, the peer table (sockit/peers.h: every sender and
 * every destination gets an id and RX/TX counters), the auto-responder
 * (sockit/responder.h: rules or echo, then the append suffix) and the
 * pacing of what is sent: one datagram queued at a time, repeated N times
 * with an interval between copies, back-to-back copies in sendmmsg
 * batches.  It also knows when a run is over: N datagrams received, a
 * silence of idle_ms, or, once the input has ended and all is sent, a
 * wait for replies that ends early when as many replies as datagrams
 * came.  It never prints: what happens comes back through the callbacks,
 * on the caller's loop.
 *
 * Use:
 *     sk_udp_new(loop, &uopts, bind, bind_len, &u, err);
 *     struct sk_udp_session_opts o = { .max_size = 65536, .echo = true };
 *     struct sk_udp_session_cbs cbs = { .on_recv = shown, .on_end = over };
 *     sk_udp_session_new(loop, u, &o, &cbs, me, &s, err);  // s owns u
 *     uv_run(loop, UV_RUN_DEFAULT);     // on_end, or the caller's stop
 *     sk_udp_session_free(s);           // run the loop once more, then
 *     uv_loop_close(loop);
 * Sending: sk_udp_session_send (now, once) or sk_udp_session_queue (paced;
 * on_drained asks for the next), then sk_udp_session_input_end when there
 * is no more; or sk_udp_session_feed, which does both from an fd.  Callbacks may call any sk_udp_session_* function but free.
 */
#ifndef SOCKIT_UDP_SESSION_H
#define SOCKIT_UDP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "sockit/append.h"
#include "sockit/peers.h"
#include "sockit/rules.h"
#include "sockit/udp.h"

struct sk_udp_session;

struct sk_udp_session_opts {
	/* Receive datagrams of up to max_size bytes each (longer ones are
	 * cut, with their true size reported); 0: do not receive. */
	size_t max_size;
	/* Answers (sockit/responder.h): the rules' reply, or without rules
	 * the datagram itself when echo.  rules is not owned. */
	struct sk_rules *rules;
	bool echo;
	/* A suffix on every datagram sent, answers included (NULL: none);
	 * copied. */
	const struct sk_append *append;
	/* End (SK_UDP_SESSION_COUNT) after this many datagrams; 0: never. */
	uint64_t count;
	/* End (SK_UDP_SESSION_IDLE) after this long without a datagram, or
	 * without any since the start; 0: never. */
	uint64_t idle_ms;
	/* What follows sk_udp_session_input_end once all queued is sent:
	 * with end_after_input the session ends, at once when wait_ms is 0
	 * (SK_UDP_SESSION_SENT), else after wait_ms (SK_UDP_SESSION_WAITED)
	 * or, with end_on_replies, as soon as it has received as many
	 * datagrams as it sent (SK_UDP_SESSION_REPLIED).  Without
	 * end_after_input it keeps receiving until stopped. */
	bool end_after_input, end_on_replies;
	uint64_t wait_ms;
	/* Queued copies one at a time, each reported through on_sent;
	 * false: back-to-back copies go out in unreported sendmmsg batches
	 * (the last of a datagram's copies is always reported). */
	bool each;
};

/* Why a session ended. */
enum sk_udp_session_end {
	SK_UDP_SESSION_SENT,    /* the input ended and all of it was sent */
	SK_UDP_SESSION_REPLIED, /* as many datagrams received as sent */
	SK_UDP_SESSION_WAITED,  /* wait_ms passed after the input ended */
	SK_UDP_SESSION_COUNT,   /* count datagrams received */
	SK_UDP_SESSION_IDLE,    /* idle_ms without a datagram */
	SK_UDP_SESSION_FAILED,  /* a queued datagram could not be sent
				 * (with end_after_input) */
	SK_UDP_SESSION_INPUT,   /* the feed failed: sk_udp_session_input_error */
};

/* Every callback may be NULL; data is the pointer given to
 * sk_udp_session_new.  A struct sk_peer * lives as long as the session;
 * it is NULL when the table could not grow (out of memory). */
struct sk_udp_session_cbs {
	/* A datagram came (counted already), before it is answered; d as
	 * sk_udp_recv_cb gives it. */
	void (*on_recv)(void *data, const struct sk_dgram *d,
			struct sk_peer *peer);
	/* A datagram went out to `to`: p[0..n) is all of it, suffix
	 * included, valid during the call; answer tells an automatic answer
	 * from a send. */
	void (*on_sent)(void *data, const struct sockaddr *to,
			struct sk_peer *peer, const uint8_t *p, size_t n,
			bool answer);
	/* A datagram could not be sent (-errno), or an answer not built
	 * (SK_ELIMIT): an answer, or, when end_after_input is off, the
	 * queued datagram, whose copies left are dropped (on_drained is
	 * not called).  With end_after_input a queued datagram that fails
	 * ends the session instead (SK_UDP_SESSION_FAILED). */
	void (*on_send_error)(void *data, struct sk_peer *peer, int code,
			      bool answer);
	/* The queued datagram is sent (and its interval passed when more
	 * input may follow): queue the next one. */
	void (*on_drained)(void *data);
	/* The session ended: it no longer receives, sends or times.  code is
	 * the error for SK_UDP_SESSION_FAILED and _INPUT, else 0.  Called once;
	 * never for sk_udp_session_stop. */
	void (*on_end)(void *data, enum sk_udp_session_end why, int code);
};

/* Makes a session on u (which it owns from now on, even on failure) and
 * starts receiving when opts->max_size is set; opts and cbs are copied.
 * Returns 0, or a negative code with err filled. */
int sk_udp_session_new(uv_loop_t *loop, struct sk_udp *u,
		       const struct sk_udp_session_opts *opts,
		       const struct sk_udp_session_cbs *cbs, void *data,
		       struct sk_udp_session **out, char *err);

/* The socket (to read its local address, join groups ...). */
struct sk_udp *sk_udp_session_udp(const struct sk_udp_session *s);

/* The peer table: senders and destinations with their counters. */
struct sk_peers *sk_udp_session_peers(struct sk_udp_session *s);

/* The peer for an address, added when new.  Returns as sk_peers_get. */
int sk_udp_session_peer(struct sk_udp_session *s, const struct sockaddr *sa,
			socklen_t len, struct sk_peer **out);

/* Who sent the last datagram (the overflow row of a full table aside),
 * or NULL before anyone did: where "answer whoever spoke last" sends. */
struct sk_peer *sk_udp_session_last(const struct sk_udp_session *s);

/* Datagrams sent (answers included) and received so far. */
uint64_t sk_udp_session_sent(const struct sk_udp_session *s);
uint64_t sk_udp_session_received(const struct sk_udp_session *s);

/* The size p[0..n) has on the wire: n plus the append suffix. */
size_t sk_udp_session_wire_len(const struct sk_udp_session *s,
			       const uint8_t *p, size_t n);

/* Sends p[0..n) plus the suffix to `to` once, now; counted on its peer
 * and reported through on_sent.  Returns the bytes sent or -errno
 * (-EMSGSIZE when larger than the socket's family carries). */
int sk_udp_session_send(struct sk_udp_session *s, const struct sockaddr *to,
			socklen_t tolen, const uint8_t *p, size_t n);

/* Queues p[0..n) (copied) for `to`: repeat copies (0: until
 * sk_udp_session_unqueue, which needs an interval), interval_ms between
 * one copy and the next, and after the last when more input may follow.
 * Sending starts at once, possibly inside this call (on_sent, on_drained
 * and on_end included).  Returns 0, -EBUSY when a datagram is still
 * queued, -EMSGSIZE when too large for the socket's family, -EINVAL for
 * endless copies without an interval, -EPIPE after
 * sk_udp_session_input_end or the end, or -ENOMEM. */
int sk_udp_session_queue(struct sk_udp_session *s, const struct sockaddr *to,
			 socklen_t tolen, const uint8_t *p, size_t n,
			 uint64_t repeat, uint64_t interval_ms);

/* Copies of the queued datagram still to send (UINT64_MAX: endless), 0
 * when none is queued. */
uint64_t sk_udp_session_queued(const struct sk_udp_session *s);

/* Drops the queued datagram's copies not sent yet; on_drained is not
 * called.  Returns whether one was queued. */
bool sk_udp_session_unqueue(struct sk_udp_session *s);

/* Nothing more will be queued: what follows is as opts says. */
void sk_udp_session_input_end(struct sk_udp_session *s);

/* Datagrams read from a file descriptor (stdin), as they come. */
struct sk_udp_feed {
	int fd;	    /* not closed by the session */
	bool whole; /* all of it one datagram; else one per line, its line
		     * ending (LF or CRLF) removed */
	bool hex;   /* the text is hex (sk_hex_decode) */
	uint64_t repeat, interval_ms; /* as sk_udp_session_queue takes them */
};

/* Why a feed failed. */
struct sk_udp_input_error {
	uint64_t line; /* the line (1, 2, ...); 0 for the whole input */
	int code;      /* SK_EBADHEX, -EMSGSIZE, -ENOMEM or the read error */
	size_t offset; /* SK_EBADHEX: where the text stops being hex */
	size_t size;   /* -EMSGSIZE: the size on the wire; 0 when only
			* "over the maximum" is known (a line cut by the
			* reader) */
};

/* Queues what f->fd holds to `to`, one datagram after the other (the
 * reading pauses while one is queued), and ends the input at its end.
 * A bad or too large datagram ends the session (SK_UDP_SESSION_INPUT).
 * Returns 0, -EBUSY when something is queued or fed already, or the
 * error of opening the reader (sockit/fdio.h). */
int sk_udp_session_feed(struct sk_udp_session *s, const struct sk_udp_feed *f,
			const struct sockaddr *to, socklen_t tolen);

/* What went wrong with the feed (meaningful after SK_UDP_SESSION_INPUT). */
const struct sk_udp_input_error *
sk_udp_session_input_error(const struct sk_udp_session *s);

/* Ends the session without on_end: receiving, sending and timers stop. */
void sk_udp_session_stop(struct sk_udp_session *s);

/* Stops the session, closes the socket and frees s through the loop: run
 * the loop once more before uv_loop_close. */
void sk_udp_session_free(struct sk_udp_session *s);

#endif
