#include <criterion/criterion.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/responder.h"

static struct sk_rules *rules_of(const char *text)
{
	struct sk_rules *r = sk_rules_new();
	char err[SK_ERRLEN];
	cr_assert_geq(sk_rules_parse(r, text, strlen(text), err), 0, "%s", err);
	return r;
}

Test(responder, echo_keeps_the_message_and_appends_apart)
{
	struct sk_append a;
	cr_assert_eq(sk_append_parse("crc16-modbus", &a, NULL), 0);
	struct sk_responder r = { .echo = true, .append = &a };
	const uint8_t msg[] = "123456789";
	struct sk_response out;
	cr_assert_eq(sk_respond(&r, msg, 9, "", 0, 0, &out), 1);
	cr_expect_eq(out.p, msg, "an echo points into the message");
	cr_expect_eq(out.n, 9);
	cr_expect_eq(out.sn, 2);
	cr_expect_arr_eq(out.suffix, "\x37\x4B", 2);
	cr_expect_eq(r.counter, 1);
	sk_response_free(&out);
}

Test(responder, rules_answer_with_macros_and_suffix)
{
	struct sk_rules *rules =
	    rules_of("exact ping => pong #{{counter}} to {{peer}}\n");
	struct sk_append a;
	cr_assert_eq(sk_append_parse("\\r\\n", &a, NULL), 0);
	struct sk_responder r = { .rules = rules, .append = &a, .echo = true };
	struct sk_response out;
	cr_assert_eq(sk_respond(&r, (const uint8_t *)"ping\n", 5, "127.0.0.1:9",
				0, 0, &out),
		     1);
	cr_expect_eq(out.n, strlen("pong #1 to 127.0.0.1:9"));
	cr_expect_arr_eq(out.p, "pong #1 to 127.0.0.1:9", out.n);
	cr_expect_eq(out.sn, 2);
	cr_expect_arr_eq(out.suffix, "\r\n", 2);
	sk_response_free(&out);
	/* No rule matches: no answer, even with echo set (rules decide). */
	cr_expect_eq(
	    sk_respond(&r, (const uint8_t *)"other", 5, "x", 0, 0, &out), 0);
	sk_response_free(&out);
	cr_assert_eq(
	    sk_respond(&r, (const uint8_t *)"ping", 4, "x", 0, 0, &out), 1);
	cr_expect_arr_eq(out.p, "pong #3", 7,
			 "the counter counts every message");
	sk_response_free(&out);
	sk_rules_free(rules);
}

Test(responder, empty_reply_swallows_and_nothing_configured_answers_nothing)
{
	struct sk_rules *rules = rules_of("prefix quiet =>\n");
	struct sk_responder r = { .rules = rules };
	struct sk_response out;
	cr_expect_eq(sk_respond(&r, (const uint8_t *)"quiet please", 12, "x", 0,
				0, &out),
		     0);
	sk_response_free(&out);
	struct sk_responder none = { 0 };
	cr_expect_eq(
	    sk_respond(&none, (const uint8_t *)"hi", 2, "x", 0, 0, &out), 0);
	cr_expect_eq(none.counter, 1);
	sk_response_free(&out);
	sk_rules_free(rules);
}

Test(responder, reply_past_its_bound_is_an_error)
{
	struct sk_rules *rules =
	    rules_of("any => a reply longer than ten bytes\n");
	struct sk_responder r = { .rules = rules };
	struct sk_response out;
	cr_expect_eq(sk_respond(&r, (const uint8_t *)"x", 1, "x", 0, 10, &out),
		     SK_ELIMIT);
	sk_response_free(&out);
	sk_rules_free(rules);
}
