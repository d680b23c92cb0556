#include <criterion/criterion.h>
#include <string.h>

#include "sockit/progress.h"

struct size_case {
	uint64_t bytes;
	const char *text;
};

Test(progress, sizes)
{
	static const struct size_case cases[] = {
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" },
		{ 1048575, "1.0 MiB" }, /* not "1024.0 KiB" */
		{ 20ull << 20, "20.0 MiB" },
		{ (5ull << 30) + (1ull << 29), "5.5 GiB" },
		{ 3ull << 40, "3.0 TiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[SK_PROGRESSLEN];
		int n = sk_size_format(cases[i].bytes, buf, sizeof buf);
		cr_expect_str_eq(buf, cases[i].text, "%llu",
				 (unsigned long long)cases[i].bytes);
		cr_expect_eq(n, (int)strlen(cases[i].text));
	}
}

struct rate_case {
	uint64_t n, ms;
	const char *unit, *text;
};

Test(progress, rates)
{
	static const struct rate_case cases[] = {
		{ 0, 0, "B", "0 B/s" },
		{ 8, 1000, "B", "8 B/s" },
		{ 1536, 1000, "B", "1.5 KiB/s" },
		{ 3ull << 20, 2000, "B", "1.5 MiB/s" },
		{ 1, 0, "B", "1000 B/s" }, /* no time passed counts as 1 ms */
		{ 3000000, 2000, "dgrams", "1.5 Mdgrams/s" },
		{ 999, 1000, "probes", "999 probes/s" },
		{ 1000, 1000, "probes", "1.0 kprobes/s" },
		{ 12, 1000, "", "12/s" },
		{ 2500, 1000, "", "2.5 k/s" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[SK_PROGRESSLEN];
		sk_rate_format(cases[i].n, cases[i].ms, cases[i].unit, buf,
			       sizeof buf);
		cr_expect_str_eq(buf, cases[i].text, "case %zu", i);
	}
}

struct eta_case {
	uint64_t done, total, ms;
	const char *text;
};

Test(progress, etas)
{
	static const struct eta_case cases[] = {
		{ 0, 100, 5000, "--:--" },  /* nothing done: no rate yet */
		{ 10, 100, 0, "--:--" },    /* no time passed */
		{ 10, 0, 1000, "--:--" },   /* no total */
		{ 100, 100, 1000, "0:00" }, /* done */
		{ 150, 100, 1000, "0:00" }, /* more than the total */
		{ 50, 100, 42000, "0:42" }, /* half in 42 s: 42 s left */
		{ 1, 726, 1000, "12:05" },    { 1, 3724, 1000, "1:02:03" },
		{ 1, 1000000, 1000, ">99h" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[SK_PROGRESSLEN];
		sk_eta_format(cases[i].done, cases[i].total, cases[i].ms, buf,
			      sizeof buf);
		cr_expect_str_eq(buf, cases[i].text, "case %zu", i);
	}
}

Test(progress, percent)
{
	cr_expect_eq(sk_percent(0, 10), 0);
	cr_expect_eq(sk_percent(9, 10), 90);
	cr_expect_eq(sk_percent(999, 1000), 99); /* never 100 before the end */
	cr_expect_eq(sk_percent(10, 10), 100);
	cr_expect_eq(sk_percent(11, 10), 100);
	cr_expect_eq(sk_percent(0, 0), 100);
}

struct line_case {
	struct sk_progress p;
	const char *text;
};

Test(progress, lines)
{
	static const struct line_case cases[] = {
		{ { .done = 1u << 20,
		    .total = 4u << 20,
		    .elapsed_ms = 2000,
		    .bytes = true },
		  " 25% [##........] 1.0 MiB / 4.0 MiB  512.0 KiB/s  ETA "
		  "0:06" },
		{ { .done = 7864,
		    .total = 65536,
		    .elapsed_ms = 6000,
		    .unit = "probes" },
		  " 11% [#.........] 7864/65536  1.3 kprobes/s  ETA 0:44" },
		{ { .done = 3u << 20, .elapsed_ms = 1000, .bytes = true },
		  "3.0 MiB  3.0 MiB/s" },
		{ { .done = 10,
		    .total = 10,
		    .elapsed_ms = 10,
		    .unit = "probes" },
		  "100% [##########] 10/10  1.0 kprobes/s  ETA 0:00" },
		{ { .done = 20, .total = 10, .elapsed_ms = 1000 },
		  "100% [##########] 20/10  20/s  ETA 0:00" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[SK_PROGRESSLEN];
		int n = sk_progress_format(&cases[i].p, buf, sizeof buf);
		cr_expect_str_eq(buf, cases[i].text, "case %zu", i);
		cr_expect_eq(n, (int)strlen(cases[i].text));
		cr_expect_leq(n, 64, "leaves room on an 80-column terminal");
	}
}

Test(progress, short_buffer_is_cut_and_terminated)
{
	char buf[8];
	struct sk_progress p = { .done = 5, .total = 10, .elapsed_ms = 1000 };
	int n = sk_progress_format(&p, buf, sizeof buf);
	cr_expect_gt(n, 7);
	cr_expect_str_eq(buf, " 50% [#");
}
