/* The sending side of a session (docs/PROTOCOL.md): HELLO, then for each
 * item FILE / OFFER / START / DATA... / END / VERDICT, then BYE. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "reader.h"
#include "sockit/error.h"
#include "sockit/xfer.h"

struct snd {
	struct sk_xfer_stream *s;
	struct sk__rd rd;
	const struct sk_xfer_send_opts *o;
	enum sk_xfer_digest digest; /* the session's */
	size_t digest_len;
	uint8_t *buf; /* one DATA frame: header + payload */
	char *err;
};

/* A refusal as the user reads it: "NAME: REASON: TEXT". */
static int refused(struct snd *x, const char *name, const struct sk_xfer_msg *m)
{
	const char *r = sk_xfer_reason_name(m->u.verdict.reason);
	char text[SK_XFER_TEXT_MAX + 1];
	size_t n = m->u.verdict.text_len;
	/* The text is the peer's: keep it to printable ASCII. */
	for (size_t i = 0; i < n; i++) {
		uint8_t c = m->u.verdict.text[i];
		text[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	text[n] = 0;
	char code[16];
	snprintf(code, sizeof code, "reason %u", m->u.verdict.reason);
	if (x->err)
		snprintf(x->err, SK_ERRLEN, "%.64s: refused by the receiver: %s%s%.140s", name,
			 r ? r : code, n ? ": " : "", text);
	return SK_EXFERREFUSED;
}

/* Reads the receiver's next frame, expecting want; a refusing VERDICT
 * becomes SK_EXFERREFUSED with the reason in err. */
static int expect(struct snd *x, const char *name, uint8_t want,
		  struct sk_xfer_msg *m)
{
	uint32_t len;
	int rc = sk__rd_frame(&x->rd, m, &len);
	if (rc == SK_EXFERCUT)
		return sk_err_set(x->err, rc, "%s: the receiver closed the connection", name);
	if (rc < 0)
		return sk_err_set(x->err, rc == SK_EFRAMEBAD || rc == SK_EFRAMEBIG ? SK_EXFERPROTO : rc,
				  "%s: reading the receiver's answer", name);
	if (m->type == SK_XFER_VERDICT && m->u.verdict.status)
		return refused(x, name, m);
	if (m->type != want)
		return sk_err_set(x->err, SK_EXFERPROTO,
				  "%s: unexpected frame 0x%02x from the receiver", name, m->type);
	return 0;
}

/* A write failed: the receiver may have said why before it closed. */
static int write_failed(struct snd *x, const char *name, int rc)
{
	struct sk_xfer_msg m;
	int r = expect(x, name, SK_XFER_VERDICT, &m);
	if (r == SK_EXFERREFUSED)
		return r;
	return sk_err_set(x->err, rc, "%s: sending", name);
}

/* True when the receiver has sent something mid-file: only a refusal can
 * come then, and there is no point sending the rest. */
static bool peer_spoke(struct snd *x)
{
	if (x->rd.start < x->rd.end)
		return true;
	/* Through TLS a readable socket may hold only a session ticket: the
	 * wrapper decrypts what is there and says whether any data came. */
	if (x->s->read)
		return x->s->ready && x->s->ready(x->s->ctx) > 0;
	if (x->s->fd < 0)
		return false;
	struct pollfd p = { .fd = x->s->fd, .events = POLLIN };
	return poll(&p, 1, 0) > 0;
}

static int send_dir(struct snd *x, const struct sk_xfer_item *it)
{
	struct stat st;
	if (stat(it->path, &st))
		return sk_err_set(x->err, -errno, "%s", it->path);
	struct sk_xfer_msg m = { .type = SK_XFER_FILE };
	m.u.file.kind = SK_XFER_DIR;
	m.u.file.mode = st.st_mode & 07777;
	m.u.file.mtime = st.st_mtime;
	m.u.file.name = (const uint8_t *)it->name;
	m.u.file.name_len = strlen(it->name);
	int rc = sk__send_msg(x->s, &m);
	if (rc)
		return write_failed(x, it->name, rc);
	return expect(x, it->name, SK_XFER_VERDICT, &m);
}

/* Hashes want bytes of fd at off, read with pread in pieces that stay in
 * the CPU's cache; buf holds at least HASH_PIECE bytes.  Returns 0, 1 when
 * the file ended early, or -errno. */
#define HASH_PIECE (64u << 10)
static int hash_range(struct sk__digest *dg, int fd, uint64_t off, size_t want,
		      uint8_t *buf)
{
	while (want) {
		size_t n = want < HASH_PIECE ? want : HASH_PIECE;
		ssize_t got = pread(fd, buf, n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return 1; /* the file shrank */
		int rc = sk__digest_update(dg, buf, (size_t)got);
		if (rc)
			return rc;
		off += (uint64_t)got;
		want -= (size_t)got;
	}
	return 0;
}

/* The same from a read-only mapping: no copy at all, which measured about
 * 0.5 CPU seconds per GiB less than pread on this machine
 * (bench/RESULTS.md).  A file truncated meanwhile raises SIGBUS: the caller
 * asked for this (sk_xfer_send_opts.map) and handles it.  Returns 2 when
 * the file cannot be mapped (pread then), else as hash_range. */
static int hash_mapped(struct sk__digest *dg, int fd, uint64_t off, size_t want)
{
	uint64_t base = off & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);
	size_t len = want + (size_t)(off - base);
	uint8_t *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)base);
	if (p == MAP_FAILED)
		return errno == ENODEV || errno == EACCES ? 2 : -errno;
	madvise(p, len, MADV_SEQUENTIAL);
	int rc = sk__digest_update(dg, p + (off - base), want);
	munmap(p, len);
	return rc;
}

