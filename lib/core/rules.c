/* Auto-response rules: parsing rule text into matchers and reply templates,
 * and answering a message.  Templates are split into segments once, at load
 * time, so that answering never parses and a bad template is an error before
 * the first datagram arrives rather than a surprise in the middle of a run. */
#include "sockit/array.h"
#include "sockit/rules.h"

#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/bytes.h"
#include "sockit/error.h"

enum seg_kind { SEG_TEXT, SEG_TIME, SEG_COUNTER, SEG_PEER, SEG_LEN, SEG_CAPTURE };

struct seg {
	enum seg_kind kind;
	uint8_t *bytes; /* SEG_TEXT */
	size_t len;
	int capture; /* SEG_CAPTURE: 0-9 */
};

struct rule {
	enum sk_match_kind kind;
	uint8_t *pat;
	size_t patlen;
	regex_t re;
	bool has_re;
	struct seg *segs;
	size_t nsegs, segcap;
};

struct sk_rules {
	struct rule *v;
	size_t n, cap;
};

#define NCAPTURE 10

static const struct {
	const char *name;
	enum sk_match_kind kind;
} kinds[] = {
	{ "any", SK_MATCH_ANY },	 { "exact", SK_MATCH_EXACT },
	{ "prefix", SK_MATCH_PREFIX },	 { "contains", SK_MATCH_CONTAINS },
	{ "regex", SK_MATCH_REGEX },	 { "hex", SK_MATCH_HEX },
};

int sk_match_kind_parse(const char *name, size_t len, enum sk_match_kind *out)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strlen(kinds[i].name) == len && !memcmp(kinds[i].name, name, len)) {
			*out = kinds[i].kind;
			return 0;
		}
	return SK_EBADRULE;
}

struct sk_rules *sk_rules_new(void)
{
	return calloc(1, sizeof(struct sk_rules));
}

static void rule_free(struct rule *ru)
{
	free(ru->pat);
	if (ru->has_re)
		regfree(&ru->re);
	for (size_t i = 0; i < ru->nsegs; i++)
		free(ru->segs[i].bytes);
	free(ru->segs);
	memset(ru, 0, sizeof *ru);
}

void sk_rules_free(struct sk_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		rule_free(&r->v[i]);
	free(r->v);
	free(r);
}

size_t sk_rules_count(const struct sk_rules *r)
{
	return r ? r->n : 0;
}

/* Shows a bounded, escaped excerpt of user text inside an error message. */
static void excerpt(const char *text, size_t n, char *buf, size_t cap)
{
	size_t show = n > 40 ? 40 : n;
	size_t w = sk_escape((const uint8_t *)text, show, buf, cap);
	if (n > show && w + 4 < cap)
		memcpy(buf + (w < cap ? w : cap - 1), "...", 4);
}

static int add_seg(struct rule *ru, enum seg_kind kind, const uint8_t *bytes,
		   size_t len, int capture)
{
	if (sk_array_grow(&ru->segs, &ru->segcap, ru->nsegs + 1, sizeof *ru->segs))
		return -ENOMEM;
	struct seg *g = &ru->segs[ru->nsegs];
	memset(g, 0, sizeof *g);
	g->kind = kind;
	g->capture = capture;
	if (kind == SEG_TEXT) {
		g->bytes = malloc(len ? len : 1);
		if (!g->bytes)
			return -ENOMEM;
		memcpy(g->bytes, bytes, len);
		g->len = len;
	}
	ru->nsegs++;
	return 0;
}

/* Adds the unescaped literal text[0..n) as a segment. */
static int add_literal(struct rule *ru, const char *text, size_t n, char *err)
{
	if (!n)
		return 0;
	uint8_t *buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	size_t bad = 0;
	int len = sk_unescape(text, n, buf, &bad);
	if (len < 0) {
		char ex[64];
		excerpt(text + bad, n - bad, ex, sizeof ex);
		free(buf);
		return sk_err_set(err, SK_EBADESCAPE, "reply at '%s'", ex);
	}
	int rc = add_seg(ru, SEG_TEXT, buf, (size_t)len, 0);
	free(buf);
	return rc;
}

