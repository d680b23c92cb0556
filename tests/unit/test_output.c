#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/output.h"

struct json_case {
	const char *in;
	size_t n;
	const char *out;
};

static const struct json_case cases[] = {
	{ "plain", 5, "\"plain\"" },
	{ "q\"b\\", 4, "\"q\\\"b\\\\\"" },
	{ "\r\n\t", 3, "\"\\r\\n\\t\"" },
	{ "\0\x01\x1f\x7f", 4, "\"\\u0000\\u0001\\u001f\\u007f\"" },
	{ "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"" },
	{ "\xe2\x82\xac", 3, "\"\xe2\x82\xac\"" },
	{ "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"" },
	{ "\xff", 1, "\"\\u00ff\"" },
	{ "\xc3", 1, "\"\\u00c3\"" },
	{ "\xc0\xaf", 2, "\"\\u00c0\\u00af\"" },       /* overlong */
	{ "\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"" }, /* surrogate */
	{ "\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"" }, /* > U+10FFFF */
	{ "\xe2\x82", 2, "\"\\u00e2\\u0082\"" },        /* cut short */
};

Test(output, json_strings_escape_any_bytes)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct sk_str s = { 0 };
		cr_assert_eq(sk_json_string(&s, (const uint8_t *)cases[i].in, cases[i].n), 0);
		cr_expect_str_eq(s.p, cases[i].out, "case %zu", i);
		sk_str_free(&s);
	}
}

/* The escaper copies 8 plain bytes at a time: each byte that needs care,
 * at each place in and around such a word, must still be caught. */
Test(output, json_strings_escape_at_every_position)
{
	static const uint8_t specials[] = { 0, 0x1f, '"', '\\', 0x7f, 0x80, 0xc3, 0xff, ' ', '~' };
	for (size_t k = 0; k < sizeof specials * 3; k++) {
		/* Lengths with no tail, a tail, and shorter than a word. */
		size_t len = (size_t[]){ 24, 21, 5 }[k % 3];
		for (size_t at = 0; at < len; at++) {
			uint8_t in[24];
			memset(in, 'a', sizeof in);
			in[at] = specials[k / 3];
			char want[200];
			size_t w = 0;
			want[w++] = '"';
			for (size_t i = 0; i < len; i++) {
				uint8_t c = in[i];
				if (c == '"' || c == '\\')
					w += (size_t)snprintf(want + w, sizeof want - w, "\\%c", c);
				else if (c < 0x20 || c >= 0x7f)
					w += (size_t)snprintf(want + w, sizeof want - w, "\\u%04x", c);
				else
					want[w++] = (char)c;
			}
			want[w++] = '"';
			want[w] = 0;
			struct sk_str s = { 0 };
			cr_assert_eq(sk_json_string(&s, in, len), 0);
			cr_expect_str_eq(s.p, want, "byte 0x%02x at %zu of %zu", specials[k / 3], at,
					 len);
			sk_str_free(&s);
		}
	}
}

/* Near the maximum the escaper's 6-bytes-a-byte bound is not the test:
 * what the text really takes is. */
Test(output, json_string_that_fits_exactly_under_the_maximum)
{
	struct sk_str s = { .max = 12 };
	cr_expect_eq(sk_json_string(&s, (const uint8_t *)"0123456789", 10), 0);
	cr_expect_str_eq(s.p, "\"0123456789\"");
	cr_expect_eq(sk_json_string(&s, (const uint8_t *)"", 0), SK_ELIMIT);
	cr_expect_str_eq(s.p, "\"0123456789\"");
	sk_str_free(&s);
}

Test(output, raw_writers)
{
	struct sk_str s = { 0 };
	char *p = sk_str_room(&s, 64);
	cr_assert_not_null(p);
	p = sk_put_u64(p, 18446744073709551615ull);
	*p++ = ' ';
	p = sk_put_u64(p, 4294967296ull);
	*p++ = ' ';
	p = sk_put_json_string(p, (const uint8_t *)"a\"b", 3);
	sk_str_commit(&s, p);
	cr_expect_str_eq(s.p, "18446744073709551615 4294967296 \"a\\\"b\"");
	cr_expect_eq(s.len, strlen(s.p));
	struct sk_str small = { .max = 4 };
	cr_expect_null(sk_str_room(&small, 5));
	sk_str_free(&small);
	sk_str_free(&s);
}

Test(output, json_key)
{
	struct sk_str s = { 0 };
	sk_json_key(&s, "name");
	cr_expect_str_eq(s.p, "\"name\":");
	sk_str_free(&s);
}

Test(output, str_grows_and_respects_its_maximum)
{
	struct sk_str s = { .max = 10 };
	cr_expect_eq(sk_str_puts(&s, "12345"), 0);
	cr_expect_eq(sk_str_printf(&s, "%d", 678), 0);
	cr_expect_str_eq(s.p, "12345678");
	cr_expect_eq(sk_str_puts(&s, "abc"), SK_ELIMIT);
	cr_expect_str_eq(s.p, "12345678");
	cr_expect_eq(sk_str_printf(&s, "%s", "xyz"), SK_ELIMIT);
	cr_expect_eq(sk_str_puts(&s, "90"), 0);
	cr_expect_eq(s.len, 10);
	sk_str_clear(&s);
	cr_expect_str_eq(s.p, "");
	sk_str_free(&s);
	cr_expect_null(s.p);
}

Test(output, big_appends)
{
	struct sk_str s = { 0 };
	char chunk[1000];
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(sk_str_append(&s, chunk, sizeof chunk), 0);
	cr_expect_eq(s.len, 1000000);
	cr_expect_eq(strlen(s.p), 1000000);
	sk_str_free(&s);
}

Test(output, colour_modes)
{
	enum sk_color_mode m;
	cr_expect_eq(sk_color_parse("always", &m), 0);
	cr_expect(sk_color_enabled(m, false));
	cr_expect_eq(sk_color_parse("never", &m), 0);
	cr_expect_not(sk_color_enabled(m, true));
	cr_expect_eq(sk_color_parse("auto", &m), 0);
	unsetenv("NO_COLOR");
	cr_expect(sk_color_enabled(m, true));
	cr_expect_not(sk_color_enabled(m, false));
	setenv("NO_COLOR", "1", 1);
	cr_expect_not(sk_color_enabled(m, true));
	cr_expect_neq(sk_color_parse("sometimes", &m), 0);
}

Test(output, numbers_by_hand_match_printf)
{
	static const uint64_t values[] = { 0, 1, 9, 10, 99, 100, 65535, 4294967296ull,
					   UINT64_MAX };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		struct sk_str s = { 0 };
		char want[64];
		sk_str_u64(&s, values[i]);
		snprintf(want, sizeof want, "%" PRIu64, values[i]);
		cr_expect_str_eq(s.p, want);
		sk_str_clear(&s);
		sk_str_hex(&s, values[i], 4);
		snprintf(want, sizeof want, "0x%04" PRIx64, values[i]);
		cr_expect_str_eq(s.p, want);
		sk_str_free(&s);
	}
}

Test(output, pad_is_printfs_left_justify)
{
	struct sk_str s = { 0 };
	sk_str_pad(&s, "ipv4", 13);
	sk_str_pad(&s, "a-name-longer-than-its-width", 4);
	sk_str_pad(&s, "x", 60);
	char want[128];
	snprintf(want, sizeof want, "%-13s%-4s%-60s", "ipv4", "a-name-longer-than-its-width", "x");
	cr_expect_str_eq(s.p, want);
	sk_str_free(&s);
}

Test(output, appends_past_the_maximum_fail_and_keep_the_contents)
{
	struct sk_str s = { .max = 8 };
	cr_expect_eq(sk_str_puts(&s, "12345678"), 0);
	cr_expect_eq(sk_str_putc(&s, '9'), SK_ELIMIT);
	cr_expect_eq(sk_str_u64(&s, 1), SK_ELIMIT);
	cr_expect_str_eq(s.p, "12345678");
	sk_str_free(&s);
}

Test(output, utf8_len_takes_valid_sequences_only)
{
	static const struct {
		const char *bytes;
		size_t len;
		uint32_t cp;
	} seqs[] = {
		{ "A", 1, 0x41 },
		{ "\xc3\xa9", 2, 0xe9 },
		{ "\xe4\xb8\xad", 3, 0x4e2d },
		{ "\xf0\x9f\x98\x80", 4, 0x1f600 },
		{ "\xc0\x80", 0, 0 },		  /* overlong NUL */
		{ "\xe0\x80\xaf", 0, 0 },	  /* overlong '/' */
		{ "\xed\xa0\x80", 0, 0 },	  /* a surrogate */
		{ "\xf4\x90\x80\x80", 0, 0 },	  /* above U+10FFFF */
		{ "\xe4\xb8", 0, 0 },		  /* cut short */
		{ "\x80", 0, 0 },		  /* a continuation byte alone */
		{ "\xc3(", 0, 0 },
	};
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		uint32_t cp = 0;
		size_t n = strlen(seqs[i].bytes);
		size_t len = sk_utf8_len((const uint8_t *)seqs[i].bytes, n, &cp);
		cr_expect_eq(len, seqs[i].len, "case %zu: %zu", i, len);
		if (len)
			cr_expect_eq(cp, seqs[i].cp, "case %zu: U+%x", i, cp);
	}
}
