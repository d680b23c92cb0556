/* Standard input and output on a libuv loop, whatever they are: a pipe,
 * a terminal, a socket, a regular file or /dev/zero.  libuv polls pipes,
 * terminals and sockets, but a regular file is always "ready" and cannot
 * be polled, so a file is read in chunks from an idle handle while the
 * reader is not paused.
 *
 * How commands use it: a relay (tcp connect, tcp listen) opens stdin with
 * sk_fdin_open, writes what arrives to its connection, and pauses stdin
 * while the connection's queue is above its limit (sk_conn_queued),
 * resuming in on_drain; received bytes go out with sk_fd_write_all, which
 * blocks: a slow stdout slows the whole relay, which is the backpressure
 * wanted from a single-stream tool.
 */
#ifndef SOCKIT_FDIO_H
#define SOCKIT_FDIO_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct sk_fdin;

struct sk_fdin_cbs {
	void (*on_data)(void *data, const uint8_t *p, size_t n);
	/* End of input: status 0, or a negative read error.  No more
	 * on_data after it. */
	void (*on_end)(void *data, int status);
};

/* Starts reading fd (not closed by sk_fdin_close).  Returns 0 or a
 * negative code. */
int sk_fdin_open(uv_loop_t *loop, int fd, const struct sk_fdin_cbs *cbs,
		 void *data, struct sk_fdin **out);
void sk_fdin_pause(struct sk_fdin *in);
void sk_fdin_resume(struct sk_fdin *in);
/* Stops reading and frees in once libuv has closed its handle. */
void sk_fdin_close(struct sk_fdin *in);

/* Writes all of p to fd, waiting with poll() when fd is non-blocking.
 * Returns 0 or -errno (-EPIPE when the reader went away). */
int sk_fd_write_all(int fd, const void *p, size_t n);

#endif
