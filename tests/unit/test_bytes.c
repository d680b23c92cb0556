#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/bytes.h"
#include "sockit/error.h"

struct text_case {
	const char *in;
	const char *out;
	size_t out_len;
	int err_off; /* -1: valid */
};

static const struct text_case texts[] = {
	{ "hello", "hello", 5, -1 },
	{ "a\\r\\nb", "a\r\nb", 4, -1 },
	{ "\\t\\0\\\\", "\t\0\\", 3, -1 },
	{ "\\x41\\x4a\\xff", "AJ\xff", 3, -1 },
	{ "\\x4A", "J", 1, -1 },
	{ "", "", 0, -1 },
	{ "abc\\", NULL, 0, 3 },
	{ "\\q", NULL, 0, 0 },
	{ "x\\x4", NULL, 0, 1 },
	{ "x\\x", NULL, 0, 1 },
	{ "\\xg1", NULL, 0, 0 },
	{ "\\x1g", NULL, 0, 0 },
	{ "ok\\n\\z", NULL, 0, 4 },
};

Test(bytes, unescape_table)
{
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		const struct text_case *t = &texts[i];
		uint8_t out[64];
		size_t bad = 999;
		int n = sk_unescape(t->in, strlen(t->in), out, &bad);
		if (t->err_off < 0) {
			cr_expect_eq(n, (int)t->out_len, "%s", t->in);
			cr_expect_eq(memcmp(out, t->out, t->out_len), 0, "%s", t->in);
		} else {
			cr_expect_eq(n, SK_EBADESCAPE, "%s", t->in);
			cr_expect_eq(bad, (size_t)t->err_off, "%s: offset %zu", t->in, bad);
		}
	}
}

struct hex_case {
	const char *in;
	const char *out;
	size_t out_len;
	int err_off;
};

static const struct hex_case hexes[] = {
	{ "48656c", "Hel", 3, -1 },
	{ "48 65 6c", "Hel", 3, -1 },
	{ "0x48,0x65", "He", 2, -1 },
	{ "0x4,0xA", "\x04\x0a", 2, -1 },
	{ "48:65:6C", "Hel", 3, -1 },
	{ "  48\n65\t", "He", 2, -1 },
	{ "DEADbeef", "\xde\xad\xbe\xef", 4, -1 },
	{ "", "", 0, -1 },
	{ "486", NULL, 0, 0 },
	{ "48 6", NULL, 0, 3 },
	{ "4g", NULL, 0, 1 },
	{ "zz", NULL, 0, 0 },
	{ "0x", NULL, 0, 0 },
	{ "0x123", NULL, 0, 4 },
	{ "0xzz", NULL, 0, 2 },
	{ "48 65,xx", NULL, 0, 6 },
};

Test(bytes, hex_decode_table)
{
	for (size_t i = 0; i < sizeof hexes / sizeof *hexes; i++) {
		const struct hex_case *h = &hexes[i];
		uint8_t out[64];
		size_t bad = 999;
		int n = sk_hex_decode(h->in, strlen(h->in), out, &bad);
		if (h->err_off < 0) {
			cr_expect_eq(n, (int)h->out_len, "'%s' gave %d", h->in, n);
			cr_expect_eq(memcmp(out, h->out, h->out_len), 0, "%s", h->in);
		} else {
			cr_expect_eq(n, SK_EBADHEX, "'%s'", h->in);
			cr_expect_eq(bad, (size_t)h->err_off, "'%s': offset %zu", h->in, bad);
		}
	}
}

Test(bytes, every_prefix_of_escaped_text_decodes_or_names_an_offset)
{
	const char *full = "a\\x41\\r\\n\\\\z";
	for (size_t n = 0; n <= strlen(full); n++) {
		uint8_t out[32];
		size_t bad = 999;
		int rc = sk_unescape(full, n, out, &bad);
		cr_expect(rc >= 0 || (rc == SK_EBADESCAPE && bad < n), "prefix %zu", n);
	}
}

Test(bytes, escape_round_trips_every_byte)
{
	uint8_t all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	char text[4 * 256 + 1];
	size_t len = sk_escape(all, 256, text, sizeof text);
	cr_assert_eq(strlen(text), len);
	uint8_t back[256 * 4];
	cr_assert_eq(sk_unescape(text, len, back, NULL), 256);
	cr_expect_eq(memcmp(back, all, 256), 0);
}

Test(bytes, escape_names_the_usual_controls)
{
	char out[64];
	sk_escape((const uint8_t *)"a\r\n\t\\\0\x7f\x80", 8, out, sizeof out);
	cr_expect_str_eq(out, "a\\r\\n\\t\\\\\\0\\x7f\\x80");
}

Test(bytes, escape_and_hex_encode_truncate_like_snprintf)
{
	char out[4];
	cr_expect_eq(sk_escape((const uint8_t *)"\x01\x02", 2, out, sizeof out), 8);
	cr_expect_str_eq(out, "\\x0");
	cr_expect_eq(sk_hex_encode((const uint8_t *)"\xab\xcd", 2, out, sizeof out), 4);
	cr_expect_str_eq(out, "abc");
	cr_expect_eq(sk_hex_encode((const uint8_t *)"", 0, out, 0), 0);
}

Test(bytes, text_decode_modes)
{
	uint8_t *out;
	size_t bad = 99;
	cr_assert_eq(sk_text_decode("a\\x41\\n", 7, SK_TEXT_ESCAPES, &out, &bad), 3);
	cr_assert_arr_eq(out, "aA\n", 3);
	free(out);
	cr_assert_eq(sk_text_decode("a\\x41", 5, SK_TEXT_RAW, &out, &bad), 5);
	cr_assert_arr_eq(out, "a\\x41", 5);
	free(out);
	cr_assert_eq(sk_text_decode("48 0x65,6c6c", 12, SK_TEXT_HEX, &out, &bad), 4);
	cr_assert_arr_eq(out, "Hell", 4);
	free(out);
	cr_assert_eq(sk_text_decode("", 0, SK_TEXT_ESCAPES, &out, NULL), 0);
	cr_assert_not_null(out);
	free(out);
	cr_assert_eq(bad, 99, "a good decode leaves the offset alone");
}

Test(bytes, text_decode_errors)
{
	uint8_t *out = (uint8_t *)"x";
	size_t bad = 0;
	cr_assert_eq(sk_text_decode("ab\\q", 4, SK_TEXT_ESCAPES, &out, &bad), SK_EBADESCAPE);
	cr_assert_eq(bad, 2);
	cr_assert_null(out);
	cr_assert_eq(sk_text_decode("48 6", 4, SK_TEXT_HEX, &out, &bad), SK_EBADHEX);
	cr_assert_eq(bad, 3);
	cr_assert_null(out);
	cr_assert_eq(sk_text_decode("\\", 1, SK_TEXT_ESCAPES, &out, NULL), SK_EBADESCAPE);
	cr_assert_null(out);
}
