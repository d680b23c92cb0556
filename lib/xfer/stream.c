/* Reading and writing an xfer stream: a plain socket, or a wrapper (TLS)
 * through its function pointers. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/xfer.h"

ssize_t sk_xfer_read(struct sk_xfer_stream *s, void *buf, size_t n)
{
	if (s->read)
		return s->read(s->ctx, buf, n);
	for (;;) {
		ssize_t r = read(s->fd, buf, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		/* SO_RCVTIMEO expiring shows as EAGAIN: a timeout to the user. */
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	}
}

int sk_xfer_write_all(struct sk_xfer_stream *s, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t w;
		if (s->write) {
			w = s->write(s->ctx, p, n);
			if (w < 0)
				return (int)w;
		} else {
			/* MSG_NOSIGNAL: a peer that went away is an error code,
			 * not a SIGPIPE that kills the program. */
			w = send(s->fd, p, n, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == ENOTSOCK) {
					w = write(s->fd, p, n);
					if (w >= 0)
						goto wrote;
				}
				return errno == EAGAIN ? -ETIMEDOUT : -errno;
			}
		}
	wrote:
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
