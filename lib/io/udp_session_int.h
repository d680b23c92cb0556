/* Inside the datagram session (sockit/udp_session.h): its state, shared
 * by udp_session.c (sending, answers, the end of a run) and udp_feed.c
 * (datagrams read from a file descriptor). */
#ifndef SOCKIT_LIB_IO_UDP_SESSION_INT_H
#define SOCKIT_LIB_IO_UDP_SESSION_INT_H

#include "sockit/fdio.h"
#include "sockit/output.h"
#include "sockit/responder.h"
#include "sockit/udp_session.h"

/* Datagrams read per recvmmsg call. */
#define BATCH 64
/* Copies handed to one sk_udp_send_repeat loop before the counts are
 * brought up to date. */
#define REPEAT_CHUNK (1u << 20)

struct sk_udp_session {
	uv_loop_t *loop;
	struct sk_udp *u;
	struct sk_udp_session_opts o;
	struct sk_udp_session_cbs cbs;
	void *data;
	struct sk_append append;
	struct sk_responder resp;
	struct sk_peers peers;
	struct sk_peer *last; /* the last sender with a row of its own */
	size_t max_payload;
	uint64_t sent, received;
	/* The queued datagram, suffix included, and its copies still due
	 * (forever: until unqueued). */
	uint8_t *cur;
	size_t curlen;
	struct sockaddr_storage to;
	socklen_t tolen;
	struct sk_peer *to_peer; /* NULL when the table could not grow */
	bool have, forever;
	uint64_t left, interval_ms;
	bool pausing;	  /* the interval timer runs */
	bool input_ended; /* sk_udp_session_input_end was called */
	bool waiting;	  /* the reply wait runs */
	bool stopped;
	/* sk_udp_session_feed: the input, where it goes, --whole's bytes */
	struct sk_fdin *in;
	struct sk_udp_feed feed;
	struct sockaddr_storage feed_to;
	socklen_t feed_tolen;
	struct sk_str all;
	uint64_t line;
	struct sk_udp_input_error input_err;
	uv_timer_t tick, deadline, idle;
	int open_handles; /* timers not closed yet (sk_udp_session_free) */
};

/* Ends the session (once) and reports why. */
void sk__udp_session_end(struct sk_udp_session *s, enum sk_udp_session_end why, int code);

#endif