static int parse_macro(struct rule *ru, const char *name, size_t n, char *err)
{
	static const struct {
		const char *name;
		enum seg_kind kind;
	} macros[] = {
		{ "time", SEG_TIME },
		{ "counter", SEG_COUNTER },
		{ "peer", SEG_PEER },
		{ "len", SEG_LEN },
	};
	for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
		if (strlen(macros[i].name) == n && !memcmp(macros[i].name, name, n))
			return add_seg(ru, macros[i].kind, NULL, 0, 0);
	if (n == 1 && name[0] >= '0' && name[0] <= '9') {
		int c = name[0] - '0';
		if (c > 0 && ru->kind != SK_MATCH_REGEX)
			return sk_err_set(err, SK_EBADRULE,
					  "{{%d}} needs a regex rule", c);
		if (c > 0 && (size_t)c > ru->re.re_nsub)
			return sk_err_set(err, SK_EBADRULE,
					  "{{%d}}: the regex has %zu group%s", c,
					  ru->re.re_nsub,
					  ru->re.re_nsub == 1 ? "" : "s");
		return add_seg(ru, SEG_CAPTURE, NULL, 0, c);
	}
	char ex[64];
	excerpt(name, n, ex, sizeof ex);
	return sk_err_set(err, SK_EBADRULE,
			  "unknown macro {{%s}} (known: time counter peer len 0-9)", ex);
}

/* Splits a reply template into literal text and macro segments. */
static int parse_reply(struct rule *ru, const char *text, size_t n, char *err)
{
	if (n >= 4 && !memcmp(text, "hex:", 4)) {
		uint8_t *buf = malloc(n / 2 + 1);
		if (!buf)
			return -ENOMEM;
		size_t bad = 0;
		int len = sk_hex_decode(text + 4, n - 4, buf, &bad);
		if (len < 0) {
			char ex[64];
			excerpt(text + 4 + bad, n - 4 - bad, ex, sizeof ex);
			free(buf);
			return sk_err_set(err, SK_EBADHEX, "reply at '%s'", ex);
		}
		int rc = add_seg(ru, SEG_TEXT, buf, (size_t)len, 0);
		free(buf);
		return rc;
	}
	size_t lit = 0, i = 0;
	while (i < n) {
		if (i + 1 < n && text[i] == '{' && text[i + 1] == '{') {
			const char *end = NULL;
			for (size_t j = i + 2; j + 1 < n; j++)
				if (text[j] == '}' && text[j + 1] == '}') {
					end = text + j;
					break;
				}
			if (!end)
				return sk_err_set(err, SK_EBADRULE,
						  "reply: '{{' without '}}' (write '{\\x7b' for a literal '{{')");
			int rc = add_literal(ru, text + lit, i - lit, err);
			if (rc)
				return rc;
			rc = parse_macro(ru, text + i + 2, (size_t)(end - text) - i - 2, err);
			if (rc)
				return rc;
			i = (size_t)(end - text) + 2;
			lit = i;
			continue;
		}
		/* Skip an escape's backslash and the character it protects, so
		 * that "\{{" stays an escape error rather than a macro. */
		i += (text[i] == '\\' && i + 1 < n) ? 2 : 1;
	}
	return add_literal(ru, text + lit, n - lit, err);
}

/* glibc's regcomp copies the parse tree for every bounded repeat, so
 * (a{255}){255} makes 65,280 copies, nested repeats multiply, and stacked
 * operators such as "S++++..." grew to gigabytes under the fuzzer.  This
 * estimates the size of the expanded tree before regcomp sees the pattern;
 * RE_TOO_BIG means "refuse".  Brackets and escapes count as one atom. */
#define RE_TOO_BIG ((size_t)20000)

static size_t re_mul(size_t a, size_t b)
{
	return a > RE_TOO_BIG / (b ? b : 1) ? RE_TOO_BIG : a * b;
}

