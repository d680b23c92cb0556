/* What udp send, udp listen and udp chat share in the program: showing a
 * datagram, the loop around the session, --stats, and turning text
 * arguments into bytes. */
#ifndef SOCKIT_UDP_COMMON_H
#define SOCKIT_UDP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "sockit/append.h"
#include "sockit/peers.h"
#include "sockit/responder.h"
#include "sockit/rules.h"
#include "sockit/udp.h"
#include "sockit/udp_session.h"
#include "stats_line.h"

struct udp_show {
	bool hex;     /* hexdump instead of escaped text */
	bool verbose; /* direction, length and a microsecond timestamp */
	bool timestamps; /* the timestamp alone */
	bool json;       /* one JSON object per datagram */
	bool quiet;   /* nothing per datagram */
};

/* Prints one datagram: "[WHO] text", or with -v
 * "12:00:01.123456 < [WHO] 5 bytes: text".  dir is '<' received, '>' sent.
 * size > len marks a datagram cut to len bytes. */
void udp_show(const struct udp_show *s, char dir, const char *who,
	      const uint8_t *p, size_t len, size_t size,
	      const struct timespec *ts);

/* Turns a command-line TEXT into bytes: C escapes, or hex with hex_input.
 * Exits 2 naming opt on bad input.  *out is malloc'd. */
void udp_text_bytes(const char *opt, const char *text, bool hex_input,
		    uint8_t **out, size_t *len);

/* Loads --rules FILE and --reply TEXT (either may be NULL) into a rule set
 * (the file first, --reply as the catch-all after it).  Exits 2 on error.
 * Returns NULL when neither is given. */
struct sk_rules *udp_load_rules(const char *file, const char *reply);

/* --stats: prints the peer table on stderr, with a title line. */
void udp_stats_print(const struct sk_peers *peers, uint64_t now_ms,
		     const char *why);

/* Both ends from the command line (sk_udp_ends_parse): peer HOST:PORT
 * and the local end given with option opt, either may be NULL.  Exits 2
 * (bad text) or 1 with a message naming what is wrong. */
void udp_ends(const char *peer, const char *opt, const char *local, int family,
	      struct sk_udp_ends *out);

/* The loop scaffolding the udp commands share: SIGINT and SIGTERM call
 * on_stop, SIGUSR1 prints --stats, stdout (and extra, the -o file) is
 * written out before the loop sleeps, so that bursts are written in big
 * pieces but nothing waits for long, and --stats shows a live line on a
 * terminal and the table at exit. */
struct udp_run {
	uv_loop_t loop;
	bool stats;
	struct sk_udp_session *session; /* freed by udp_run_finish */
	void (*on_stop)(void *arg);
	void *arg;
	uv_signal_t sigint, sigterm, sigusr1;
	uv_prepare_t flush;
	struct stats_line live;
};

/* Starts the signals and the flush for session on r->loop (initialised
 * before); on_stop(arg) on SIGINT and SIGTERM. */
void udp_run_start(struct udp_run *r, struct sk_udp_session *session, bool stats,
		   void (*on_stop)(void *arg), void *arg, FILE *extra);

/* --stats on a terminal: the live status line. */
void udp_run_live(struct udp_run *r);

/* Runs the loop until a uv_stop, then prints the --stats table, frees the
 * session and closes the loop. */
void udp_run(struct udp_run *r);

/* "listening on ADDR" on stderr, the socket's bound address. */
void udp_say_listening(const struct sk_udp *u);

/* --rcvbuf default: 8 MiB, so a burst waits in the kernel, not lost. */
#define UDP_RCVBUF_DEFAULT (8 << 20)

#endif
