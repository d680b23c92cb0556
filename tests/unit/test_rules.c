#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/rules.h"

static const char *respond(struct sk_rules *r, const char *msg, size_t len,
			   int *which, struct sk_str *out)
{
	struct sk_rule_ctx ctx = { .peer = "127.0.0.1:4000", .counter = 7, .now = 1764070282 };
	sk_str_clear(out);
	*which = sk_rules_respond(r, (const uint8_t *)msg, len, &ctx, out);
	return out->p ? out->p : "";
}

struct match_case {
	const char *rules;
	const char *msg;
	int which;          /* rule index + 1, 0 none */
	const char *reply;
	size_t len; /* message length when it holds NUL bytes, else 0 */
};

static const struct match_case match_cases[] = {
	{ "exact PING => PONG", "PING", 1, "PONG", 0 },
	{ "exact PING => PONG", "PING\n", 1, "PONG", 0 },
	{ "exact PING => PONG", "PING\r\n", 1, "PONG", 0 },
	{ "exact PING => PONG", "PINGX", 0, NULL, 0 },
	{ "exact PING => PONG", "PIN", 0, NULL, 0 },
	{ "exact PING\\n => with-lf", "PING\n", 1, "with-lf", 0 },
	{ "exact => empty", "", 1, "empty", 0 },
	{ "prefix GET\\x20 => ok", "GET /", 1, "ok", 0 },
	{ "prefix GET\\x20 => ok", "GET", 0, NULL, 0 },
	{ "contains lo\\x20w => yes", "hello world", 1, "yes", 0 },
	{ "contains lo\\x20w => yes", "hello", 0, NULL, 0 },
	{ "regex ^SET ([a-z]+)=(.*)$ => OK {{1}} is {{2}}", "SET key=va lue\n", 1, "OK key is va lue", 0 },
	{ "regex ^SET ([a-z]+)=(.*)$ => {{0}}", "SET a=b", 1, "SET a=b", 0 },
	{ "regex [0-9]+ => n={{0}}", "abc 123 def", 1, "n=123", 0 },
	{ "regex ^x$ => x", "y", 0, NULL, 0 },
	{ "hex 01 03 00 00 => hex:01 83 02", "\x01\x03\x00\x00", 1, "\x01\x83\x02", 4 },
	{ "hex 01 03 00 00 => hex:01 83 02", "\x01\x03\x00", 0, NULL, 3 },
	{ "any => all", "whatever", 1, "all", 0 },
	{ "exact a => 1\nexact b => 2\nany => 3", "b", 2, "2", 0 },
	{ "exact a => 1\nexact b => 2\nany => 3", "c", 3, "3", 0 },
	{ "# comment\n\n  exact a => 1  \r\n", "a", 1, "1", 0 },
	{ "exact a =>", "a", 1, "", 0 },
	{ "any => {{len}} bytes from {{peer}} #{{counter}}", "hello\n", 1, "6 bytes from 127.0.0.1:4000 #7", 0 },
	{ "any => at {{time}}", "x", 1, "at 2025-11-25T11:31:22Z", 0 },
	{ "any => a\\r\\nb\\x00c", "x", 1, "a\r\nb", 0 },
	{ "exact a=>b => c", "a=>b", 1, "c", 0 },
	{ "any => {\\x7b", "x", 1, "{{", 0 },
};

Test(rules, match_table)
{
	for (size_t i = 0; i < sizeof match_cases / sizeof match_cases[0]; i++) {
		const struct match_case *c = &match_cases[i];
		struct sk_rules *r = sk_rules_new();
		char err[SK_ERRLEN] = "";
		int n = sk_rules_parse(r, c->rules, strlen(c->rules), err);
		cr_assert_geq(n, 1, "case %zu: %s", i, err);
		struct sk_str out = { 0 };
		int which;
		const char *reply = respond(r, c->msg, c->len ? c->len : strlen(c->msg), &which, &out);
		cr_expect_eq(which, c->which, "case %zu: rule %d", i, which);
		if (c->reply)
			cr_expect_str_eq(reply, c->reply, "case %zu", i);
		sk_str_free(&out);
		sk_rules_free(r);
	}
}