static size_t re_cost(const char *p, size_t n, size_t *i, int depth)
{
	size_t total = 0;
	while (*i < n && total < RE_TOO_BIG) {
		char c = p[*i];
		if (c == ')' && depth > 0)
			break;
		if (c == '|') {
			(*i)++;
			continue;
		}
		size_t cost = 1;
		if (c == '(') {
			(*i)++;
			cost = re_cost(p, n, i, depth + 1) + 1;
			if (*i < n && p[*i] == ')')
				(*i)++;
		} else if (c == '[') {
			size_t j = *i + 1;
			if (j < n && p[j] == '^')
				j++;
			if (j < n && p[j] == ']')
				j++;
			while (j < n && p[j] != ']') {
				if (p[j] == '[' && j + 1 < n && strchr(":.=", p[j + 1])) {
					char close = p[j + 1];
					j += 2;
					while (j + 1 < n && !(p[j] == close && p[j + 1] == ']'))
						j++;
					j++;
				}
				j++;
			}
			*i = j + 1;
		} else {
			*i += c == '\\' ? 2 : 1;
		}
		int quantifiers = 0;
		while (*i < n && strchr("*+?{", p[*i])) {
			if (++quantifiers > 1)
				return RE_TOO_BIG; /* "a**", "a{2}+": undefined in ERE */
			if (p[*i] != '{') {
				cost = re_mul(cost, 2);
				(*i)++;
				continue;
			}
			size_t bound = 0, j = *i + 1;
			for (; j < n && p[j] != '}'; j++)
				if (p[j] >= '0' && p[j] <= '9')
					bound = bound * 10 + (size_t)(p[j] - '0');
				else
					bound = 0; /* the larger of m and n: restart at ',' */
			cost = re_mul(cost, bound + 1);
			*i = j + 1;
		}
		total += cost;
	}
	return total < RE_TOO_BIG ? total : RE_TOO_BIG;
}

static bool regex_too_big(const char *p, size_t n)
{
	size_t i = 0, total = 0;
	/* A stray ')' at depth 0 ends re_cost early: count on past it. */
	while (i < n && total < RE_TOO_BIG) {
		total += re_cost(p, n, &i, 0);
		i++;
	}
	return total >= RE_TOO_BIG;
}

static int parse_pattern(struct rule *ru, const char *pat, size_t n, char *err)
{
	char ex[64];
	size_t bad = 0;
	int len;
	switch (ru->kind) {
	case SK_MATCH_ANY:
		return 0;
	case SK_MATCH_EXACT:
	case SK_MATCH_PREFIX:
	case SK_MATCH_CONTAINS:
		ru->pat = malloc(n ? n : 1);
		if (!ru->pat)
			return -ENOMEM;
		len = sk_unescape(pat, n, ru->pat, &bad);
		if (len < 0) {
			excerpt(pat + bad, n - bad, ex, sizeof ex);
			return sk_err_set(err, SK_EBADESCAPE, "pattern at '%s'", ex);
		}
		ru->patlen = (size_t)len;
		return 0;
	case SK_MATCH_HEX:
		ru->pat = malloc(n / 2 + 1);
		if (!ru->pat)
			return -ENOMEM;
		len = sk_hex_decode(pat, n, ru->pat, &bad);
		if (len < 0) {
			excerpt(pat + bad, n - bad, ex, sizeof ex);
			return sk_err_set(err, SK_EBADHEX, "pattern at '%s'", ex);
		}
		if (len == 0)
			return sk_err_set(err, SK_EBADRULE, "hex pattern is empty");
		ru->patlen = (size_t)len;
		return 0;
	case SK_MATCH_REGEX: {
		if (memchr(pat, 0, n))
			return sk_err_set(err, SK_EBADRULE, "regex contains a NUL byte");
		if (regex_too_big(pat, n)) {
			excerpt(pat, n, ex, sizeof ex);
			return sk_err_set(err, SK_EBADRULE,
					  "regex '%s': too complex (stacked or deeply nested repetition)",
					  ex);
		}
		char *z = malloc(n + 1);
		if (!z)
			return -ENOMEM;
		memcpy(z, pat, n);
		z[n] = 0;
		int rc = regcomp(&ru->re, z, REG_EXTENDED);
		free(z);
		if (rc) {
			char why[128];
			regerror(rc, NULL, why, sizeof why);
			excerpt(pat, n, ex, sizeof ex);
			return sk_err_set(err, SK_EBADRULE, "regex '%s': %s", ex, why);
		}
		ru->has_re = true;
		return 0;
	}
	}
	return sk_err_set(err, SK_EBADRULE, "unknown match kind");
}

/* Builds one rule from its parts; on success appends it to r. */
static int add_rule(struct sk_rules *r, enum sk_match_kind kind,
		    const char *pat, size_t patlen, const char *reply,
		    size_t replylen, char *err)
{
	if (r->n >= SK_RULES_MAX)
		return sk_err_set(err, SK_ELIMIT, "more than %d rules", SK_RULES_MAX);
	if (sk_array_grow(&r->v, &r->cap, r->n + 1, sizeof *r->v))
		return -ENOMEM;
	struct rule ru = { .kind = kind };
	int rc = parse_pattern(&ru, pat, patlen, err);
	if (!rc)
		rc = parse_reply(&ru, reply, replylen, err);
	if (rc) {
		rule_free(&ru);
		return rc;
	}
	r->v[r->n++] = ru;
	return 0;
}

