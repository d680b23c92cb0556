/* Output helpers: a bounded growable string, JSON text, and colour. */
#ifndef SOCKIT_OUTPUT_H
#define SOCKIT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A growable string with a hard maximum: appends past max fail with
 * SK_ELIMIT and leave the contents as they were.  Zero-initialise, then
 * sk_str_free.  p is always NUL-terminated once anything was appended. */
struct sk_str {
	char *p;
	size_t len, cap;
	size_t max; /* 0 means 64 MiB */
};

/* Makes room for extra more bytes (and the NUL).  0, SK_ELIMIT or -ENOMEM. */
int sk_str_reserve(struct sk_str *s, size_t extra);

/* The appends are inline: emitters call them for every few bytes. */
static inline int sk_str_append(struct sk_str *s, const char *text, size_t n)
{
	if (n >= s->cap - s->len) {
		int rc = sk_str_reserve(s, n);
		if (rc)
			return rc;
	}
	memcpy(s->p + s->len, text, n);
	s->len += n;
	s->p[s->len] = 0;
	return 0;
}

static inline int sk_str_puts(struct sk_str *s, const char *text)
{
	return sk_str_append(s, text, strlen(text));
}

static inline int sk_str_putc(struct sk_str *s, char c)
{
	return sk_str_append(s, &c, 1);
}

/* Appends v in decimal, or as "0x" and at least width hex digits: formatted
 * by hand, for emitters that write millions of numbers. */
int sk_str_u64(struct sk_str *s, uint64_t v);
int sk_str_hex(struct sk_str *s, uint64_t v, unsigned width);
/* Appends text padded with spaces to at least width bytes (printf's %-*s). */
int sk_str_pad(struct sk_str *s, const char *text, unsigned width);
int sk_str_printf(struct sk_str *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sk_str_clear(struct sk_str *s);
void sk_str_free(struct sk_str *s);

/* Appends bytes as a JSON string, quotes included.  Valid UTF-8 passes
 * through; control characters, '"' and '\\' are escaped; each byte that is
 * not part of valid UTF-8 becomes \u00XX, so any input gives valid JSON and
 * the bytes can be recovered as Latin-1 code points. */
int sk_json_string(struct sk_str *s, const uint8_t *bytes, size_t n);

/* Appends "key": as a JSON object member name (key is trusted ASCII). */
int sk_json_key(struct sk_str *s, const char *key);

/* ---- raw writers -----------------------------------------------------------
 * For emitters that write millions of small pieces: make room once, write
 * with the sk_put_* helpers (which check nothing and return the end of what
 * they wrote), then commit:
 *
 *     char *p = sk_str_room(s, 20 + 6 * n + 2);
 *     if (!p) return SK_ELIMIT;
 *     p = sk_put_u64(p, v);
 *     p = sk_put_json_string(p, bytes, n);
 *     sk_str_commit(s, p);
 */

/* The end of s with room for n more bytes (and the NUL), or NULL when
 * that would pass the maximum or memory ran out. */
static inline char *sk_str_room(struct sk_str *s, size_t n)
{
	if (n >= s->cap - s->len && sk_str_reserve(s, n))
		return NULL;
	return s->p + s->len;
}

/* Takes the bytes written from sk_str_room's pointer up to end. */
static inline void sk_str_commit(struct sk_str *s, char *end)
{
	s->len = (size_t)(end - s->p);
	*end = 0;
}

/* v in decimal: at most 20 bytes. */
char *sk_put_u64(char *p, uint64_t v);

/* sk_json_string's text, quotes included: at most 6 * n + 2 bytes. */
char *sk_put_json_string(char *p, const uint8_t *bytes, size_t n);

enum sk_color_mode { SK_COLOR_AUTO, SK_COLOR_ALWAYS, SK_COLOR_NEVER };

/* Parses "auto", "always" or "never".  Returns 0 or -EINVAL. */
int sk_color_parse(const char *text, enum sk_color_mode *out);

/* Whether to colour output: ALWAYS, NEVER, or AUTO = is_tty and NO_COLOR
 * unset (https://no-color.org). */
bool sk_color_enabled(enum sk_color_mode mode, bool is_tty);

/* The length (1-4) of the valid UTF-8 sequence at p[0..n), or 0 when
 * there is none: overlong forms, surrogates and code points above
 * U+10FFFF are invalid.  *cp (may be NULL) gets the code point.  Inline:
 * the JSON writer calls it per byte. */
static inline size_t sk_utf8_len(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint8_t c = p[0];
	size_t len;
	uint32_t v;
	if (c < 0x80)
		len = 1, v = c;
	else if (c >= 0xc2 && c <= 0xdf)
		len = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, v = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	if (cp)
		*cp = v;
	return len;
}

#endif
