#include <criterion/criterion.h>
#include <string.h>

#include "sockit/hexdump.h"

/* Expected texts are what `hexdump -C` (bsdextrautils) prints. */
struct dump_case {
	const char *name;
	const uint8_t *in;
	size_t n;
	const char *expected;
};

static const uint8_t hello[] = "Hello\n";
static const uint8_t zeros[48];
static const uint8_t seventeen[] = "0123456789abcdefX";
static uint8_t ramp[40];

static const struct dump_case cases[] = {
	{ "short", hello, 6,
	  "00000000  48 65 6c 6c 6f 0a                                 |Hello.|\n"
	  "00000006\n" },
	{ "squeezed", zeros, 48,
	  "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n"
	  "*\n"
	  "00000030\n" },
	{ "seventeen", seventeen, 17,
	  "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"
	  "00000010  58                                                |X|\n"
	  "00000011\n" },
	{ "ramp", ramp, 40,
	  "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n"
	  "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|\n"
	  "00000020  20 21 22 23 24 25 26 27                           | !\"#$%&'|\n"
	  "00000028\n" },
	{ "empty", hello, 0, "" },
};

Test(hexdump, matches_hexdump_C)
{
	for (int i = 0; i < 40; i++)
		ramp[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char out[SK_HEXDUMP_SIZE(64)];
		size_t len = sk_hexdump(cases[i].in, cases[i].n, 0, out, sizeof out);
		cr_expect_str_eq(out, cases[i].expected, "%s", cases[i].name);
		cr_expect_eq(len, strlen(cases[i].expected), "%s", cases[i].name);
	}
}

Test(hexdump, base_offset_shifts_the_column)
{
	char out[SK_HEXDUMP_SIZE(6)];
	sk_hexdump(hello, 6, 0x100, out, sizeof out);
	cr_expect(strncmp(out, "00000100  48", 12) == 0, "%s", out);
	cr_expect(strstr(out, "\n00000106\n"));
}

Test(hexdump, small_buffers_truncate_safely_and_report_the_need)
{
	char full[SK_HEXDUMP_SIZE(48)];
	size_t need = sk_hexdump(zeros, 48, 0, full, sizeof full);
	for (size_t cap = 0; cap <= need + 1; cap++) {
		char out[256];
		memset(out, 'Z', sizeof out);
		cr_expect_eq(sk_hexdump(zeros, 48, 0, out, cap), need);
		if (cap) {
			cr_expect_eq(strlen(out), cap - 1 < need ? cap - 1 : need);
			cr_expect_eq(strncmp(out, full, strlen(out)), 0);
		}
		cr_expect_eq(out[cap < need + 1 ? cap : need + 1], 'Z', "cap %zu", cap);
	}
}

Test(hexdump, size_macro_is_enough_for_any_length)
{
	static uint8_t buf[1000];
	for (size_t n = 0; n < sizeof buf; n += 7) {
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)(i * 31);
		static char out[SK_HEXDUMP_SIZE(1000)];
		cr_assert_lt(sk_hexdump(buf, n, 0xfffffff0, out, SK_HEXDUMP_SIZE(n)),
			     SK_HEXDUMP_SIZE(n));
	}
}