int sk_rules_add(struct sk_rules *r, enum sk_match_kind kind,
		 const char *pattern, const char *reply, char *err)
{
	if (!pattern)
		pattern = "";
	if (!reply)
		reply = "";
	return add_rule(r, kind, pattern, strlen(pattern), reply, strlen(reply), err);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses one non-blank, non-comment line "KIND PATTERN => REPLY". */
static int parse_line(struct sk_rules *r, const char *p, size_t n, char *err)
{
	size_t i = 0;
	while (i < n && !is_space(p[i]))
		i++;
	enum sk_match_kind kind;
	if (sk_match_kind_parse(p, i, &kind)) {
		char ex[64];
		excerpt(p, i, ex, sizeof ex);
		return sk_err_set(err, SK_EBADRULE,
				  "unknown kind '%s' (exact, prefix, contains, regex, hex, any)", ex);
	}
	while (i < n && is_space(p[i]))
		i++;
	/* The pattern ends at the first "=>" that starts the rest or follows a
	 * blank, and is followed by a blank or the end of the line. */
	size_t arrow = n;
	for (size_t j = i; j + 1 < n; j++)
		if (p[j] == '=' && p[j + 1] == '>' && (j == i || is_space(p[j - 1])) &&
		    (j + 2 == n || is_space(p[j + 2]))) {
			arrow = j;
			break;
		}
	if (arrow == n)
		return sk_err_set(err, SK_EBADRULE, "missing ' => REPLY'");
	size_t pe = arrow;
	while (pe > i && is_space(p[pe - 1]))
		pe--;
	if (kind == SK_MATCH_ANY && pe > i)
		return sk_err_set(err, SK_EBADRULE, "'any' takes no pattern");
	if (kind != SK_MATCH_ANY && kind != SK_MATCH_EXACT && pe == i)
		return sk_err_set(err, SK_EBADRULE, "missing pattern");
	size_t rs = arrow + 2, re = n;
	while (rs < n && is_space(p[rs]))
		rs++;
	while (re > rs && is_space(p[re - 1]))
		re--;
	return add_rule(r, kind, p + i, pe - i, p + rs, re - rs, err);
}

int sk_rules_parse(struct sk_rules *r, const char *text, size_t len, char *err)
{
	if (len > SK_RULES_FILE_MAX)
		return sk_err_set(err, SK_ELIMIT, "rules text over %d bytes",
				  SK_RULES_FILE_MAX);
	size_t before = r->n, line = 0, pos = 0;
	while (pos < len) {
		line++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *p = text + pos;
		size_t n = end - pos;
		pos = nl ? end + 1 : len;
		if (n && p[n - 1] == '\r')
			n--;
		while (n && is_space(*p)) {
			p++;
			n--;
		}
		while (n && is_space(p[n - 1]))
			n--;
		if (!n || *p == '#')
			continue;
		char why[SK_ERRLEN] = "";
		int rc;
		if (n > SK_RULES_LINE_MAX)
			rc = sk_err_set(why, SK_ELIMIT, "over %d characters",
					SK_RULES_LINE_MAX);
		else if (memchr(p, 0, n))
			rc = sk_err_set(why, SK_EBADRULE, "NUL byte in rule text");
		else
			rc = parse_line(r, p, n, why);
		if (rc) {
			while (r->n > before)
				rule_free(&r->v[--r->n]);
			if (err)
				snprintf(err, SK_ERRLEN, "line %zu: %s", line, why);
			return rc;
		}
	}
	return (int)(r->n - before);
}

/* Length of msg without one trailing "\n" or "\r\n". */
static size_t strip_eol(const uint8_t *msg, size_t len)
{
	if (len && msg[len - 1] == '\n') {
		len--;
		if (len && msg[len - 1] == '\r')
			len--;
	}
	return len;
}

static bool match(const struct rule *ru, const uint8_t *msg, size_t len,
		  regmatch_t *m)
{
	size_t body = strip_eol(msg, len);
	for (int i = 0; i < NCAPTURE; i++)
		m[i].rm_so = m[i].rm_eo = -1;
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)body;
	switch (ru->kind) {
	case SK_MATCH_ANY:
		return true;
	case SK_MATCH_EXACT:
		return (len == ru->patlen && !memcmp(msg, ru->pat, len)) ||
		       (body == ru->patlen && !memcmp(msg, ru->pat, body));
	case SK_MATCH_PREFIX:
		return len >= ru->patlen && !memcmp(msg, ru->pat, ru->patlen);
	case SK_MATCH_CONTAINS:
		return ru->patlen == 0 || memmem(msg, len, ru->pat, ru->patlen);
	case SK_MATCH_HEX:
		return len == ru->patlen && !memcmp(msg, ru->pat, len);
	case SK_MATCH_REGEX: {
		/* REG_STARTEND takes the bounds from m[0], so NUL bytes inside
		 * the message are matched too.  The copy adds a terminator all
		 * the same: sanitizer interceptors of regexec call strlen. */
		char small[2048];
		char *z = body < sizeof small ? small : malloc(body + 1);
		if (!z)
			return false;
		memcpy(z, msg, body);
		z[body] = 0;
		bool hit = regexec(&ru->re, z, NCAPTURE, m, REG_STARTEND) == 0;
		if (z != small)
			free(z);
		return hit;
	}
	}
	return false;
}

