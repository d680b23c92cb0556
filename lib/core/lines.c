/* Bounded line splitting (the rule is in sockit/lines.h).  The one subtle
 * case is a CR at the cutting point: with max bytes in hand and a CR next,
 * the line may be exactly max bytes plus CRLF, so the decision waits for
 * the byte after the CR.  That is why the buffer holds max + 1 bytes, and
 * why a cut piece may hold back one byte (carry) for the next line. */
#include "sockit/lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"

int sk_lines_init(struct sk_lines *l, size_t max)
{
	*l = (struct sk_lines){ .carry = -1 };
	if (max == 0 || max > SK_LINES_LIMIT)
		return SK_ERANGE;
	l->max = max;
	return 0;
}

static size_t strip_cr(const uint8_t *p, size_t n)
{
	return n && p[n - 1] == '\r' ? n - 1 : n;
}

/* What the last call handed out from the buffer is no longer needed: put
 * back a held byte, or free an empty buffer. */
static void restore(struct sk_lines *l)
{
	if (l->carry >= 0) {
		l->buf[0] = (uint8_t)l->carry;
		l->len = 1;
		l->carry = -1;
	} else if (!l->len && l->buf) {
		free(l->buf);
		l->buf = NULL;
	}
}

static int keep(struct sk_lines *l, const uint8_t *p, size_t n)
{
	if (!l->buf && !(l->buf = malloc(l->max + 1)))
		return -ENOMEM;
	memcpy(l->buf + l->len, p, n);
	l->len += n;
	return 0;
}

static void set(struct sk_line *out, const uint8_t *p, size_t len, bool cut)
{
	*out = (struct sk_line){ .p = p, .len = len, .cut = cut };
}

/* The buffer holds max + 1 bytes and no line ended within them: hand out
 * max bytes and hold the last one back. */
static int cut_buffer(struct sk_lines *l, struct sk_line *out)
{
	set(out, l->buf, l->max, true);
	l->carry = l->buf[l->max];
	l->len = 0;
	return 1;
}

/* Nothing pending: a line wholly in p goes out in place. */
static int next_in_place(struct sk_lines *l, const uint8_t *p, size_t n,
			 struct sk_line *out, size_t *took)
{
	size_t max = l->max;
	/* A line that fits ends within max + 2 bytes (max, CR, LF). */
	const uint8_t *nl = memchr(p, '\n', n < max + 2 ? n : max + 2);
	if (nl) {
		size_t end = (size_t)(nl - p), len = strip_cr(p, end);
		if (len <= max) {
			set(out, p, len, false);
			*took = end + 1;
			return 1;
		}
	}
	if (n > max + 1 || (n == max + 1 && p[max] != '\r')) {
		set(out, p, max, true);
		*took = max;
		return 1;
	}
	int rc = keep(l, p, n);
	if (rc)
		return rc;
	*took = n;
	return 0;
}

/* A partial line is pending: add to it until it ends or must be cut. */
static int next_buffered(struct sk_lines *l, const uint8_t *p, size_t n,
			 struct sk_line *out, size_t *took)
{
	size_t room = l->max + 1 - l->len;
	const uint8_t *nl = memchr(p, '\n', n < room + 1 ? n : room + 1);
	size_t take = nl ? (size_t)(nl - p) : n < room ? n : room;
	memcpy(l->buf + l->len, p, take);
	l->len += take;
	*took = take;
	if (nl) {
		size_t len = strip_cr(l->buf, l->len);
		if (len > l->max)
			return cut_buffer(
			    l, out); /* the LF stays, for the held byte */
		set(out, l->buf, len, false);
		l->len = 0;
		*took = take + 1;
		return 1;
	}
	/* Full: cut, unless the last byte is a CR whose next byte is unknown.
	 */
	if (l->len == l->max + 1 && (l->buf[l->max] != '\r' || n > take))
		return cut_buffer(l, out);
	return 0;
}

int sk_lines_next(struct sk_lines *l, const uint8_t **p, size_t *n,
		  struct sk_line *out)
{
	restore(l);
	if (!*n)
		return 0;
	size_t took = 0;
	int rc = l->len ? next_buffered(l, *p, *n, out, &took)
			: next_in_place(l, *p, *n, out, &took);
	if (rc >= 0) {
		*p += took;
		*n -= took;
	}
	return rc;
}

int sk_lines_end(struct sk_lines *l, struct sk_line *out)
{
	restore(l);
	if (!l->len)
		return 0;
	set(out, l->buf, strip_cr(l->buf, l->len), false);
	l->len = 0;
	return 1;
}

size_t sk_lines_pending(const struct sk_lines *l)
{
	return l->len + (l->carry >= 0);
}

void sk_lines_free(struct sk_lines *l)
{
	free(l->buf);
	l->buf = NULL;
	l->len = 0;
	l->carry = -1;
}

size_t sk_lines_crlf(const uint8_t *in, size_t n, uint8_t *out, bool *last_cr)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n' && !*last_cr)
			out[o++] = '\r';
		out[o++] = in[i];
		*last_cr = in[i] == '\r';
	}
	return o;
}
