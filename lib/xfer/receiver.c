/* The receiving side of a session (docs/PROTOCOL.md).  Every byte from the
 * peer is hostile: names are checked, paths are walked one component at a
 * time without following symbolic links, data lands in .NAME.part and is
 * renamed only after its SHA-256 matches. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "reader.h"
#include "sockit/clock.h"
#include "sockit/bytes.h"
#include "sockit/error.h"
#include "sockit/xfer.h"

struct rcv {
	struct sk_xfer_stream *s;
	struct sk__rd rd;
	const struct sk_xfer_recv_opts *o;
	struct sk_xfer_recv_stats *st;
	char *err;
	bool resume;
	enum sk_xfer_digest digest; /* the session's */
	size_t digest_len;
	char shown[4 * 64 + 8]; /* the current name, escaped, for messages */
};

/* The program's hint after a refusal's reason, as three %s: " (", hint,
 * ")", or nothing at all. */
#define HINT(h) (h) ? " (" : "", (h) ? (h) : "", (h) ? ")" : ""

/* Sends a refusing VERDICT and fills err with the same words. */
static int refuse(struct rcv *x, unsigned reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct rcv *x, unsigned reason, const char *fmt, ...)
{
	char text[SK_XFER_TEXT_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > SK_XFER_TEXT_MAX)
		n = SK_XFER_TEXT_MAX;
	struct sk_xfer_msg m = { .type = SK_XFER_VERDICT };
	m.u.verdict.status = 1;
	m.u.verdict.reason = (uint16_t)reason;
	m.u.verdict.text = (const uint8_t *)text;
	m.u.verdict.text_len = (size_t)n;
	/* Best effort: the peer may be gone already. */
	sk__send_msg(x->s, &m);
	x->st->reason = reason;
	/* "what: why" already, so not through sk_err_set's ": message". */
	if (x->err)
		snprintf(x->err, SK_ERRLEN, "refused %.64s: %s: %.160s",
			 x->shown[0] ? x->shown : "the session",
			 sk_xfer_reason_name(reason), text);
	return SK_EXFERREFUSED;
}

static int refuse_frame(struct rcv *x, int rc)
{
	if (rc == SK_EFRAMEBIG)
		return refuse(x, SK_XFER_R_PROTOCOL, "frame length over its bound");
	return refuse(x, SK_XFER_R_PROTOCOL, "malformed frame");
}

/* Reads the next frame; a cut connection or read error is returned as is
 * (nothing to tell a peer that is gone), a bad frame is refused. */
static int next(struct rcv *x, struct sk_xfer_msg *m, uint32_t *len)
{
	int rc = sk__rd_frame(&x->rd, m, len);
	if (rc == SK_EFRAMEBAD || rc == SK_EFRAMEBIG)
		return refuse_frame(x, rc);
	if (rc == SK_EXFERCUT)
		return sk_err_set(x->err, rc, "%s", x->shown[0] ? x->shown : "session");
	if (rc < 0)
		return sk_err_set(x->err, rc, "reading from the sender");
	return 0;
}

static int ok(struct rcv *x)
{
	struct sk_xfer_msg m = { .type = SK_XFER_VERDICT };
	int rc = sk__send_msg(x->s, &m);
	return rc ? sk_err_set(x->err, rc, "sending the verdict") : 0;
}

/* Why opening a path component failed, as a refusal. */
static int refuse_open(struct rcv *x, int at, const char *comp, const char *path,
		       int e)
{
	struct stat st;
	if (!fstatat(at, comp, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISLNK(st.st_mode))
			return refuse(x, SK_XFER_R_SYMLINK, "%s is a symbolic link", path);
		if (e == ENOTDIR || !S_ISDIR(st.st_mode))
			return refuse(x, SK_XFER_R_TYPE, "%s exists and is not a directory", path);
	}
	return refuse(x, SK_XFER_R_IO, "%s: %s", path, strerror(e));
}

