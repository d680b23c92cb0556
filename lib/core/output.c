#include "sockit/output.h"
#include "sockit/error.h"
#include "core/digits.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sk_str_reserve(struct sk_str *s, size_t extra)
{
	size_t max = s->max ? s->max : 64u << 20;
	if (extra > max || s->len + extra > max)
		return SK_ELIMIT;
	size_t need = s->len + extra + 1;
	if (need <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > max + 1)
		cap = max + 1;
	char *p = realloc(s->p, cap);
	if (!p)
		return -ENOMEM;
	s->p = p;
	s->cap = cap;
	return 0;
}

const char sk__digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
				  "25262728293031323334353637383940414243444546474849"
				  "50515253545556575859606162636465666768697071727374"
				  "75767778798081828384858687888990919293949596979899";

/* Most numbers in a frame have a few digits: counted by comparisons. */
static unsigned decimal_digits(uint64_t v)
{
	if (v < 100)
		return v < 10 ? 1 : 2;
	if (v < 10000)
		return v < 1000 ? 3 : 4;
	unsigned n = 5;
	for (uint64_t t = v / 100000; t; t /= 10)
		n++;
	return n;
}

/* Two digits a step from the end; 32-bit division where the value fits,
 * as nearly every field's does. */
char *sk_put_u64(char *p, uint64_t v)
{
	char *e = p + decimal_digits(v), *q = e;
	while (v > UINT32_MAX) {
		q -= 2;
		sk__put_pair(q, (unsigned)(v % 100));
		v /= 100;
	}
	uint32_t u = (uint32_t)v;
	while (u >= 100) {
		q -= 2;
		sk__put_pair(q, u % 100);
		u /= 100;
	}
	if (u >= 10)
		sk__put_pair(q - 2, u);
	else
		q[-1] = (char)('0' + u);
	return e;
}

int sk_str_u64(struct sk_str *s, uint64_t v)
{
	char buf[20];
	return sk_str_append(s, buf, (size_t)(sk_put_u64(buf, v) - buf));
}

int sk_str_hex(struct sk_str *s, uint64_t v, unsigned width)
{
	char buf[18], *e = buf + sizeof buf, *p = e;
	if (width > 16)
		width = 16;
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v || e - p < (long)width);
	*--p = 'x';
	*--p = '0';
	return sk_str_append(s, p, (size_t)(e - p));
}

int sk_str_pad(struct sk_str *s, const char *text, unsigned width)
{
	static const char spaces[] = "                                ";
	size_t n = strlen(text);
	int rc = sk_str_append(s, text, n);
	while (!rc && n < width) {
		size_t k = width - n < sizeof spaces - 1 ? width - n : sizeof spaces - 1;
		rc = sk_str_append(s, spaces, k);
		n += k;
	}
	return rc;
}

int sk_str_printf(struct sk_str *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	int rc = sk_str_reserve(s, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(s->p + s->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
	return 0;
}

void sk_str_clear(struct sk_str *s)
{
	s->len = 0;
	if (s->p)
		s->p[0] = 0;
}

void sk_str_free(struct sk_str *s)
{
	free(s->p);
	s->p = NULL;
	s->len = s->cap = 0;
}

/* Per byte: 0 JSON takes it as it is, 1 it needs an escape, 2 it starts
 * (or is not) a UTF-8 sequence.  One lookup per byte in the common case. */
static const uint8_t json_class[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1, [0x80 ... 0xff] = 2,
};

static char *json_escape(char *p, uint8_t c)
{
	static const char hex[] = "0123456789abcdef";
	*p++ = '\\';
	switch (c) {
	case '"': *p++ = '"'; return p;
	case '\\': *p++ = '\\'; return p;
	case '\n': *p++ = 'n'; return p;
	case '\r': *p++ = 'r'; return p;
	case '\t': *p++ = 't'; return p;
	default: break;
	}
	memcpy(p, "u00", 3);
	p[3] = hex[c >> 4];
	p[4] = hex[c & 15];
	return p + 5;
}

/* Whether any of 8 bytes needs more than a copy: a control character,
 * '"', '\\', DEL or a byte above 0x7f (the classic has-zero-byte trick;
 * a false alarm after a true one only sends the word the slow way). */
static bool word_needs_care(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');
	uint64_t hits = (x - ones * 0x20) | (quote - ones) | (bslash - ones) | (x + ones);
	return ((hits | x) & highs) != 0;
}

char *sk_put_json_string(char *p, const uint8_t *bytes, size_t n)
{
	*p++ = '"';
	size_t i = 0;
	while (i < n) {
		uint64_t w;
		if (n - i >= 8 && (memcpy(&w, bytes + i, 8), !word_needs_care(w))) {
			memcpy(p, &w, 8);
			p += 8;
			i += 8;
			continue;
		}
		/* The last few bytes of a longer string: the word that ends
		 * with them, overlapping what was already copied. */
		if (n >= 8 && n - i < 8 && (memcpy(&w, bytes + n - 8, 8), !word_needs_care(w))) {
			memcpy(p - (8 - (n - i)), &w, 8);
			p += n - i;
			break;
		}
		uint8_t c = bytes[i];
		if (!json_class[c]) {
			*p++ = (char)c;
			i++;
			continue;
		}
		size_t len = json_class[c] == 2 ? sk_utf8_len(bytes + i, n - i, NULL) : 0;
		if (len) {
			memcpy(p, bytes + i, len);
			p += len;
			i += len;
		} else {
			p = json_escape(p, c);
			i++;
		}
	}
	*p++ = '"';
	return p;
}

/* The exact length sk_put_json_string writes, for a string near the
 * maximum, where its bound would refuse what fits. */
static size_t json_len(const uint8_t *bytes, size_t n)
{
	size_t out = 2;
	for (size_t i = 0; i < n;) {
		uint8_t c = bytes[i];
		size_t len = json_class[c] == 2 ? sk_utf8_len(bytes + i, n - i, NULL) : !json_class[c];
		if (len) {
			out += len;
			i += len;
			continue;
		}
		bool short_form = c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t';
		out += short_form ? 2 : 6;
		i++;
	}
	return out;
}

int sk_json_string(struct sk_str *s, const uint8_t *bytes, size_t n)
{
	/* Each byte takes at most 6 ("\u00XX"), the quotes 2 more. */
	char *p = n < (SIZE_MAX - 2) / 6 ? sk_str_room(s, 6 * n + 2) : NULL;
	if (!p)
		p = sk_str_room(s, json_len(bytes, n));
	if (!p)
		return SK_ELIMIT;
	sk_str_commit(s, sk_put_json_string(p, bytes, n));
	return 0;
}

int sk_json_key(struct sk_str *s, const char *key)
{
	int rc = sk_str_putc(s, '"');
	rc = rc ? rc : sk_str_puts(s, key);
	return rc ? rc : sk_str_append(s, "\":", 2);
}

int sk_color_parse(const char *text, enum sk_color_mode *out)
{
	if (!strcmp(text, "auto"))
		*out = SK_COLOR_AUTO;
	else if (!strcmp(text, "always"))
		*out = SK_COLOR_ALWAYS;
	else if (!strcmp(text, "never"))
		*out = SK_COLOR_NEVER;
	else
		return -EINVAL;
	return 0;
}

bool sk_color_enabled(enum sk_color_mode mode, bool is_tty)
{
	if (mode != SK_COLOR_AUTO)
		return mode == SK_COLOR_ALWAYS;
	const char *no = getenv("NO_COLOR");
	return is_tty && !(no && *no);
}
