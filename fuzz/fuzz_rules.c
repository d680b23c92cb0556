/* libFuzzer: the rules-file parser and the reply renderer.  The input is
 * rules text, a NUL byte, then a message: whatever parses is asked to answer
 * the message, with the reply bounded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/console.h"
#include "sockit/error.h"
#include "sockit/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	const uint8_t *nul = memchr(data, 0, size);
	size_t rules_len = nul ? (size_t)(nul - data) : size;
	const uint8_t *msg = nul ? nul + 1 : data;
	size_t msg_len = nul ? size - rules_len - 1 : size;

	/* Exact-size copy, so ASan sees any read past the rules text. */
	char *text = malloc(rules_len ? rules_len : 1);
	memcpy(text, data, rules_len);
	struct sk_rules *r = sk_rules_new();
	char err[SK_ERRLEN];
	int n = sk_rules_parse(r, text, rules_len, err);
	if (n >= 0 && (size_t)n != sk_rules_count(r))
		abort();
	if (n < 0 && (sk_rules_count(r) != 0 || !memchr(err, 0, SK_ERRLEN)))
		abort();
	struct sk_str out = { .max = 1 << 16 };
	struct sk_rule_ctx ctx = { .peer = "[::1]:5400", .counter = 1, .now = 0 };
	int rc = sk_rules_respond(r, msg, msg_len, &ctx, &out);
	if (rc > (int)sk_rules_count(r) || out.len > out.max)
		abort();
	sk_str_free(&out);
	sk_rules_free(r);
	free(text);

	struct sk_console_cmd cmd;
	char *line = malloc(msg_len ? msg_len : 1);
	memcpy(line, msg, msg_len);
	if (sk_console_parse(line, msg_len, &cmd, err) == 0 && cmd.kind == SK_CONSOLE_SEND &&
	    (cmd.data < line || cmd.data + cmd.len > line + msg_len))
		abort();
	free(line);
	return 0;
}
