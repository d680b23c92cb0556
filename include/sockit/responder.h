/* The auto-responder: "a message came in; what goes back?"  One place for
 * what udp listen, udp chat and the TCP server engine (and the relay's
 * message mode) assemble: the rules' reply (or the message itself, for
 * echo), then the appended checksum or suffix.
 *
 * Pure: no I/O.  The caller receives, calls sk_respond, sends what it
 * gets back, and frees it:
 *     struct sk_responder r = { .rules = rules, .append = append };
 *     struct sk_response out;
 *     if (sk_respond(&r, msg, len, "127.0.0.1:5000", time(NULL), max, &out) >
 * 0) send out.p[0..out.n) then out.suffix[0..out.sn) sk_response_free(&out);
 */
#ifndef SOCKIT_RESPONDER_H
#define SOCKIT_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sockit/append.h"
#include "sockit/output.h"
#include "sockit/rules.h"

/* Fill it in; counter is the responder's own (messages seen so far). */
struct sk_responder {
	struct sk_rules *rules; /* NULL: no rules; not owned */
	bool echo;		/* without rules: answer with the message */
	const struct sk_append *append; /* NULL: nothing appended */
	uint64_t counter; /* {{counter}}: 1 for the first message */
};

/* One answer: the body p[0..n), then suffix[0..sn).  p points into the
 * message (echo: valid as long as it is) or into buf (a rule's reply). */
struct sk_response {
	const uint8_t *p;
	size_t n;
	uint8_t suffix[SK_APPEND_MAX];
	size_t sn;
	struct sk_str buf; /* owned: sk_response_free */
};

/* Counts the message msg[0..len) from peer (text, for {{peer}}; may be ""
 * when there are no rules) received at now, and builds the answer: the
 * first matching rule's reply, or with no rules and echo the message, plus
 * the append suffix computed over the body.  max bounds a rule's reply
 * (0: the sk_str default).  An empty reply (a rule that swallows the
 * message) is no answer.  Returns 1 with *out filled, 0 for no answer, or
 * SK_ELIMIT / -ENOMEM; *out is valid to free either way. */
int sk_respond(struct sk_responder *r, const uint8_t *msg, size_t len,
	       const char *peer, time_t now, size_t max,
	       struct sk_response *out);

/* Frees what sk_respond allocated (a rule's reply). */
void sk_response_free(struct sk_response *out);

#endif
