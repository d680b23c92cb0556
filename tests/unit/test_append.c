#include <criterion/criterion.h>
#include <string.h>

#include "sockit/append.h"
#include "sockit/error.h"

static const uint8_t check[] = "123456789";

Test(append, known_check_values)
{
	cr_expect_eq(sk_crc16_modbus(check, 9), 0x4B37);
	cr_expect_eq(sk_crc32(check, 9), 0xCBF43926u);
	cr_expect_eq(sk_sum8(check, 9), (uint8_t)(0x31 + 0x32 + 0x33 + 0x34 + 0x35 + 0x36 + 0x37 + 0x38 + 0x39));
	cr_expect_eq(sk_sum8(check, 9), 0xDD);
	cr_expect_eq(sk_xor8(check, 9), 0x31);
	cr_expect_eq(sk_crc16_modbus(check, 0), 0xFFFF);
	cr_expect_eq(sk_crc32(check, 0), 0);
	/* A real Modbus RTU request: read holding registers 0..1 of unit 1. */
	const uint8_t req[] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x02 };
	cr_expect_eq(sk_crc16_modbus(req, sizeof req), 0x0BC4);
}

struct suffix_case {
	const char *spec;
	size_t len;
	const char *bytes;
};

static const struct suffix_case cases[] = {
	{ "crc16-modbus", 2, "\x37\x4B" }, /* low byte first */
	{ "crc32", 4, "\xCB\xF4\x39\x26" }, /* big-endian */
	{ "sum8", 1, "\xDD" },
	{ "xor8", 1, "\x31" },
	{ "\\r\\n", 2, "\r\n" },
	{ "\\x63rc32", 5, "crc32" },
	{ "", 0, "" },
	{ "END\\x00", 4, "END\0" },
};

Test(append, suffixes)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_append a;
		cr_assert_eq(sk_append_parse(cases[i].spec, &a, NULL), 0, "case %zu", i);
		uint8_t out[SK_APPEND_MAX];
		size_t n = sk_append_suffix(&a, check, 9, out);
		cr_expect_eq(n, cases[i].len, "case %zu: %zu", i, n);
		cr_expect_eq(memcmp(out, cases[i].bytes, n), 0, "case %zu", i);
	}
	struct sk_append none = { .kind = SK_APPEND_NONE };
	uint8_t out[SK_APPEND_MAX];
	cr_expect_eq(sk_append_suffix(&none, check, 9, out), 0);
}

Test(append, bad_specs)
{
	struct sk_append a;
	char err[SK_ERRLEN];
	cr_expect_eq(sk_append_parse("\\q", &a, err), SK_EBADESCAPE);
	cr_expect(strstr(err, "offset 0") != NULL, "%s", err);
	char big[SK_APPEND_MAX + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	cr_expect_eq(sk_append_parse(big, &a, err), SK_ETOOLONG);
	big[SK_APPEND_MAX] = 0;
	cr_expect_eq(sk_append_parse(big, &a, err), 0);
	cr_expect_eq(a.len, SK_APPEND_MAX);
}
