/* The datagram session's feed: a file descriptor read as lines (one
 * datagram each) or whole, each datagram queued once the one before it
 * is sent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/bytes.h"
#include "sockit/error.h"
#include "udp_session_int.h"

static void fail(struct sk_udp_session *s, int code, size_t offset, size_t size)
{
	s->input_err = (struct sk_udp_input_error){ .line = s->line, .code = code,
						    .offset = offset, .size = size };
	sk__udp_session_end(s, SK_UDP_SESSION_INPUT, code);
}

/* Decodes text (hex or as it is) and queues it, reading paused. */
static void queue_text(struct sk_udp_session *s, const char *p, size_t n)
{
	uint8_t *buf;
	size_t bad = 0;
	int rc = sk_text_decode(p, n, s->feed.hex ? SK_TEXT_HEX : SK_TEXT_RAW, &buf, &bad);
	if (rc < 0) {
		fail(s, rc, bad, 0);
		return;
	}
	if (s->in)
		sk_fdin_pause(s->in);
	size_t len = (size_t)rc;
	rc = sk_udp_session_queue(s, (const struct sockaddr *)&s->feed_to, s->feed_tolen, buf,
				  len, s->feed.repeat, s->feed.interval_ms);
	if (rc < 0)
		fail(s, rc, 0, rc == -EMSGSIZE ? sk_udp_session_wire_len(s, buf, len) : 0);
	free(buf);
}

static void on_chunk(void *data, const uint8_t *p, size_t n)
{
	struct sk_udp_session *s = data;
	if (sk_str_append(&s->all, (const char *)p, n))
		fail(s, -EMSGSIZE, 0, 0);
}

static void on_line(void *data, const struct sk_line *line)
{
	struct sk_udp_session *s = data;
	s->line++;
	/* Only a piece of the line: its real length is unknown, only that it
	 * does not fit. */
	if (line->cut)
		fail(s, -EMSGSIZE, 0, 0);
	else
		queue_text(s, (const char *)line->p, line->len);
}

static void on_end(void *data, int status)
{
	struct sk_udp_session *s = data;
	if (status < 0) {
		fail(s, status, 0, 0);
		return;
	}
	sk_fdin_close(s->in);
	s->in = NULL;
	if (s->feed.whole) {
		s->line = 0;
		queue_text(s, s->all.p ? s->all.p : "", s->all.len);
	}
	sk_udp_session_input_end(s);
}

int sk_udp_session_feed(struct sk_udp_session *s, const struct sk_udp_feed *f,
			const struct sockaddr *to, socklen_t tolen)
{
	if (s->have || s->in)
		return -EBUSY;
	if (s->stopped || s->input_ended)
		return -EPIPE;
	if (tolen > sizeof s->feed_to)
		return -EINVAL;
	s->feed = *f;
	memcpy(&s->feed_to, to, tolen);
	s->feed_tolen = tolen;
	/* Hex text is at most 3 characters a byte plus a little: enough to
	 * tell "too large" from "just fits". */
	size_t max = f->hex ? 6 * s->max_payload + 64 : s->max_payload;
	s->all.max = max;
	static const struct sk_fdin_cbs cbs = {
		.on_data = on_chunk,
		.on_line = on_line,
		.on_end = on_end,
	};
	return f->whole ? sk_fdin_open(s->loop, f->fd, &cbs, s, &s->in)
			: sk_fdin_open_lines(s->loop, f->fd, max, &cbs, s, &s->in);
}

const struct sk_udp_input_error *
sk_udp_session_input_error(const struct sk_udp_session *s)
{
	return &s->input_err;
}