/* Opens (creating as needed) the directories of name, which is checked and
 * NUL-terminated; *base gets its last component.  Returns the directory's
 * fd (o->dirfd itself for a top-level name) or a refusal. */
static int open_parent(struct rcv *x, char *name, const char **base)
{
	int cur = x->o->dirfd;
	char *p = name;
	for (;;) {
		char *slash = strchr(p, '/');
		if (!slash) {
			*base = p;
			return cur;
		}
		*slash = 0;
		int next = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			if (mkdirat(cur, p, 0755) && errno != EEXIST) {
				int e = errno;
				int rc = refuse(x, SK_XFER_R_IO, "mkdir %s: %s", name, strerror(e));
				if (cur != x->o->dirfd)
					close(cur);
				return rc;
			}
			next = openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			int rc = refuse_open(x, cur, p, name, errno);
			if (cur != x->o->dirfd)
				close(cur);
			return rc;
		}
		*slash = '/';
		if (cur != x->o->dirfd)
			close(cur);
		cur = next;
		p = slash + 1;
	}
}

static void close_parent(struct rcv *x, int fd)
{
	if (fd >= 0 && fd != x->o->dirfd)
		close(fd);
}

static int recv_dir(struct rcv *x, char *name, const struct sk_xfer_msg *fm)
{
	const char *base;
	int dfd = open_parent(x, name, &base);
	if (dfd < 0)
		return dfd;
	int rc = 0;
	if (mkdirat(dfd, base, (fm->u.file.mode & 0777) | 0700)) {
		struct stat st;
		if (errno != EEXIST)
			rc = refuse(x, SK_XFER_R_IO, "mkdir %s: %s", name, strerror(errno));
		else if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW))
			rc = refuse(x, SK_XFER_R_IO, "%s: %s", name, strerror(errno));
		else if (S_ISLNK(st.st_mode))
			rc = refuse(x, SK_XFER_R_SYMLINK, "%s is a symbolic link", name);
		else if (!S_ISDIR(st.st_mode))
			rc = refuse(x, SK_XFER_R_TYPE, "%s exists and is not a directory", name);
	}
	close_parent(x, dfd);
	if (rc)
		return rc;
	x->st->dirs++;
	return ok(x);
}

struct part {
	int dfd, fd;
	const char *base;
	char name[256 + 8];
	struct sk__digest dg;
	uint64_t size, got;
};

/* Refuses and deletes the .part: its content is not the file. */
static int refuse_drop(struct rcv *x, struct part *p, unsigned reason,
		       const char *what)
{
	unlinkat(p->dfd, p->name, 0);
	return refuse(x, reason, "%s", what);
}

static int write_data(struct rcv *x, struct part *p, uint32_t len)
{
	const struct sk_xfer_progress *pr = x->o->progress;
	if (len > p->size - p->got)
		return refuse_drop(x, p, SK_XFER_R_SIZE, "more data than the declared size");
	while (len) {
		const uint8_t *d;
		ssize_t n = sk__rd_data(&x->rd, len, &d);
		if (n == SK_EXFERCUT)
			return sk_err_set(x->err, (int)n, "%s", x->shown);
		if (n < 0)
			return sk_err_set(x->err, (int)n, "%s: reading", x->shown);
		if (sk__digest_update(&p->dg, d, (size_t)n))
			return sk_err_set(x->err, -ENOMEM, "digest");
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(p->fd, d + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				char why[128];
				snprintf(why, sizeof why, "writing: %s", strerror(errno));
				return refuse_drop(x, p, SK_XFER_R_IO, why);
			}
			done += w;
		}
		len -= (uint32_t)n;
		p->got += (uint64_t)n;
		x->st->bytes += (uint64_t)n;
		if (pr && pr->file_bytes)
			pr->file_bytes(pr->arg, p->got, p->size);
	}
	return 0;
}

