#include "sockit/hexdump.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct sink {
	char *out;
	size_t cap, len;
};

static void emit(struct sink *s, const char *text, size_t n)
{
	if (s->len < s->cap) {
		size_t room = s->cap - s->len - 1;
		memcpy(s->out + s->len, text, n < room ? n : room);
	}
	s->len += n;
}

static void line(struct sink *s, const uint8_t *p, size_t n, size_t off)
{
	char buf[96];
	size_t k = (size_t)snprintf(buf, sizeof buf, "%08zx ", off);
	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			buf[k++] = ' ';
		if (i < n)
			k += (size_t)snprintf(buf + k, sizeof buf - k, " %02x", p[i]);
		else
			k += (size_t)snprintf(buf + k, sizeof buf - k, "   ");
	}
	buf[k++] = ' ';
	buf[k++] = ' ';
	buf[k++] = '|';
	for (size_t i = 0; i < n; i++)
		buf[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
	buf[k++] = '|';
	buf[k++] = '\n';
	emit(s, buf, k);
}

size_t sk_hexdump(const uint8_t *in, size_t n, size_t base, char *out,
		  size_t cap)
{
	struct sink s = { out, cap, 0 };
	bool squeezing = false;
	for (size_t i = 0; i < n; i += 16) {
		size_t len = n - i < 16 ? n - i : 16;
		if (i >= 16 && len == 16 && !memcmp(in + i, in + i - 16, 16)) {
			if (!squeezing)
				emit(&s, "*\n", 2);
			squeezing = true;
			continue;
		}
		squeezing = false;
		line(&s, in + i, len, base + i);
	}
	if (n) {
		char end[24];
		int k = snprintf(end, sizeof end, "%08zx\n", base + n);
		emit(&s, end, (size_t)k);
	}
	if (cap)
		out[s.len < cap ? s.len : cap - 1] = 0;
	return s.len;
}
