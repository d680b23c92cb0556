/* Reading standard input (or any fd) on a libuv loop, whatever it is: a
 * terminal (uv_tty_t, cooked mode, so the terminal does line editing), a
 * pipe or socket (uv_pipe_t), or a regular file (uv_fs_read, since epoll
 * cannot watch files).  Delivers lines or raw chunks.
 *
 * How the commands use it: `udp chat` reads console lines (tty) or data
 * lines (pipe, file) with it; `tcp listen -k` reads its console the same
 * way, and TCP relays may use SK_LINEIN_RAW with pause/resume for
 * backpressure.
 */
#ifndef SOCKIT_LINEIN_H
#define SOCKIT_LINEIN_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

enum sk_linein_mode {
	SK_LINEIN_LINES, /* one callback per line, "\n" or "\r\n" removed */
	SK_LINEIN_RAW,   /* one callback per read */
};

struct sk_linein;

/* data[0..len) is valid during the call only.  A line longer than max_line
 * is delivered in pieces of max_line bytes (never dropped); the last line
 * of the input is delivered even without a line ending. */
typedef void (*sk_linein_data_cb)(void *arg, const char *data, size_t len);
/* End of input (status 0) or a read error (negative); no data follows. */
typedef void (*sk_linein_end_cb)(void *arg, int status);

/* Starts reading fd on loop.  fd stays owned by the caller (it is not
 * closed).  Returns 0 or a negative code with err filled. */
int sk_linein_start(uv_loop_t *loop, int fd, enum sk_linein_mode mode,
		    size_t max_line, sk_linein_data_cb data,
		    sk_linein_end_cb end, void *arg, struct sk_linein **out,
		    char *err);

/* Whether the input is a terminal. */
bool sk_linein_is_tty(const struct sk_linein *in);

/* Stops delivering data until resumed (backpressure). */
void sk_linein_pause(struct sk_linein *in);
void sk_linein_resume(struct sk_linein *in);

/* Stops and frees; the handles are closed through the loop, so run the loop
 * (uv_run) once more before uv_loop_close.  No callback runs after this. */
void sk_linein_close(struct sk_linein *in);

#endif
