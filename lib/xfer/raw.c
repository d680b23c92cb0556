/* The protocol-less ("raw") mode of file transfer: a file's bytes copied
 * to a stream as they are, and a stream stored under a name atomically,
 * its SHA-256 computed on the way so both ends can compare it with
 * sha256sum. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/say.h"
#include "digest.h"
#include "sockit/clock.h"
#include "sockit/error.h"
#include "sockit/xfer.h"

void sk_xfer_set_timeouts(int fd, uint64_t timeout_ms)
{
	if (!timeout_ms)
		return;
	struct timeval tv = { (time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void sk_xfer_close_after_peer(int fd, uint64_t timeout_ms)
{
	static char sink[4096];
	shutdown(fd, SHUT_WR);
	uint64_t end = sk_clock_ns() + timeout_ms * 1000000u;
	for (;;) {
		uint64_t now = sk_clock_ns();
		if (now >= end)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, (int)((end - now) / 1000000u) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ssize_t r = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	close(fd);
}

/* A regular file to a plain socket: the kernel copies, not us. */
static int send_by_sendfile(int sock, int fd, off_t size, uint64_t *sent)
{
	while ((off_t)*sent < size) {
		ssize_t n = sendfile(sock, fd, NULL, 1u << 30);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* the file shrank: what was there is sent */
		*sent += (uint64_t)n;
	}
	return 0;
}

int sk_xfer_raw_send(struct sk_xfer_stream *s, int fd, uint64_t *sent, bool *input_failed)
{
	*sent = 0;
	*input_failed = false;
	struct stat st;
	if (fstat(fd, &st)) {
		*input_failed = true;
		return -errno;
	}
	if (S_ISREG(st.st_mode) && !s->write)
		return send_by_sendfile(s->fd, fd, st.st_size, sent);
	static char buf[1 << 17];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*input_failed = true;
			return -errno;
		}
		if (n == 0)
			return 0;
		int rc = sk_xfer_write_all(s, buf, (size_t)n);
		if (rc)
			return rc;
		*sent += (uint64_t)n;
	}
}

/* Copies the stream into out until its end, hashing it.  Returns 0, a
 * stream error, or (with *write_failed) the error writing out. */
static int copy_in(struct sk_xfer_stream *s, int out, struct sk__digest *d, uint64_t *bytes,
		   bool *write_failed)
{
	static uint8_t buf[1 << 20];
	for (;;) {
		ssize_t n = sk_xfer_read(s, buf, sizeof buf);
		if (n <= 0)
			return (int)n;
		sk__digest_update(d, buf, (size_t)n);
		for (size_t done = 0; done < (size_t)n;) {
			ssize_t w = write(out, buf + done, (size_t)n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				*write_failed = true;
				return -errno;
			}
			done += (size_t)w;
		}
		*bytes += (uint64_t)n;
	}
}

/* Makes the .part file whole under its real name. */
static int commit(const struct sk_xfer_store_opts *o, int out, const char *part, char *err)
{
	int rc = fsync(out) ? -errno : 0;
	close(out);
	if (!rc && (o->overwrite ? renameat(o->dirfd, part, o->dirfd, o->name)
				 : renameat2(o->dirfd, part, o->dirfd, o->name, RENAME_NOREPLACE)))
		rc = -errno;
	if (rc)
		return sk_err_set(err, rc, "%s: %s (the data is in %s)", o->name, sk_strerror(rc),
				  part);
	fsync(o->dirfd);
	return 0;
}

/* o->path as name in an open dirfd, or as fd for what is no regular file;
 * base holds the name. */
static int open_path(struct sk_xfer_store_opts *o, char *base, size_t cap, char *err)
{
	struct stat st;
	if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->fd = open(o->path, O_WRONLY | O_CLOEXEC);
		return o->fd < 0 ? sk__err_say(err, -errno, "%s: %s", o->path, sk_strerror(-errno))
				 : 0;
	}
	char dir[PATH_MAX], name[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", o->path);
	snprintf(name, sizeof name, "%s", o->path);
	/* basename() may return name itself: copied into a buffer of its own
	 * (an overlapping snprintf left "disk.img" empty). */
	const char *d = dirname(dir);
	snprintf(base, cap, "%s", basename(name));
	o->name = base;
	o->dirfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return o->dirfd < 0 ? sk__err_say(err, -errno, "%s: %s", d, sk_strerror(-errno)) : 0;
}

int sk_xfer_store(struct sk_xfer_stream *s, const struct sk_xfer_store_opts *opts,
		  struct sk_xfer_store_stats *st, char *err)
{
	if (opts->path) {
		struct sk_xfer_store_opts o = { .overwrite = opts->overwrite, .fd = -1,
						.dirfd = -1 };
		char base[PATH_MAX];
		memset(st, 0, sizeof *st);
		o.path = opts->path;
		int rc = open_path(&o, base, sizeof base, err);
		o.path = NULL;
		if (!rc)
			rc = sk_xfer_store(s, &o, st, err);
		if (o.dirfd >= 0)
			close(o.dirfd);
		if (o.fd >= 0)
			close(o.fd);
		return rc;
	}
	const struct sk_xfer_store_opts *o = opts;
	memset(st, 0, sizeof *st);
	char part[SK_XFER_NAME_MAX + 8];
	int out = o->fd;
	if (o->name) {
		if (snprintf(part, sizeof part, ".%s.part", o->name) >= (int)sizeof part)
			return sk_err_set(err, -ENAMETOOLONG, "%s: name too long", o->name);
		out = openat(o->dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			     0644);
		if (out < 0)
			return sk_err_set(err, -errno, "%s: %s", part, sk_strerror(-errno));
	}
	struct sk__digest d;
	int rc = sk__digest_init(&d, SK_XFER_DIGEST_SHA256);
	bool write_failed = false;
	if (!rc)
		rc = copy_in(s, out, &d, &st->bytes, &write_failed);
	if (!rc)
		rc = sk__digest_peek(&d, st->sha256);
	sk__digest_free(&d);
	const char *doing = write_failed ? "writing: " : "";
	if (!o->name)
		return rc ? sk_err_set(err, rc, "%s%s", doing, sk_strerror(rc)) : 0;
	if (!rc)
		return commit(o, out, part, err);
	close(out);
	return sk_err_set(err, rc, "%s%s; %llu bytes kept in %s, not renamed", doing,
			  sk_strerror(rc), (unsigned long long)st->bytes, part);
}
