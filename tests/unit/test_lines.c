#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/lines.h"

/* Expected output: each line followed by '|', each cut piece by '+'. */
struct line_case {
	const char *in;
	size_t max;
	const char *out;
};

static const struct line_case cases[] = {
	{ "ab\ncd\n", 4, "ab|cd|" },
	{ "ab\r\ncd\r\n", 4, "ab|cd|" },
	{ "a\rb\n", 4, "a\rb|" },   /* a lone CR is data */
	{ "\n\r\n\n", 4, "|||" },   /* empty lines */
	{ "abcd\n", 4, "abcd|" },   /* exactly max */
	{ "abcd\r\n", 4, "abcd|" }, /* exactly max, CRLF */
	{ "abcde\n", 4, "abcd+e|" },
	{ "abcd\rx\n", 4, "abcd+\rx|" }, /* CR at the cut, not a line end */
	{ "abcdefghij\n", 4, "abcd+efgh+ij|" },
	{ "abcdefgh\n", 4, "abcd+efgh|" },
	{ "abcdefgh\r\n", 4, "abcd+efgh|" },
	{ "abcd\r\r\n", 4, "abcd+\r|" },
	{ "abc\r\r\n", 4, "abc\r|" },
	{ "last", 4, "last|" }, /* the end ends the last line */
	{ "last\r", 4, "last|" },
	{ "abcd\r", 4, "abcd|" },
	{ "abcde", 4, "abcd+e|" },
	{ "abcdefgh", 4, "abcd+efgh|" },
	{ "", 4, "" },
	{ "\r\n", 1, "|" },
	{ "a\r\n", 1, "a|" },
	{ "ab\n", 1, "a+b|" },
	{ "\r\r\n", 1, "\r|" },
	{ "one\r\ntwo\n\nabcdefghij\nlast", 8, "one|two||abcdefgh+ij|last|" },
};

struct sink {
	char text[256];
	size_t len;
};

static void put(struct sink *s, const struct sk_line *line)
{
	cr_assert_leq(s->len + line->len + 1, sizeof s->text);
	memcpy(s->text + s->len, line->p, line->len);
	s->len += line->len;
	s->text[s->len++] = line->cut ? '+' : '|';
}

static void feed(struct sk_lines *l, struct sink *s, const char *p, size_t n)
{
	const uint8_t *b = (const uint8_t *)p;
	struct sk_line line;
	int rc;
	while ((rc = sk_lines_next(l, &b, &n, &line)) > 0)
		put(s, &line);
	cr_assert_eq(rc, 0);
	cr_assert_eq(n, 0, "need more must mean all was taken");
}

/* The input in three chunks cut at i and j. */
static void split3(const struct line_case *c, size_t i, size_t j)
{
	struct sk_lines l;
	cr_assert_eq(sk_lines_init(&l, c->max), 0);
	struct sink s = { .len = 0 };
	feed(&l, &s, c->in, i);
	feed(&l, &s, c->in + i, j - i);
	feed(&l, &s, c->in + j, strlen(c->in) - j);
	struct sk_line line;
	if (sk_lines_end(&l, &line) > 0)
		put(&s, &line);
	cr_expect_eq(sk_lines_end(&l, &line), 0);
	cr_expect_eq(sk_lines_pending(&l), 0);
	cr_expect(s.len == strlen(c->out) && !memcmp(s.text, c->out, s.len),
		  "input '%s' max %zu cut at %zu,%zu: got '%.*s', want '%s'",
		  c->in, c->max, i, j, (int)s.len, s.text, c->out);
	sk_lines_free(&l);
}

Test(lines, table_every_two_cuts)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		size_t n = strlen(cases[k].in);
		for (size_t i = 0; i <= n; i++)
			for (size_t j = i; j <= n; j++)
				split3(&cases[k], i, j);
	}
}

Test(lines, byte_by_byte)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct line_case *c = &cases[k];
		struct sk_lines l;
		cr_assert_eq(sk_lines_init(&l, c->max), 0);
		struct sink s = { .len = 0 };
		for (size_t i = 0; c->in[i]; i++)
			feed(&l, &s, c->in + i, 1);
		struct sk_line line;
		if (sk_lines_end(&l, &line) > 0)
			put(&s, &line);
		cr_expect(s.len == strlen(c->out) &&
			      !memcmp(s.text, c->out, s.len),
			  "input '%s' byte by byte: got '%.*s'", c->in,
			  (int)s.len, s.text);
		sk_lines_free(&l);
	}
}

