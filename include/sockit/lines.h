/* The one line splitter: bytes as they arrive (reads of any size) in,
 * bounded lines out.  Pure: no I/O; it only allocates the partial line it
 * must keep between reads.
 *
 * The rule, the same for every command:
 *   - LF ends a line, and a CR right before that LF belongs to the line
 *     ending (CRLF == LF); the ending is not part of the line.  Any other
 *     CR is data.
 *   - The end of the input (sk_lines_end) ends a partial last line as an
 *     LF would, so "last\r" at the end gives "last".
 *   - A line never exceeds max bytes: a longer one comes out in pieces of
 *     exactly max bytes marked cut, then its rest as an ordinary line.
 *     A line of exactly max bytes followed by CRLF is one line, not a
 *     piece and an empty line.
 *
 * Use: the caller loops until "need more", and may stop between lines
 * (to pause) and carry on later with what is left of its buffer:
 *     struct sk_lines l;
 *     sk_lines_init(&l, 4096);
 *     on each read p[0..n):
 *         struct sk_line line;
 *         while ((rc = sk_lines_next(&l, &p, &n, &line)) > 0)
 *                 use line.p[0..line.len)
 *     at the end of input:
 *         if (sk_lines_end(&l, &line) > 0) use it;
 *     sk_lines_free(&l);
 * A line wholly inside the caller's read is handed over in place, without
 * a copy; only a line split across reads goes through the splitter's
 * buffer (max + 1 bytes), which is freed again once it is empty, so an
 * idle splitter holds no memory.
 */
#ifndef SOCKIT_LINES_H
#define SOCKIT_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest max a splitter accepts. */
#define SK_LINES_LIMIT (16u * 1024 * 1024)

struct sk_lines {
	size_t max;
	uint8_t *buf; /* the partial line: max + 1 bytes, or NULL */
	size_t len;
	int carry; /* a byte held back after a cut piece, or -1 */
};

/* One line (or piece).  p points into the caller's bytes or into the
 * splitter's buffer: valid until the next call on the splitter, and as
 * long as the caller's bytes when it points there. */
struct sk_line {
	const uint8_t *p;
	size_t len;
	bool cut; /* a max-byte piece of a longer line: more of it follows */
};

/* Sets up an empty splitter for lines of at most max bytes.  Returns 0, or
 * SK_ERANGE when max is 0 or above SK_LINES_LIMIT. */
int sk_lines_init(struct sk_lines *l, size_t max);

/* Takes bytes from *p[0..*n) until one line is complete, advancing *p and
 * *n past what it took.  Returns 1 with *out filled (call again for the
 * next), 0 when all of *p was taken and no line is complete yet (need
 * more), or -ENOMEM (nothing taken). */
int sk_lines_next(struct sk_lines *l, const uint8_t **p, size_t *n,
		  struct sk_line *out);

/* The end of the input: returns 1 with the partial last line in *out, or 0
 * when there is none.  The splitter is empty afterwards. */
int sk_lines_end(struct sk_lines *l, struct sk_line *out);

/* Bytes held for a line not yet complete. */
size_t sk_lines_pending(const struct sk_lines *l);

/* Frees the buffer; the splitter is empty afterwards (and may be reused). */
void sk_lines_free(struct sk_lines *l);

/* Adds a CR before every LF not already preceded by one (netcat's -C).
 * out holds 2 * n bytes; *last_cr carries the state across calls (false
 * at the start).  Returns the length written to out. */
size_t sk_lines_crlf(const uint8_t *in, size_t n, uint8_t *out, bool *last_cr);

#endif
