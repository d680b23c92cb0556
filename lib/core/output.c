#include "sockit/output.h"
#include "sockit/error.h"

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

int sk_str_u64(struct sk_str *s, uint64_t v)
{
	char buf[20], *e = buf + sizeof buf, *p = e;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return sk_str_append(s, p, (size_t)(e - p));
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

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Printable ASCII that JSON takes as it is. */
static bool json_plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

int sk_json_string(struct sk_str *s, const uint8_t *bytes, size_t n)
{
	int rc = sk_str_putc(s, '"');
	size_t i = 0;
	while (!rc && i < n) {
		size_t run = i;
		while (run < n && json_plain(bytes[run]))
			run++;
		if (run > i) {
			rc = sk_str_append(s, (const char *)bytes + i, run - i);
			i = run;
			continue;
		}
		uint8_t c = bytes[i];
		char esc[8];
		switch (c) {
		case '"': rc = sk_str_append(s, "\\\"", 2); i++; continue;
		case '\\': rc = sk_str_append(s, "\\\\", 2); i++; continue;
		case '\n': rc = sk_str_append(s, "\\n", 2); i++; continue;
		case '\r': rc = sk_str_append(s, "\\r", 2); i++; continue;
		case '\t': rc = sk_str_append(s, "\\t", 2); i++; continue;
		default: break;
		}
		size_t len = utf8_len(bytes + i, n - i);
		if (c < 0x20 || c == 0x7f || len == 0) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			rc = sk_str_append(s, esc, 6);
			i++;
		} else {
			rc = sk_str_append(s, (const char *)bytes + i, len);
			i += len;
		}
	}
	return rc ? rc : sk_str_putc(s, '"');
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