static int shrank(struct snd *x, const struct sk_xfer_item *it)
{
	return sk_err_set(x->err, -EIO, "%s: the file shrank while being sent", it->path);
}

/* want bytes of the file from off by read and write, in cache-sized
 * pieces, hashed on the way when dg is given. */
static int copy_range(struct snd *x, const struct sk_xfer_item *it, int fd,
		      uint64_t off, size_t want, struct sk__digest *dg)
{
	while (want) {
		size_t n = want < HASH_PIECE ? want : HASH_PIECE;
		ssize_t got = pread(fd, x->buf, n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return sk_err_set(x->err, -errno, "%s", it->path);
		if (got == 0)
			return shrank(x, it);
		int rc = dg ? sk__digest_update(dg, x->buf, (size_t)got) : 0;
		if (rc)
			return sk_err_set(x->err, rc, "digest");
		rc = sk_xfer_write_all(x->s, x->buf, (size_t)got);
		if (rc)
			return write_failed(x, it->name, rc);
		off += (uint64_t)got;
		want -= (size_t)got;
	}
	return 0;
}

/* One DATA frame through a wrapper (TLS): read, hash and write from one
 * buffer. */
static int data_copy(struct snd *x, const struct sk_xfer_item *it, int fd,
		     uint64_t off, size_t want, struct sk__digest *dg)
{
	uint8_t head[SK_XFER_HEADLEN];
	sk_xfer_head_encode(head, SK_XFER_DATA, (uint32_t)want);
	int rc = sk_xfer_write_all(x->s, head, sizeof head);
	if (rc)
		return write_failed(x, it->name, rc);
	return copy_range(x, it, fd, off, want, dg);
}

/* sendfile(2) has no MSG_NOSIGNAL: a peer gone away would raise SIGPIPE
 * and kill the caller.  Block it for the call and take back the one this
 * call raised, so that the error comes back as EPIPE like send's. */
static ssize_t quiet_sendfile(int sock, int fd, off_t *pos, size_t n)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	bool was_pending = false;
	sigset_t pending;
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	if (!sigpending(&pending))
		was_pending = sigismember(&pending, SIGPIPE);
	ssize_t r = sendfile(sock, fd, pos, n);
	int e = errno;
	if (r < 0 && e == EPIPE && !was_pending) {
		static const struct timespec now;
		while (sigtimedwait(&pipe_set, NULL, &now) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return r;
}

/* One DATA frame on a plain socket: the payload goes with sendfile(2)
 * straight from the page cache, and the hash reads the same range.  Should
 * the file change in between, the hash no longer matches what was sent and
 * the receiver refuses the file (mismatch): never a wrong file stored. */
static int data_sendfile(struct snd *x, const struct sk_xfer_item *it, int fd,
			 uint64_t off, size_t want, struct sk__digest *dg)
{
	int rc = x->o->map ? hash_mapped(dg, fd, off, want) : 2;
	if (rc == 2)
		rc = hash_range(dg, fd, off, want, x->buf);
	if (rc == 1)
		return shrank(x, it);
	if (rc)
		return sk_err_set(x->err, rc, "%s", it->path);
	uint8_t head[SK_XFER_HEADLEN];
	sk_xfer_head_encode(head, SK_XFER_DATA, (uint32_t)want);
	for (size_t done = 0; done < sizeof head;) {
		ssize_t w = send(x->s->fd, head + done, sizeof head - done,
				 MSG_NOSIGNAL | MSG_MORE);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return write_failed(x, it->name, errno == EAGAIN ? -ETIMEDOUT : -errno);
		done += (size_t)w;
	}
	off_t pos = (off_t)off;
	while (want) {
		ssize_t n = quiet_sendfile(x->s->fd, fd, &pos, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EINVAL || errno == ENOSYS))
			return copy_range(x, it, fd, (uint64_t)pos, want, NULL);
		if (n < 0)
			return write_failed(x, it->name, errno == EAGAIN ? -ETIMEDOUT : -errno);
		if (n == 0)
			return shrank(x, it);
		want -= (size_t)n;
	}
	return 0;
}

static int stream_file(struct snd *x, const struct sk_xfer_item *it, int fd,
		       uint64_t size, struct sk__digest *dg)
{
	const struct sk_xfer_progress *pr = x->o->progress;
	struct sk_xfer_msg m = { .type = SK_XFER_FILE };
	struct stat st;
	if (fstat(fd, &st))
		return sk_err_set(x->err, -errno, "%s", it->path);
	m.u.file.kind = SK_XFER_REG;
	m.u.file.size = size;
	m.u.file.mode = st.st_mode & 07777;
	m.u.file.mtime = st.st_mtime;
	m.u.file.name = (const uint8_t *)it->name;
	m.u.file.name_len = strlen(it->name);
	int rc = sk__send_msg(x->s, &m);
	if (rc)
		return write_failed(x, it->name, rc);
	rc = expect(x, it->name, SK_XFER_OFFER, &m);
	if (rc)
		return rc;
	uint64_t off = 0;
	if (m.u.offer.offset > size)
		return sk_err_set(x->err, SK_EXFERPROTO, "%s: resume offer past the end", it->name);
	if (m.u.offer.digest_len != x->digest_len)
		return sk_err_set(x->err, SK_EXFERPROTO, "%s: an offer with another digest",
				  it->name);
	if (x->o->resume && m.u.offer.offset) {
		uint8_t mine[SK_XFER_DIGEST_MAX];
		rc = sk__digest_file(dg, fd, m.u.offer.offset, x->buf, SK_XFER_DATA_MAX);
		if (rc)
			return sk_err_set(x->err, rc, "%s", it->path);
		if (sk__digest_peek(dg, mine))
			return sk_err_set(x->err, -ENOMEM, "digest");
		if (!memcmp(mine, m.u.offer.digest, x->digest_len))
			off = m.u.offer.offset;
		else if (sk__digest_reset(dg))
			return sk_err_set(x->err, -ENOMEM, "digest");
	}
	if (pr && pr->file_begin)
		pr->file_begin(pr->arg, it->name, size, off);
	m = (struct sk_xfer_msg){ .type = SK_XFER_START, .u.start = { off } };
	rc = sk__send_msg(x->s, &m);
	if (rc)
		return write_failed(x, it->name, rc);
	while (off < size) {
		size_t want = size - off < SK_XFER_DATA_MAX ? (size_t)(size - off)
							  : SK_XFER_DATA_MAX;
		rc = x->s->write ? data_copy(x, it, fd, off, want, dg)
				 : data_sendfile(x, it, fd, off, want, dg);
		if (rc)
			return rc;
		off += (uint64_t)want;
		if (pr && pr->file_bytes)
			pr->file_bytes(pr->arg, off, size);
		if (off < size && peer_spoke(x))
			return expect(x, it->name, SK_XFER_VERDICT, &m) ?: sk_err_set(
				x->err, SK_EXFERPROTO, "%s: verdict before the end", it->name);
	}
	m = (struct sk_xfer_msg){ .type = SK_XFER_END };
	m.u.end.digest_len = (uint8_t)x->digest_len;
	if (sk__digest_peek(dg, m.u.end.digest))
		return sk_err_set(x->err, -ENOMEM, "digest");
	rc = sk__send_msg(x->s, &m);
	if (rc)
		return write_failed(x, it->name, rc);
	return expect(x, it->name, SK_XFER_VERDICT, &m);
}

static int send_file(struct snd *x, const struct sk_xfer_item *it)
{
	const struct sk_xfer_progress *pr = x->o->progress;
	int fd = open(it->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sk_err_set(x->err, -errno, "%s", it->path);
	struct stat st;
	if (fstat(fd, &st)) {
		int e = -errno;
		close(fd);
		return sk_err_set(x->err, e, "%s", it->path);
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	struct sk__digest d;
	int rc = sk__digest_init(&d, x->digest);
	rc = rc ? sk_err_set(x->err, rc, "digest")
		: stream_file(x, it, fd, (uint64_t)st.st_size, &d);
	sk__digest_free(&d);
	close(fd);
	if (pr && pr->file_end)
		pr->file_end(pr->arg, it->name, (uint64_t)st.st_size, rc);
	return rc;
}

/* HELLO both ways.  Version 2 names the digest; a receiver that predates
 * it refuses the 7-byte HELLO (protocol) or its number (version), which
 * is SK_EXFEROLD: a new session in version 1 then works. */
static int hello(struct snd *x)
{
	unsigned version = x->o->version ? x->o->version : SK_XFER_VERSION;
	x->digest = version < 2 ? SK_XFER_DIGEST_SHA256
		    : x->o->digest ? x->o->digest : SK_XFER_DIGEST_XXH128;
	x->digest_len = sk_xfer_digest_len(x->digest);
	if (version > SK_XFER_VERSION || !x->digest_len)
		return sk_err_set(x->err, -EINVAL, "version %u with digest %u", version,
				  (unsigned)x->digest);
	struct sk_xfer_msg m = { .type = SK_XFER_HELLO };
	m.u.hello.version = (uint8_t)version;
	m.u.hello.flags = x->o->resume ? SK_XFER_FLAG_RESUME : 0;
	m.u.hello.digest = version >= 2 ? (uint8_t)x->digest : 0;
	int rc = sk__send_msg(x->s, &m);
	if (rc)
		return sk_err_set(x->err, rc, "sending hello");
	rc = expect(x, "hello", SK_XFER_HELLO, &m);
	if (rc == SK_EXFERREFUSED && version >= 2 &&
	    (m.u.verdict.reason == SK_XFER_R_VERSION || m.u.verdict.reason == SK_XFER_R_PROTOCOL))
		return sk_err_set(x->err, SK_EXFEROLD, "hello: the receiver refused version %u",
				  version);
	if (rc)
		return rc;
	unsigned want_digest = version >= 2 ? x->digest : 0;
	if (m.u.hello.version != version || m.u.hello.digest != want_digest)
		return sk_err_set(x->err, SK_EXFERPROTO,
				  "hello: the receiver answered version %u, digest %u",
				  m.u.hello.version, m.u.hello.digest);
	return 0;
}

int sk_xfer_send(struct sk_xfer_stream *s, const struct sk_xfer_list *list,
		 const struct sk_xfer_send_opts *opts, char *err)
{
	static const struct sk_xfer_send_opts none;
	struct snd x = { .s = s, .o = opts ? opts : &none, .err = err };
	int rc = sk__rd_init(&x.rd, s, SK_XFER_CONTROL_MAX * 2);
	x.buf = malloc(SK_XFER_FRAME_MAX);
	if (rc || !x.buf) {
		rc = sk_err_set(err, -ENOMEM, "buffers");
		goto out;
	}
	rc = hello(&x);
	if (rc)
		goto out;
	struct sk_xfer_msg m;
	for (size_t i = 0; i < list->count && !rc; i++)
		rc = list->items[i].dir ? send_dir(&x, &list->items[i])
					: send_file(&x, &list->items[i]);
	if (rc)
		goto out;
	m = (struct sk_xfer_msg){ .type = SK_XFER_BYE };
	rc = sk__send_msg(s, &m);
	if (rc) {
		rc = sk_err_set(err, rc, "sending bye");
		goto out;
	}
	rc = expect(&x, "bye", SK_XFER_BYE, &m);
out:
	sk__rd_free(&x.rd);
	free(x.buf);
	return rc;
}
