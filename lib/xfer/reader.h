/* Internal to lib/xfer: a buffered frame reader over an xfer stream, shared
 * by the sender and the receiver. */
#ifndef SOCKIT_XFER_READER_H
#define SOCKIT_XFER_READER_H

#include "sockit/xfer.h"

struct sk__rd {
	struct sk_xfer_stream *s;
	uint8_t *buf;
	size_t cap, start, end;
};

/* cap must hold at least one control frame (SK_XFER_CONTROL_MAX). */
int sk__rd_init(struct sk__rd *r, struct sk_xfer_stream *s, size_t cap);
void sk__rd_free(struct sk__rd *r);

/* Reads the next frame header: *type and *len, the header consumed.  For
 * every type but DATA the payload is buffered too and decoded into *m (its
 * pointers valid until the next call).  For DATA the payload is left for
 * sk__rd_data.  Returns 0, SK_EXFERCUT at EOF, SK_EFRAMEBAD / SK_EFRAMEBIG,
 * or a read error. */
int sk__rd_frame(struct sk__rd *r, struct sk_xfer_msg *m, uint32_t *len);

/* Up to want payload bytes already buffered or read now: *p points at
 * them, the count is returned (> 0), SK_EXFERCUT at EOF, or an error. */
ssize_t sk__rd_data(struct sk__rd *r, size_t want, const uint8_t **p);

/* Sends one encoded control frame. */
int sk__send_msg(struct sk_xfer_stream *s, const struct sk_xfer_msg *m);

#endif