/* Mode, mtime, fsync, then the rename that makes the file appear. */
static int commit(struct rcv *x, struct part *p, const struct sk_xfer_msg *fm)
{
	struct timespec ts[2] = { { fm->u.file.mtime, 0 }, { fm->u.file.mtime, 0 } };
	if (fchmod(p->fd, fm->u.file.mode & 0777) || futimens(p->fd, ts) || fsync(p->fd)) {
		char why[128];
		snprintf(why, sizeof why, "%s", strerror(errno));
		return refuse_drop(x, p, SK_XFER_R_IO, why);
	}
	int r = x->o->overwrite ? renameat(p->dfd, p->name, p->dfd, p->base)
				: renameat2(p->dfd, p->name, p->dfd, p->base, RENAME_NOREPLACE);
	if (r) {
		if (errno == EEXIST)
			return refuse_drop(x, p, SK_XFER_R_EXISTS, "the name appeared meanwhile");
		if (errno == EISDIR || errno == ENOTEMPTY)
			return refuse_drop(x, p, SK_XFER_R_TYPE, "exists as a directory");
		char why[128];
		snprintf(why, sizeof why, "rename: %s", strerror(errno));
		return refuse_drop(x, p, SK_XFER_R_IO, why);
	}
	fsync(p->dfd);
	return 0;
}

