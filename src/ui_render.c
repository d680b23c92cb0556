/* Messages as screen text.  Unlike sk_escape, valid UTF-8 is kept as it
 * is (people send Chinese and accented text); control characters and bytes
 * that are not UTF-8 are shown escaped, so nothing unseen reaches the
 * terminal and nothing is silently altered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sockit/bytes.h"
#include "sockit/output.h"
#include "ui.h"

/* The length of a UTF-8 sequence at p worth showing as it is (2-4), or 0:
 * ASCII, C1 controls and the line/paragraph separators are escaped. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint32_t cp = 0;
	size_t len = sk_utf8_len(p, n, &cp);
	return len > 1 && cp >= 0xa0 && cp != 0x2028 && cp != 0x2029 ? len : 0;
}

size_t ui_render_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 <= cap;) {
		size_t u = p[i] >= 0x80 ? utf8_len(p + i, n - i) : 0;
		if (u) {
			memcpy(out + o, p + i, u);
			o += u;
			i += u;
			continue;
		}
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			out[o++] = (char)p[i++];
			continue;
		}
		/* sk_escape spells one byte the way the data notation does. */
		o += sk_escape(p + i, 1, out + o, cap - o);
		i++;
	}
	if (cap)
		out[o < cap ? o : cap - 1] = '\0';
	return o;
}

size_t ui_render_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 <= cap; i++) {
		if (i)
			out[o++] = ' ';
		out[o++] = digits[p[i] >> 4];
		out[o++] = digits[p[i] & 15];
	}
	if (cap)
		out[o] = '\0';
	return o;
}

void ui_time(int64_t ms, char *buf, size_t cap)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&s, &tm);
	snprintf(buf, cap, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (int)(ms % 1000));
}

size_t ui_render_gbk(iconv_t cd, const uint8_t *p, size_t n, char *out,
		     size_t cap)
{
	char utf8[1024];
	size_t o = 0;
	while (n && o + 8 < cap) {
		char *in = (char *)p, *t = utf8;
		size_t inleft = n, tleft = sizeof utf8;
		iconv(cd, NULL, NULL, NULL, NULL);
		size_t r = iconv(cd, &in, &inleft, &t, &tleft);
		int e = errno;
		o += ui_render_text((const uint8_t *)utf8, (size_t)(t - utf8),
				    out + o, cap - o);
		p += n - inleft;
		n = inleft;
		if (r != (size_t)-1 || e == E2BIG || !n)
			continue;
		/* Not GB18030 (EILSEQ), or cut short at the end (EINVAL). */
		o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
		p++;
		n--;
	}
	if (cap)
		out[o < cap ? o : cap - 1] = '\0';
	return o;
}
