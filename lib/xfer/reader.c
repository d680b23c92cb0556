/* The buffered frame reader and the SHA-256 helpers (see reader.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "sockit/error.h"

int sk__rd_init(struct sk__rd *r, struct sk_xfer_stream *s, size_t cap)
{
	memset(r, 0, sizeof *r);
	r->s = s;
	r->buf = malloc(cap);
	if (!r->buf)
		return -ENOMEM;
	r->cap = cap;
	return 0;
}

void sk__rd_free(struct sk__rd *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Makes at least n bytes available from r->start (n <= cap). */
static int need(struct sk__rd *r, size_t n)
{
	if (r->end - r->start >= n)
		return 0;
	if (r->cap - r->start < n) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	while (r->end - r->start < n) {
		ssize_t got = sk_xfer_read(r->s, r->buf + r->end, r->cap - r->end);
		if (got < 0)
			return (int)got;
		if (got == 0)
			return SK_EXFERCUT;
		r->end += (size_t)got;
	}
	return 0;
}

int sk__rd_frame(struct sk__rd *r, struct sk_xfer_msg *m, uint32_t *len)
{
	int rc = need(r, SK_XFER_HEADLEN);
	if (rc)
		return rc;
	uint8_t type;
	rc = sk_xfer_head_decode(r->buf + r->start, r->end - r->start, &type, len);
	if (rc < 0)
		return rc;
	if (type == SK_XFER_DATA) {
		memset(m, 0, sizeof *m);
		m->type = type;
		r->start += SK_XFER_HEADLEN;
		return 0;
	}
	rc = need(r, SK_XFER_HEADLEN + *len);
	if (rc)
		return rc;
	rc = sk_xfer_decode(r->buf + r->start, r->end - r->start, m);
	if (rc < 0)
		return rc;
	r->start += (size_t)rc;
	return 0;
}

ssize_t sk__rd_data(struct sk__rd *r, size_t want, const uint8_t **p)
{
	if (r->start == r->end) {
		r->start = r->end = 0;
		ssize_t got = sk_xfer_read(r->s, r->buf, r->cap);
		if (got < 0)
			return got;
		if (got == 0)
			return SK_EXFERCUT;
		r->end = (size_t)got;
	}
	size_t n = r->end - r->start;
	if (n > want)
		n = want;
	*p = r->buf + r->start;
	r->start += n;
	return (ssize_t)n;
}

int sk__send_msg(struct sk_xfer_stream *s, const struct sk_xfer_msg *m)
{
	uint8_t buf[SK_XFER_CONTROL_MAX];
	int n = sk_xfer_encode(buf, sizeof buf, m);
	if (n < 0)
		return n;
	return sk_xfer_write_all(s, buf, (size_t)n);
}