static int transfer(struct rcv *x, struct part *p, const struct sk_xfer_msg *fm)
{
	const struct sk_xfer_progress *pr = x->o->progress;
	struct stat st;
	if (fstat(p->fd, &st))
		return refuse(x, SK_XFER_R_IO, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return refuse(x, SK_XFER_R_TYPE, "%s is not a regular file", p->name);
	uint64_t held = 0;
	struct sk_xfer_msg m = { .type = SK_XFER_OFFER };
	if (x->resume && st.st_size > 0 && (uint64_t)st.st_size <= p->size) {
		uint8_t *buf = malloc(SK_XFER_DATA_MAX);
		int rc = buf ? sk__digest_file(&p->dg, p->fd, (uint64_t)st.st_size, buf,
					       SK_XFER_DATA_MAX) : -ENOMEM;
		free(buf);
		if (rc || sk__digest_peek(&p->dg, m.u.offer.digest))
			return refuse(x, SK_XFER_R_IO, "reading %s", p->name);
		held = (uint64_t)st.st_size;
	}
	m.u.offer.offset = held;
	m.u.offer.digest_len = (uint8_t)x->digest_len;
	int rc = sk__send_msg(x->s, &m);
	if (rc)
		return sk_err_set(x->err, rc, "%s: sending the offer", x->shown);
	uint32_t len;
	if ((rc = next(x, &m, &len)))
		return rc;
	if (m.type != SK_XFER_START || (m.u.start.offset && m.u.start.offset != held))
		return refuse(x, SK_XFER_R_PROTOCOL, "expected START at 0 or %llu",
			      (unsigned long long)held);
	if (!m.u.start.offset) {
		if ((held || st.st_size) && ftruncate(p->fd, 0))
			return refuse(x, SK_XFER_R_IO, "truncate: %s", strerror(errno));
		if (held && sk__digest_reset(&p->dg))
			return sk_err_set(x->err, -ENOMEM, "digest");
	}
	p->got = m.u.start.offset;
	if (lseek(p->fd, (off_t)p->got, SEEK_SET) < 0)
		return refuse(x, SK_XFER_R_IO, "seek: %s", strerror(errno));
	if (pr && pr->file_begin)
		pr->file_begin(pr->arg, x->shown, p->size, p->got);
	for (;;) {
		if ((rc = next(x, &m, &len))) {
			/* A bad frame mid-file: what is held cannot be trusted. */
			if (rc == SK_EXFERREFUSED)
				unlinkat(p->dfd, p->name, 0);
			return rc;
		}
		if (m.type == SK_XFER_DATA) {
			if ((rc = write_data(x, p, len)))
				return rc;
			continue;
		}
		if (m.type != SK_XFER_END)
			return refuse_drop(x, p, SK_XFER_R_PROTOCOL, "expected DATA or END");
		break;
	}
	if (p->got != p->size) {
		char why[96];
		snprintf(why, sizeof why, "END after %llu of %llu bytes",
			 (unsigned long long)p->got, (unsigned long long)p->size);
		return refuse_drop(x, p, SK_XFER_R_SIZE, why);
	}
	/* The digest is fixed by the HELLO: one of another length in END is
	 * a peer changing it mid-session. */
	if (m.u.end.digest_len != x->digest_len)
		return refuse_drop(x, p, SK_XFER_R_PROTOCOL, "END with another digest");
	uint8_t mine[SK_XFER_DIGEST_MAX];
	if (sk__digest_peek(&p->dg, mine))
		return sk_err_set(x->err, -ENOMEM, "digest");
	if (memcmp(mine, m.u.end.digest, x->digest_len))
		return refuse_drop(x, p, SK_XFER_R_MISMATCH,
				   x->digest == SK_XFER_DIGEST_SHA256
					   ? "SHA-256 of the data differs from the sender's"
					   : "XXH3-128 of the data differs from the sender's");
	if ((rc = commit(x, p, fm)))
		return rc;
	x->st->files++;
	if (pr && pr->file_end)
		pr->file_end(pr->arg, x->shown, p->size, 0);
	return ok(x);
}

static int recv_file(struct rcv *x, char *name, const struct sk_xfer_msg *fm)
{
	if (x->o->max_size && fm->u.file.size > x->o->max_size)
		return refuse(x, SK_XFER_R_TOOLARGE, "%llu bytes; the limit is %llu",
			      (unsigned long long)fm->u.file.size,
			      (unsigned long long)x->o->max_size);
	struct part p = { .fd = -1, .size = fm->u.file.size };
	p.dfd = open_parent(x, name, &p.base);
	if (p.dfd < 0)
		return p.dfd;
	int rc = 0;
	struct stat st;
	if (!fstatat(p.dfd, p.base, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISDIR(st.st_mode))
			rc = refuse(x, SK_XFER_R_TYPE, "exists as a directory");
		else if (!x->o->overwrite)
			rc = refuse(x, SK_XFER_R_EXISTS,
				    "the receiver keeps existing files%s%s%s",
				    HINT(x->o->hint_exists));
		if (rc)
			goto out;
	}
	snprintf(p.name, sizeof p.name, ".%s.part", p.base);
	p.fd = openat(p.dfd, p.name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (p.fd < 0) {
		rc = errno == ELOOP ? refuse(x, SK_XFER_R_SYMLINK, "%s is a symbolic link", p.name)
				    : refuse(x, SK_XFER_R_IO, "%s: %s", p.name, strerror(errno));
		goto out;
	}
	/* A .part with other links is someone else's file under our name:
	 * writing it would change that file.  Start a fresh one instead. */
	struct stat ps;
	if (!fstat(p.fd, &ps) && S_ISREG(ps.st_mode) && ps.st_nlink > 1) {
		close(p.fd);
		unlinkat(p.dfd, p.name, 0);
		p.fd = openat(p.dfd, p.name,
			      O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (p.fd < 0) {
			rc = refuse(x, SK_XFER_R_IO, "%s: %s", p.name, strerror(errno));
			goto out;
		}
	}
	rc = sk__digest_init(&p.dg, x->digest);
	rc = rc ? sk_err_set(x->err, rc, "digest") : transfer(x, &p, fm);
out:
	sk__digest_free(&p.dg);
	if (p.fd >= 0)
		close(p.fd);
	close_parent(x, p.dfd);
	return rc;
}

static int one_entry(struct rcv *x, const struct sk_xfer_msg *m)
{
	char name[SK_XFER_NAME_MAX + 1];
	size_t n = m->u.file.name_len;
	sk_escape(m->u.file.name, n < 64 ? n : 64, x->shown, sizeof x->shown);
	if (n > 64)
		snprintf(x->shown + strlen(x->shown), 4, "...");
	char why[SK_ERRLEN];
	if (sk_xfer_name_check(m->u.file.name, n, why))
		return refuse(x, SK_XFER_R_BADNAME, "%s", why);
	memcpy(name, m->u.file.name, n);
	name[n] = 0;
	return m->u.file.kind == SK_XFER_DIR ? recv_dir(x, name, m) : recv_file(x, name, m);
}

static int session(struct rcv *x)
{
	struct sk_xfer_msg m;
	uint32_t len;
	int rc = sk__rd_frame(&x->rd, &m, &len);
	if (rc == SK_EFRAMEBAD || rc == SK_EFRAMEBIG || (!rc && m.type != SK_XFER_HELLO))
		return refuse(x, SK_XFER_R_PROTOCOL,
			      "not a sockit file transfer%s%s%s",
			      HINT(x->o->hint_protocol));
	if (rc == SK_EXFERCUT)
		return sk_err_set(x->err, rc, "before the hello");
	if (rc)
		return sk_err_set(x->err, rc, "reading the hello");
	x->st->started = true; /* a sockit peer, whatever its version */
	unsigned v = m.u.hello.version;
	if (v < 1 || v > SK_XFER_VERSION)
		return refuse(x, SK_XFER_R_VERSION, "version %u; this receiver speaks 1 to %u", v,
			      SK_XFER_VERSION);
	/* Version 1 always meant SHA-256; version 2 names its digest. */
	x->digest = v == 1 ? SK_XFER_DIGEST_SHA256 : m.u.hello.digest;
	x->digest_len = sk_xfer_digest_len(x->digest);
	if (!x->digest_len)
		return refuse(x, SK_XFER_R_DIGEST, "digest %u is not one this receiver knows",
			      m.u.hello.digest);
	x->st->version = v;
	x->st->digest = x->digest;
	x->resume = m.u.hello.flags & SK_XFER_FLAG_RESUME;
	m.u.hello.flags &= SK_XFER_FLAG_RESUME;
	if ((rc = sk__send_msg(x->s, &m)))
		return sk_err_set(x->err, rc, "sending the hello");
	for (;;) {
		x->shown[0] = 0;
		if ((rc = next(x, &m, &len)))
			return rc;
		if (m.type == SK_XFER_BYE) {
			rc = sk__send_msg(x->s, &m);
			return rc ? sk_err_set(x->err, rc, "sending bye") : 0;
		}
		if (m.type != SK_XFER_FILE)
			return refuse(x, SK_XFER_R_PROTOCOL, "expected FILE or BYE, got 0x%02x",
				      m.type);
		if ((rc = one_entry(x, &m)))
			return rc;
	}
}

/* After a refusal the peer may still be sending: read and drop it for a
 * while, so that it reads the verdict instead of a connection reset. */
static void drain(struct sk_xfer_stream *s)
{
	/* Through TLS too the ciphertext is simply dropped: only the TCP
	 * reset is to be avoided. */
	if (s->fd < 0)
		return;
	shutdown(s->fd, SHUT_WR);
	static uint8_t sink[65536];
	uint64_t t0 = sk_clock_ms();
	for (size_t total = 0; total < (64u << 20);) {
		uint64_t ms = sk_clock_ms() - t0;
		if (ms >= 2000)
			return;
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		if (poll(&p, 1, (int)(2000 - ms)) <= 0)
			return;
		ssize_t n = recv(s->fd, sink, sizeof sink, MSG_DONTWAIT);
		if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN)))
			return;
		if (n > 0)
			total += (size_t)n;
	}
}

int sk_xfer_recv(struct sk_xfer_stream *s, const struct sk_xfer_recv_opts *opts,
		 struct sk_xfer_recv_stats *stats, char *err)
{
	struct sk_xfer_recv_stats none;
	struct rcv x = { .s = s, .o = opts, .st = stats ? stats : &none, .err = err };
	memset(x.st, 0, sizeof *x.st);
	if (sk__rd_init(&x.rd, s, 4u << 20))
		return sk_err_set(err, -ENOMEM, "buffers");
	int rc = session(&x);
	sk__rd_free(&x.rd);
	if (rc == SK_EXFERREFUSED)
		drain(s);
	return rc;
}
