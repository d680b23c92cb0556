/* The one reader of standard input (or any readable fd) on a libuv loop,
 * whatever it is: a terminal (uv_tty_t in cooked mode, so the terminal
 * does the line editing), a pipe or socket (uv_pipe_t), or a regular file
 * or character device such as /dev/zero.  epoll cannot watch a regular
 * file, which is always "ready", so a file is read in chunks from an idle
 * handle while the reader is not paused.
 *
 * It delivers either raw chunks (sk_fdin_open) or bounded lines cut by
 * the one line splitter, with its CR/LF rule (sk_fdin_open_lines,
 * sockit/lines.h).  Pausing takes effect at once: in line mode the lines
 * left of the last read wait, unread further, until sk_fdin_resume.
 *
 * How it is used: the relay (sockit/relay.h) reads stdin raw and pauses
 * while its connection's queue is full, resuming when it drains; `udp
 * send` and `udp chat` read lines (one datagram each) and the consoles of
 * `udp chat` and `tcp listen -k` read command lines from a terminal
 * (sk_fdin_is_tty).  Received bytes go out with sk_fd_write_all, which
 * blocks: a slow stdout slows the whole relay, which is the backpressure
 * wanted from a single-stream tool.
 */
#ifndef SOCKIT_FDIO_H
#define SOCKIT_FDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sockit/lines.h"

struct sk_fdin;

/* Callbacks run from the loop, or from sk_fdin_resume (the lines held by
 * a pause).  Bytes and lines are valid during the call only.  Any of them
 * may pause, resume or close the reader. */
struct sk_fdin_cbs {
	/* Raw mode: each read as it came. */
	void (*on_data)(void *data, const uint8_t *p, size_t n);
	/* Line mode: one line, or a piece of an over-long one (line->cut);
	 * the last line of the input comes even without its line ending. */
	void (*on_line)(void *data, const struct sk_line *line);
	/* End of input: status 0, or a negative read error.  Nothing comes
	 * after it (the reader still needs sk_fdin_close). */
	void (*on_end)(void *data, int status);
};

/* Starts reading fd in raw mode (cbs->on_data).  fd stays the caller's (it
 * is not closed).  Returns 0 with *out set, or a negative code (-EBADF and
 * the like when fd cannot be read, -EISDIR for a directory, -ENOMEM);
 * then no callback runs. */
int sk_fdin_open(uv_loop_t *loop, int fd, const struct sk_fdin_cbs *cbs,
		 void *data, struct sk_fdin **out);

/* The same in line mode (cbs->on_line), lines of at most max_line bytes
 * (1 to SK_LINES_LIMIT, else SK_ERANGE). */
int sk_fdin_open_lines(uv_loop_t *loop, int fd, size_t max_line,
		       const struct sk_fdin_cbs *cbs, void *data,
		       struct sk_fdin **out);

/* Whether fd is a terminal (a person typing). */
bool sk_fdin_is_tty(const struct sk_fdin *in);

/* Stops delivering until resumed (backpressure).  Resuming from outside a
 * callback first hands over, before it returns, the lines a pause held. */
void sk_fdin_pause(struct sk_fdin *in);
void sk_fdin_resume(struct sk_fdin *in);

/* Stops reading; no callback runs after this.  The handle is closed
 * through the loop, so run the loop once more before uv_loop_close.  NULL
 * is a no-op. */
void sk_fdin_close(struct sk_fdin *in);

/* Writes all of p to fd, waiting with poll() when fd is non-blocking.
 * Returns 0 or -errno (-EPIPE when the reader went away). */
int sk_fd_write_all(int fd, const void *p, size_t n);

#endif