static int render(const struct rule *ru, const uint8_t *msg, size_t len,
		  const regmatch_t *m, const struct sk_rule_ctx *ctx,
		  struct sk_str *out)
{
	int rc = 0;
	/* Make sure out->p exists even for an empty reply. */
	if ((rc = sk_str_append(out, "", 0)))
		return rc;
	for (size_t i = 0; i < ru->nsegs && !rc; i++) {
		const struct seg *g = &ru->segs[i];
		switch (g->kind) {
		case SEG_TEXT:
			rc = sk_str_append(out, (const char *)g->bytes, g->len);
			break;
		case SEG_TIME: {
			struct tm tm;
			char buf[32];
			time_t t = ctx ? ctx->now : 0;
			if (!gmtime_r(&t, &tm) ||
			    !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
				buf[0] = 0;
			rc = sk_str_puts(out, buf);
			break;
		}
		case SEG_COUNTER:
			rc = sk_str_printf(out, "%llu",
					   (unsigned long long)(ctx ? ctx->counter : 0));
			break;
		case SEG_PEER:
			rc = sk_str_puts(out, ctx && ctx->peer ? ctx->peer : "");
			break;
		case SEG_LEN:
			rc = sk_str_printf(out, "%zu", len);
			break;
		case SEG_CAPTURE: {
			const regmatch_t *c = &m[g->capture];
			if (c->rm_so >= 0 && c->rm_eo >= c->rm_so)
				rc = sk_str_append(out, (const char *)msg + c->rm_so,
						   (size_t)(c->rm_eo - c->rm_so));
			break;
		}
		}
	}
	return rc;
}

int sk_rules_respond(const struct sk_rules *r, const uint8_t *msg, size_t len,
		     const struct sk_rule_ctx *ctx, struct sk_str *out)
{
	if (!r)
		return 0;
	regmatch_t m[NCAPTURE];
	for (size_t i = 0; i < r->n; i++) {
		if (!match(&r->v[i], msg, len, m))
			continue;
		size_t before = out->len;
		int rc = render(&r->v[i], msg, len, m, ctx, out);
		if (rc) {
			/* Never hand back half a reply. */
			out->len = before;
			if (out->p)
				out->p[before] = 0;
			return rc;
		}
		return (int)i + 1;
	}
	return 0;
}

int sk_rules_load(struct sk_rules *r, const char *path, char *err)
{
	errno = 0;
	FILE *f = fopen(path, "rb");
	char *buf = f ? malloc(SK_RULES_FILE_MAX + 1) : NULL;
	size_t n = buf ? fread(buf, 1, SK_RULES_FILE_MAX + 1, f) : 0;
	int e = !f || !buf || ferror(f) ? (errno ? errno : EIO) : 0;
	if (f)
		fclose(f);
	/* strerror's words, as every other message about a file says them. */
	int rc = e ? -e : 0;
	char why[SK_ERRLEN];
	if (e && err)
		snprintf(err, SK_ERRLEN, "%.200s: %s", path, strerror(e));
	else if (!e && (rc = sk_rules_parse(r, buf, n, why)) < 0 && err)
		snprintf(err, SK_ERRLEN, "%.100s: %.150s", path, why);
	free(buf);
	return rc;
}
