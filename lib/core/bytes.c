#include "sockit/bytes.h"
#include "sockit/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sk_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sk_unescape(const char *in, size_t n, uint8_t *out, size_t *bad_off)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] != '\\') {
			out[o++] = (uint8_t)in[i];
			continue;
		}
		size_t at = i;
		if (++i == n)
			goto bad;
		switch (in[i]) {
		case 'r': out[o++] = '\r'; break;
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case '0': out[o++] = 0; break;
		case '\\': out[o++] = '\\'; break;
		case 'x': {
			if (n - i < 3)
				goto bad;
			int hi = sk_hex_digit(in[i + 1]), lo = sk_hex_digit(in[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			out[o++] = (uint8_t)(hi << 4 | lo);
			i += 2;
			break;
		}
		default:
			goto bad;
		}
		continue;
	bad:
		if (bad_off)
			*bad_off = at;
		return SK_EBADESCAPE;
	}
	return (int)o;
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' ||
	       c == ':';
}

int sk_hex_decode(const char *in, size_t n, uint8_t *out, size_t *bad_off)
{
	size_t o = 0, i = 0;
	while (i < n) {
		if (is_sep(in[i])) {
			i++;
			continue;
		}
		size_t start = i;
		if (in[i] == '0' && i + 1 < n && (in[i + 1] == 'x' || in[i + 1] == 'X')) {
			/* 0xH or 0xHH: exactly one byte. */
			i += 2;
			size_t digits = 0;
			int v = 0;
			while (i < n && !is_sep(in[i])) {
				int d = sk_hex_digit(in[i]);
				if (d < 0 || digits == 2)
					goto bad_at_i;
				v = v << 4 | d;
				digits++;
				i++;
			}
			if (digits == 0) {
				i = start;
				goto bad_at_i;
			}
			out[o++] = (uint8_t)v;
			continue;
		}
		/* A run of digit pairs up to the next separator. */
		while (i < n && !is_sep(in[i])) {
			if (sk_hex_digit(in[i]) < 0)
				goto bad_at_i;
			if (i + 1 >= n || is_sep(in[i + 1])) {
				/* An odd digit out: name the run it spoils. */
				i = start;
				goto bad_at_i;
			}
			if (sk_hex_digit(in[i + 1]) < 0) {
				i++;
				goto bad_at_i;
			}
			out[o++] = (uint8_t)(sk_hex_digit(in[i]) << 4 | sk_hex_digit(in[i + 1]));
			i += 2;
		}
	}
	return (int)o;
bad_at_i:
	if (bad_off)
		*bad_off = i;
	return SK_EBADHEX;
}

static void put(char *out, size_t cap, size_t *len, char c)
{
	if (*len + 1 < cap)
		out[*len] = c;
	(*len)++;
}

size_t sk_escape(const uint8_t *in, size_t n, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];
		const char *named = NULL;
		switch (c) {
		case '\r': named = "\\r"; break;
		case '\n': named = "\\n"; break;
		case '\t': named = "\\t"; break;
		case '\\': named = "\\\\"; break;
		case 0:
			/* "\0" followed by a digit still reads back right,
			 * since \0 takes no further digits. */
			named = "\\0";
			break;
		default:
			break;
		}
		if (named) {
			put(out, cap, &len, named[0]);
			put(out, cap, &len, named[1]);
		} else if (c >= 0x20 && c < 0x7f) {
			put(out, cap, &len, (char)c);
		} else {
			put(out, cap, &len, '\\');
			put(out, cap, &len, 'x');
			put(out, cap, &len, digits[c >> 4]);
			put(out, cap, &len, digits[c & 15]);
		}
	}
	if (cap)
		out[len < cap ? len : cap - 1] = 0;
	return len;
}

size_t sk_hex_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		put(out, cap, &len, digits[in[i] >> 4]);
		put(out, cap, &len, digits[in[i] & 15]);
	}
	if (cap)
		out[len < cap ? len : cap - 1] = 0;
	return len;
}

int sk_text_decode(const char *text, size_t n, enum sk_text_mode mode,
		   uint8_t **out, size_t *bad_off)
{
	*out = NULL;
	uint8_t *buf = malloc(n + 1);
	if (!buf)
		return -ENOMEM;
	int rc = (int)n;
	if (mode == SK_TEXT_HEX)
		rc = sk_hex_decode(text, n, buf, bad_off);
	else if (mode == SK_TEXT_ESCAPES)
		rc = sk_unescape(text, n, buf, bad_off);
	else if (n)
		memcpy(buf, text, n);
	if (rc < 0)
		free(buf);
	else
		*out = buf;
	return rc;
}