Test(rules, binary_bytes_and_nul_in_regex_input)
{
	struct sk_rules *r = sk_rules_new();
	cr_assert_eq(sk_rules_add(r, SK_MATCH_REGEX, "b(.)d$", "got {{1}} of {{len}}", NULL), 0);
	struct sk_str out = { 0 };
	int which;
	const char msg[] = "a\0bcd";
	respond(r, msg, 5, &which, &out);
	cr_expect_eq(which, 1);
	cr_expect_eq(out.len, strlen("got c of 5"));
	cr_expect_str_eq(out.p, "got c of 5");
	/* The reply may carry a NUL byte: lengths, not strlen. */
	sk_rules_free(r);
	r = sk_rules_new();
	cr_assert_eq(sk_rules_add(r, SK_MATCH_CONTAINS, "\\x00", "hex:00 ff 00", NULL), 0);
	respond(r, msg, 5, &which, &out);
	cr_expect_eq(which, 1);
	cr_expect_eq(out.len, 3);
	cr_expect_eq(memcmp(out.p, "\0\xff\0", 3), 0);
	sk_str_free(&out);
	sk_rules_free(r);
}

Test(rules, reply_catch_all_is_one_any_rule)
{
	struct sk_rules *r = sk_rules_new();
	cr_assert_eq(sk_rules_add(r, SK_MATCH_ANY, NULL, "ACK\\n", NULL), 0);
	cr_expect_eq(sk_rules_count(r), 1);
	struct sk_str out = { 0 };
	int which;
	cr_expect_str_eq(respond(r, "", 0, &which, &out), "ACK\n");
	cr_expect_eq(which, 1);
	sk_str_free(&out);
	sk_rules_free(r);
}

struct bad_case {
	const char *rules;
	int code;
	const char *needle;
};

static const struct bad_case bad_cases[] = {
	{ "exakt a => b", SK_EBADRULE, "line 1: unknown kind 'exakt'" },
	{ "\n\nexact a b", SK_EBADRULE, "line 3: missing ' => REPLY'" },
	{ "prefix => b", SK_EBADRULE, "missing pattern" },
	{ "any x => b", SK_EBADRULE, "'any' takes no pattern" },
	{ "regex ([a-z] => b", SK_EBADRULE, "regex '([a-z]'" },
	{ "regex (a) => {{2}}", SK_EBADRULE, "{{2}}: the regex has 1 group" },
	{ "exact a => {{1}}", SK_EBADRULE, "{{1}} needs a regex rule" },
	{ "exact a => {{nope}}", SK_EBADRULE, "unknown macro {{nope}}" },
	{ "exact a => {{time", SK_EBADRULE, "without '}}'" },
	{ "exact \\q => b", SK_EBADESCAPE, "pattern at '\\\\q'" },
	{ "exact a => b\\x4", SK_EBADESCAPE, "reply at" },
	{ "hex 0g => b", SK_EBADHEX, "pattern at" },
	{ "hex => b", SK_EBADRULE, "missing pattern" },
	{ "exact a => hex:zz", SK_EBADHEX, "reply at 'zz'" },
};

Test(rules, bad_rules_name_the_line_and_add_nothing)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct sk_rules *r = sk_rules_new();
		char good[] = "exact ok => fine\n";
		cr_assert_eq(sk_rules_parse(r, good, strlen(good), NULL), 1);
		char err[SK_ERRLEN] = "";
		int rc = sk_rules_parse(r, c->rules, strlen(c->rules), err);
		cr_expect_eq(rc, c->code, "case %zu: rc %d (%s)", i, rc, err);
		cr_expect(strstr(err, c->needle) != NULL, "case %zu: '%s' lacks '%s'", i, err, c->needle);
		cr_expect(strchr(err, '\n') == NULL);
		cr_expect_eq(sk_rules_count(r), 1, "case %zu", i);
		sk_rules_free(r);
	}
}

Test(rules, limits)
{
	struct sk_rules *r = sk_rules_new();
	char err[SK_ERRLEN];
	size_t big = SK_RULES_LINE_MAX + 10;
	char *line = malloc(big + 1);
	memcpy(line, "exact ", 6);
	memset(line + 6, 'a', big - 6);
	line[big] = 0;
	cr_expect_eq(sk_rules_parse(r, line, big, err), SK_ELIMIT);
	free(line);
	cr_expect_eq(sk_rules_parse(r, "x", SK_RULES_FILE_MAX + 1, err), SK_ELIMIT);
	for (int i = 0; i < SK_RULES_MAX; i++)
		cr_assert_eq(sk_rules_add(r, SK_MATCH_ANY, NULL, "x", NULL), 0);
	cr_expect_eq(sk_rules_add(r, SK_MATCH_ANY, NULL, "x", err), SK_ELIMIT);
	sk_rules_free(r);
}

