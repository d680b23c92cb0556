#include <criterion/criterion.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/parse.h"

struct dur {
	const char *text;
	int rc;
	uint64_t ms;
};

static const struct dur durs[] = {
	{ "500ms", 0, 500 }, { "2s", 0, 2000 }, { "1.5s", 0, 1500 },
	{ "1m", 0, 60000 }, { "1h", 0, 3600000 }, { "3", 0, 3000 },
	{ "0", 0, 0 }, { "0.25", 0, 250 }, { "0.001", 0, 1 }, { "1.5m", 0, 90000 },
	{ "0.0001", SK_EBADDURATION, 0 }, { "1.5ms", SK_EBADDURATION, 0 },
	{ "", SK_EBADDURATION, 0 }, { "-1s", SK_EBADDURATION, 0 },
	{ "s", SK_EBADDURATION, 0 }, { "1x", SK_EBADDURATION, 0 },
	{ "1.", SK_EBADDURATION, 0 }, { ".5s", SK_EBADDURATION, 0 },
	{ "1 s", SK_EBADDURATION, 0 }, { "9999h", SK_EBADDURATION, 0 },
	{ "99999999999999999999", SK_EBADDURATION, 0 },
};

Test(parse, durations)
{
	for (size_t i = 0; i < sizeof durs / sizeof *durs; i++) {
		uint64_t ms = 12345;
		int rc = sk_parse_duration(durs[i].text, &ms);
		cr_expect_eq(rc, durs[i].rc, "'%s'", durs[i].text);
		if (!rc)
			cr_expect_eq(ms, durs[i].ms, "'%s' gave %llu", durs[i].text,
				     (unsigned long long)ms);
	}
}

Test(parse, numbers_with_ranges)
{
	uint64_t v;
	cr_expect_eq(sk_parse_u64("42", 0, 100, &v), 0);
	cr_expect_eq(v, 42);
	cr_expect_eq(sk_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	cr_expect_eq(v, UINT64_MAX);
	cr_expect_eq(sk_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), SK_ERANGE);
	cr_expect_eq(sk_parse_u64("101", 0, 100, &v), SK_ERANGE);
	cr_expect_eq(sk_parse_u64("0", 1, 100, &v), SK_ERANGE);
	cr_expect_eq(sk_parse_u64("", 0, 100, &v), SK_EBADNUMBER);
	cr_expect_eq(sk_parse_u64("-1", 0, 100, &v), SK_EBADNUMBER);
	cr_expect_eq(sk_parse_u64("1e3", 0, 10000, &v), SK_EBADNUMBER);
	cr_expect_eq(sk_parse_u64(" 1", 0, 100, &v), SK_EBADNUMBER);
}

Test(parse, every_prefix_of_a_duration_parses_or_fails_cleanly)
{
	const char *full = "1.25m";
	char buf[8];
	for (size_t n = 0; n <= 5; n++) {
		memcpy(buf, full, n);
		buf[n] = 0;
		uint64_t ms = 0;
		int rc = sk_parse_duration(buf, &ms);
		/* "1" is 1s, "1.25" is 1.25s, "1.25m" 75s; "", "1." fail. */
		cr_expect(rc == 0 || rc == SK_EBADDURATION, "'%s'", buf);
		cr_expect_eq(rc == 0, n == 1 || n >= 3, "'%s'", buf);
	}
}