/* Every prefix of a line without its LF is "need more": nothing comes out
 * until the line ends. */
Test(lines, every_prefix_needs_more)
{
	static const char line[] = "a line of 24 characters\r\n";
	size_t n = sizeof line - 1;
	for (size_t k = 0; k < n; k++) {
		struct sk_lines l;
		cr_assert_eq(sk_lines_init(&l, 64), 0);
		const uint8_t *p = (const uint8_t *)line;
		size_t left = k;
		struct sk_line out;
		cr_expect_eq(sk_lines_next(&l, &p, &left, &out), 0,
			     "prefix %zu", k);
		cr_expect_eq(sk_lines_pending(&l), k);
		left = n - k;
		cr_expect_eq(sk_lines_next(&l, &p, &left, &out), 1);
		cr_expect_eq(out.len, 23);
		cr_expect_eq(memcmp(out.p, line, 23), 0);
		cr_expect_eq(left, 0);
		sk_lines_free(&l);
	}
}

/* Lines wholly in the caller's bytes are not copied, and a splitter whose
 * partial line went out holds no memory. */
Test(lines, in_place_and_no_idle_memory)
{
	struct sk_lines l;
	cr_assert_eq(sk_lines_init(&l, 16), 0);
	static const char in[] = "one\ntwo\nthr";
	const uint8_t *p = (const uint8_t *)in;
	size_t n = sizeof in - 1;
	struct sk_line out;
	cr_assert_eq(sk_lines_next(&l, &p, &n, &out), 1);
	cr_expect_eq(out.p, (const uint8_t *)in);
	cr_assert_eq(sk_lines_next(&l, &p, &n, &out), 1);
	cr_expect_eq(out.p, (const uint8_t *)in + 4);
	cr_assert_eq(sk_lines_next(&l, &p, &n, &out), 0);
	cr_expect_not_null(l.buf);
	static const char rest[] = "ee\n";
	p = (const uint8_t *)rest;
	n = sizeof rest - 1;
	cr_assert_eq(sk_lines_next(&l, &p, &n, &out), 1);
	cr_expect_eq(out.len, 5);
	cr_expect_eq(memcmp(out.p, "three", 5), 0);
	cr_assert_eq(sk_lines_next(&l, &p, &n, &out), 0);
	cr_expect_null(l.buf);
	sk_lines_free(&l);
}

/* A caller may stop between lines and carry on with the rest later. */
Test(lines, stop_and_resume)
{
	struct sk_lines l;
	cr_assert_eq(sk_lines_init(&l, 8), 0);
	static const char in[] = "a\nb\nc\n";
	const uint8_t *p = (const uint8_t *)in;
	size_t n = sizeof in - 1;
	struct sk_line out;
	cr_assert_eq(sk_lines_next(&l, &p, &n, &out), 1);
	cr_expect_eq(n, 4);
	cr_assert_eq(sk_lines_next(&l, &p, &n, &out), 1);
	cr_expect_eq(out.p[0], 'b');
	cr_assert_eq(sk_lines_next(&l, &p, &n, &out), 1);
	cr_expect_eq(out.p[0], 'c');
	cr_expect_eq(sk_lines_next(&l, &p, &n, &out), 0);
	sk_lines_free(&l);
}

Test(lines, bounds)
{
	struct sk_lines l;
	cr_expect_eq(sk_lines_init(&l, 0), SK_ERANGE);
	cr_expect_eq(sk_lines_init(&l, SK_LINES_LIMIT + 1), SK_ERANGE);
	cr_expect_eq(sk_lines_init(&l, SK_LINES_LIMIT), 0);
	sk_lines_free(&l);
}

Test(lines, crlf)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "a\nb\n", "a\r\nb\r\n" },
		{ "a\r\nb", "a\r\nb" },
		{ "\n\n", "\r\n\r\n" },
		{ "\r", "\r" },
	};
	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		uint8_t out[32];
		bool last_cr = false;
		size_t n = sk_lines_crlf((const uint8_t *)t[k].in,
					 strlen(t[k].in), out, &last_cr);
		cr_expect(n == strlen(t[k].out) && !memcmp(out, t[k].out, n),
			  "case %zu", k);
	}
	/* A CR at the end of one call and the LF at the start of the next. */
	uint8_t out[4];
	bool last_cr = false;
	cr_expect_eq(sk_lines_crlf((const uint8_t *)"\r", 1, out, &last_cr), 1);
	cr_expect_eq(sk_lines_crlf((const uint8_t *)"\n", 1, out, &last_cr), 1);
	cr_expect_eq(out[0], '\n');
}
