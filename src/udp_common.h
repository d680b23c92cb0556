/* What udp send, udp listen and udp chat share in the program: showing a
 * datagram, auto-responses, --stats, and turning text arguments into bytes. */
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

/* The largest payload for a socket family. */
size_t udp_max_payload(int family);

/* The run's auto-responder (sockit/responder.h): answers d from the rules
 * (or echoes it), adds --append, sends it back, counts and shows it.
 * Returns the bytes sent, 0 for no answer, or a negative code. */
int udp_respond(struct sk_responder *r, struct sk_udp *u,
		const struct sk_dgram *d, struct sk_peer *peer,
		const struct udp_show *show, const char *who, uint64_t now_ms);

/* Sends payload + --append suffix to one address.  Returns bytes or -errno. */
int udp_send_one(struct sk_udp *u, const struct sk_append *append,
		 const uint8_t *p, size_t n, const struct sockaddr *to,
		 socklen_t tolen);

/* --stats: prints the peer table on stderr, with a title line. */
void udp_stats_print(const struct sk_peers *peers, uint64_t now_ms,
		     const char *why);

/* Writes stdout and the -o file out before the loop sleeps, so that
 * bursts are written in big pieces but nothing waits for long. */
void udp_flush_start(uv_loop_t *loop, uv_prepare_t *h, FILE *extra);

/* --rcvbuf default: 8 MiB, so a burst waits in the kernel, not lost. */
#define UDP_RCVBUF_DEFAULT (8 << 20)
#define UDP_BATCH 64

#endif