Test(rules, reply_bounded_by_out_max_and_never_half_written)
{
	struct sk_rules *r = sk_rules_new();
	cr_assert_eq(sk_rules_add(r, SK_MATCH_ANY, NULL, "0123456789{{peer}}", NULL), 0);
	struct sk_str out = { .max = 12 };
	struct sk_rule_ctx ctx = { .peer = "127.0.0.1:4000" };
	cr_expect_eq(sk_rules_respond(r, (const uint8_t *)"x", 1, &ctx, &out), SK_ELIMIT);
	cr_expect_eq(out.len, 0);
	sk_str_free(&out);
	sk_rules_free(r);
}

Test(rules, every_prefix_of_a_rules_file_parses_or_fails_cleanly)
{
	const char text[] = "exact PING => PONG\nregex ^(a+)b => {{1}}\nhex 01 02 => hex:03\nany => {{counter}}\n";
	for (size_t n = 0; n <= sizeof text - 1; n++) {
		struct sk_rules *r = sk_rules_new();
		char err[SK_ERRLEN] = "";
		int rc = sk_rules_parse(r, text, n, err);
		if (rc < 0)
			cr_expect(strncmp(err, "line ", 5) == 0, "prefix %zu: %s", n, err);
		else
			cr_expect_eq((size_t)rc, sk_rules_count(r));
		sk_rules_free(r);
	}
}

Test(rules, kind_names)
{
	enum sk_match_kind k;
	cr_expect_eq(sk_match_kind_parse("regex", 5, &k), 0);
	cr_expect_eq(k, SK_MATCH_REGEX);
	cr_expect_eq(sk_match_kind_parse("rege", 4, &k), SK_EBADRULE);
}

Test(rules, regex_that_would_blow_up_regcomp_is_refused)
{
	/* Found by fuzz_rules: glibc's regcomp needed over 2 GB for this. */
	static const char *const refused[] = {
		"^S+++++++++++++++++++++++++++++ET",
		"a**",
		"a{2}+",
		"(a{255}){255}",
		"((a{30}){30}){30}",
		"([0-9]{1,100}){1,300}",
	};
	static const char *const accepted[] = {
		"^SET ([a-z]+)=(.*)$",
		"[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
		"([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}",
		"[[:alpha:]]+[]a]*\\+\\{",
		"a{255}",
		"x|y|z",
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		struct sk_rules *r = sk_rules_new();
		char err[SK_ERRLEN] = "";
		cr_expect_eq(sk_rules_add(r, SK_MATCH_REGEX, refused[i], "x", err), SK_EBADRULE,
			     "%s", refused[i]);
		cr_expect(strstr(err, "too complex"), "%s: %s", refused[i], err);
		sk_rules_free(r);
	}
	for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++) {
		struct sk_rules *r = sk_rules_new();
		char err[SK_ERRLEN] = "";
		cr_expect_eq(sk_rules_add(r, SK_MATCH_REGEX, accepted[i], "x", err), 0, "%s: %s",
			     accepted[i], err);
		sk_rules_free(r);
	}
}

Test(rules, load_reads_a_file_and_names_it_in_errors)
{
	char path[] = "/tmp/sockit-rules-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	const char text[] = "prefix PING => PONG\nbogus\n";
	cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)sizeof text - 1);
	close(fd);
	struct sk_rules *r = sk_rules_new();
	char err[SK_ERRLEN];
	cr_expect_eq(sk_rules_load(r, path, err), SK_EBADRULE);
	cr_expect(strncmp(err, path, strlen(path)) == 0, "%s", err);
	cr_expect(strstr(err, ": line 2: ") != NULL, "%s", err);
	cr_expect_eq(sk_rules_count(r), 0);
	cr_assert_eq(truncate(path, 20), 0); /* the first line only */
	cr_expect_eq(sk_rules_load(r, path, err), 1);
	int which;
	struct sk_str out = { 0 };
	cr_expect_str_eq(respond(r, "PING", 4, &which, &out), "PONG");
	cr_assert_eq(truncate(path, 0), 0);
	cr_expect_eq(sk_rules_load(r, path, err), 0);
	unlink(path);
	cr_expect_eq(sk_rules_load(r, path, err), -ENOENT);
	cr_expect(strstr(err, "No such file") != NULL, "%s", err);
	sk_str_free(&out);
	sk_rules_free(r);
}
