/* Rules, then the appended suffix: the one way an answer is assembled.
 * The suffix is kept apart from the body so an echo never copies the
 * message (datagram senders pass both as an iovec). */
#include "sockit/responder.h"

#include <string.h>

int sk_respond(struct sk_responder *r, const uint8_t *msg, size_t len,
	       const char *peer, time_t now, size_t max,
	       struct sk_response *out)
{
	memset(out, 0, sizeof *out);
	out->buf.max = max;
	r->counter++;
	if (r->rules) {
		struct sk_rule_ctx ctx = { .peer = peer,
					   .counter = r->counter,
					   .now = now };
		int rc = sk_rules_respond(r->rules, msg, len, &ctx, &out->buf);
		if (rc <= 0 || out->buf.len == 0)
			return rc < 0 ? rc : 0;
		out->p = (const uint8_t *)out->buf.p;
		out->n = out->buf.len;
	} else if (r->echo) {
		out->p = msg;
		out->n = len;
	} else {
		return 0;
	}
	if (r->append)
		out->sn =
		    sk_append_suffix(r->append, out->p, out->n, out->suffix);
	return 1;
}

void sk_response_free(struct sk_response *out)
{
	sk_str_free(&out->buf);
	out->p = NULL;
	out->n = out->sn = 0;
}
