/* Auto-response rules: "when a message looks like this, answer that".
 *
 * Pure and I/O-free (sk_rules_load aside, which reads a rules file): the
 * caller hands in the bytes it received and gets the reply bytes back;
 * sending them is the caller's job.  The rules-file format
 * is documented in docs/RULES.md; in short, one rule per line:
 *
 *     KIND PATTERN => REPLY
 *
 * with KIND one of exact, prefix, contains, regex, hex, any.  Rules are tried
 * in file order and the first match answers.  REPLY is text in the data
 * notation (C escapes) with {{time}} {{counter}} {{peer}} {{len}} and regex
 * captures {{0}}..{{9}}, or "hex:" followed by hex bytes.
 *
 * How the commands use it: `udp listen` and `udp chat` call
 * sk_rules_respond once per datagram; TCP (`tcp listen --reply/--rules`)
 * calls it once per message it frames (a line, or a read when it does not
 * frame), with its own counter and peer name.  `--reply TEXT` is
 * sk_rules_add(r, SK_MATCH_ANY, NULL, TEXT): one catch-all rule.
 */
#ifndef SOCKIT_RULES_H
#define SOCKIT_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sockit/output.h"

enum sk_match_kind {
	SK_MATCH_ANY,      /* every message */
	SK_MATCH_EXACT,    /* the whole message, one line ending ignored */
	SK_MATCH_PREFIX,   /* the message starts with the pattern */
	SK_MATCH_CONTAINS, /* the pattern occurs anywhere */
	SK_MATCH_REGEX,    /* POSIX extended regex, searched anywhere */
	SK_MATCH_HEX,      /* exactly these bytes (no line ending stripped) */
};

/* Limits: a rules file past these is refused, never silently cut. */
#define SK_RULES_MAX 4096          /* rules in one set */
#define SK_RULES_FILE_MAX (1 << 20) /* bytes of rules text */
#define SK_RULES_LINE_MAX 8192     /* characters in one rule line */

struct sk_rules; /* opaque; owned by the caller, freed with sk_rules_free */

/* What the macros expand to for one message.  peer is the sender as text
 * ("127.0.0.1:40112"); counter is the caller's message number (commands
 * pass 1 for the first message received); now is the wall-clock time
 * ({{time}} prints it as UTC ISO 8601, "2026-11-25T11:31:22Z"). */
struct sk_rule_ctx {
	const char *peer;
	uint64_t counter;
	time_t now;
};

/* Returns an empty rule set, or NULL when out of memory. */
struct sk_rules *sk_rules_new(void);

void sk_rules_free(struct sk_rules *r);

/* Number of rules in the set. */
size_t sk_rules_count(const struct sk_rules *r);

/* Appends one rule.  pattern is as written in a rules file for kind (C
 * escapes for exact/prefix/contains, an ERE for regex, hex bytes for hex,
 * ignored for any); reply is a reply template as in a rules file.
 * Returns 0, or SK_EBADRULE / SK_EBADESCAPE / SK_EBADHEX / SK_ELIMIT /
 * -ENOMEM with err (SK_ERRLEN, may be NULL) saying what is wrong. */
int sk_rules_add(struct sk_rules *r, enum sk_match_kind kind,
		 const char *pattern, const char *reply, char *err);

/* Parses a whole rules file (text, len bytes; need not be NUL-terminated)
 * and appends its rules.  On error nothing is appended and err starts with
 * "line N: ".  Returns the number of rules added or a negative code. */
int sk_rules_parse(struct sk_rules *r, const char *text, size_t len,
		   char *err);

/* Reads the rules file at path (at most SK_RULES_FILE_MAX bytes) and
 * parses it as sk_rules_parse does.  Returns the number of rules added (0
 * for a file without any) or a negative code, err starting with the path
 * ("r.rules: line 3: ...", "r.rules: No such file or directory"). */
int sk_rules_load(struct sk_rules *r, const char *path, char *err);

/* Finds the first rule matching msg[0..len) and renders its reply into
 * out (appended; out->max bounds it).  Returns the rule's index + 1 when a
 * rule matched (the reply may be empty: a rule can swallow a message),
 * 0 when none did, or SK_ELIMIT / -ENOMEM. */
int sk_rules_respond(const struct sk_rules *r, const uint8_t *msg,
		     size_t len, const struct sk_rule_ctx *ctx,
		     struct sk_str *out);

/* Parses the name of a match kind ("regex"); returns 0 or SK_EBADRULE. */
int sk_match_kind_parse(const char *name, size_t len,
			enum sk_match_kind *out);

#endif
