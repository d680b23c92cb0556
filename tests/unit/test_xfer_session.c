/* The sender and the receiver themselves, each against a peer the test
 * plays over a socketpair: the receiver fed frames written here, checked by
 * what it answers and what it leaves in a temporary directory; the sender
 * answered by a scripted receiver thread, checked by the frames it emits. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sockit/error.h"
#include "sockit/xfer.h"

/* ---- helpers ----------------------------------------------------------- */

static void sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned len = 0;
	cr_assert(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL));
}

/* The digest a session of kind sends for p, computed here apart from the
 * library's own code. */
static void digest_of(unsigned kind, const void *p, size_t n, uint8_t out[32])
{
	if (kind == SK_XFER_DIGEST_SHA256) {
		sha256(p, n, out);
		return;
	}
	cr_assert_eq(kind, SK_XFER_DIGEST_XXH128);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, XXH3_128bits(p, n));
	memcpy(out, c.digest, 16);
}

/* The digest the scripted sender's last HELLO chose: version 1 means
 * SHA-256, version 2 names script_digest (XXH3-128 unless a test says). */
static unsigned script_digest = SK_XFER_DIGEST_SHA256;
static unsigned next_digest = SK_XFER_DIGEST_XXH128;

/* A growable byte buffer of encoded frames. */
struct buf {
	uint8_t *p;
	size_t len, cap;
	size_t bounds[64]; /* where each frame ends */
	size_t frames;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		cr_assert(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void frame(struct buf *b, struct sk_xfer_msg m)
{
	uint8_t tmp[SK_XFER_CONTROL_MAX + 64];
	if (m.type == SK_XFER_DATA) {
		uint8_t head[SK_XFER_HEADLEN];
		sk_xfer_head_encode(head, SK_XFER_DATA, (uint32_t)m.u.data.len);
		put(b, head, sizeof head);
		put(b, m.u.data.data, m.u.data.len);
	} else {
		int n = sk_xfer_encode(tmp, sizeof tmp, &m);
		cr_assert_gt(n, 0);
		put(b, tmp, (size_t)n);
	}
	if (b->frames < 64)
		b->bounds[b->frames++] = b->len;
}

static void hello(struct buf *b, uint8_t version, uint8_t flags)
{
	uint8_t digest = version >= 2 ? (uint8_t)next_digest : 0;
	script_digest = version >= 2 ? next_digest : SK_XFER_DIGEST_SHA256;
	frame(b, (struct sk_xfer_msg){ .type = SK_XFER_HELLO,
				       .u.hello = { version, flags, digest } });
}

/* FILE encoded by hand, so that names the encoder would refuse (empty)
 * can be sent too. */
static void file(struct buf *b, const char *name, size_t name_len, uint8_t kind,
		 uint64_t size)
{
	uint8_t f[SK_XFER_HEADLEN + SK_XFER_FILE_FIXED];
	uint32_t mode = kind == SK_XFER_DIR ? 0755 : 0640;
	uint64_t mtime = 1600000000;
	sk_xfer_head_encode(f, SK_XFER_FILE, (uint32_t)(SK_XFER_FILE_FIXED + name_len));
	uint8_t *p = f + SK_XFER_HEADLEN;
	p[0] = kind;
	for (int i = 0; i < 8; i++) {
		p[1 + i] = (uint8_t)(size >> (56 - 8 * i));
		p[13 + i] = (uint8_t)(mtime >> (56 - 8 * i));
	}
	for (int i = 0; i < 4; i++)
		p[9 + i] = (uint8_t)(mode >> (24 - 8 * i));
	p[21] = (uint8_t)(name_len >> 8);
	p[22] = (uint8_t)name_len;
	put(b, f, sizeof f);
	put(b, name, name_len);
	if (b->frames < 64)
		b->bounds[b->frames++] = b->len;
}

static void start(struct buf *b, uint64_t off)
{
	frame(b, (struct sk_xfer_msg){ .type = SK_XFER_START, .u.start = { off } });
}

static void data(struct buf *b, const char *p, size_t n)
{
	frame(b, (struct sk_xfer_msg){ .type = SK_XFER_DATA,
				       .u.data = { (const uint8_t *)p, n } });
}

static void end(struct buf *b, const char *content, size_t n)
{
	struct sk_xfer_msg m = { .type = SK_XFER_END };
	m.u.end.digest_len = (uint8_t)sk_xfer_digest_len(script_digest);
	digest_of(script_digest, content, n, m.u.end.digest);
	frame(b, m);
}

static void bye(struct buf *b)
{
	frame(b, (struct sk_xfer_msg){ .type = SK_XFER_BYE });
}

/* A whole regular file: FILE, START 0, DATA, END with the right hash. */
static void whole(struct buf *b, const char *name, const char *content)
{
	size_t n = strlen(content);
	file(b, name, strlen(name), SK_XFER_REG, n);
	start(b, 0);
	if (n)
		data(b, content, n);
	end(b, content, n);
}

static char *tempdir(void)
{
	char *d = strdup("/tmp/sockit-xfer-unit-XXXXXX");
	cr_assert(d && mkdtemp(d));
	return d;
}

static void rmtree(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* The content of dir/rel, or NULL when there is no such regular file. */
static char *slurp(const char *dir, const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	struct stat st;
	if (lstat(path, &st) || !S_ISREG(st.st_mode))
		return NULL;
	char *p = malloc((size_t)st.st_size + 1);
	int fd = open(path, O_RDONLY);
	cr_assert(p && fd >= 0);
	ssize_t n = read(fd, p, (size_t)st.st_size);
	close(fd);
	cr_assert_eq(n, st.st_size);
	p[n] = 0;
	*len = (size_t)n;
	return p;
}

static bool has(const char *dir, const char *rel, const char *content)
{
	size_t n;
	char *p = slurp(dir, rel, &n);
	bool ok = p && n == strlen(content) && !memcmp(p, content, n);
	free(p);
	return ok;
}

static bool exists(const char *dir, const char *rel)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

static void write_file(const char *dir, const char *rel, const char *content)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0, "%s", path);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

/* Number of entries in dir (not recursive). */
static int entries(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 0", dir);
	return system(cmd) == 0 ? 0 : 1;
}

/* Reads every frame the other side wrote until EOF into out[]. */
static size_t read_frames(int fd, struct sk_xfer_msg *out, size_t max, uint8_t *store,
			  size_t cap)
{
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, store + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	size_t count = 0, off = 0;
	while (off < len && count < max) {
		int rc = sk_xfer_decode(store + off, len - off, &out[count]);
		cr_assert_gt(rc, 0, "the peer's bytes at %zu do not decode: %d", off, rc);
		off += (size_t)rc;
		count++;
	}
	return count;
}

/* ---- the receiver ------------------------------------------------------ */

struct writer {
	int fd;
	const uint8_t *p;
	size_t len;
};

static void *write_all(void *arg)
{
	struct writer *w = arg;
	for (size_t off = 0; off < w->len;) {
		ssize_t n = send(w->fd, w->p + off, w->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the receiver gave up: fine, it said why */
		off += (size_t)n;
	}
	shutdown(w->fd, SHUT_WR);
	return NULL;
}

struct answers {
	struct sk_xfer_msg m[64];
	size_t n;
	uint8_t store[65536];
};

/* Runs sk_xfer_recv into dir on the first len bytes of script; the
 * receiver's answers are decoded into a.  Returns its result. */
static int receive(const char *dir, const uint8_t *script, size_t len, bool overwrite,
		   uint64_t max_size, struct sk_xfer_recv_stats *st, struct answers *a,
		   char *err)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	struct writer w = { sv[1], script, len };
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, write_all, &w), 0);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert(dfd >= 0);
	struct sk_xfer_stream s = { .fd = sv[0] };
	struct sk_xfer_recv_opts o = { .dirfd = dfd, .overwrite = overwrite,
				       .max_size = max_size };
	int rc = sk_xfer_recv(&s, &o, st, err);
	close(dfd);
	close(sv[0]); /* ends the writer if the receiver stopped early */
	pthread_join(t, NULL);
	a->n = read_frames(sv[1], a->m, 64, a->store, sizeof a->store);
	close(sv[1]);
	return rc;
}

static const char hello_text[] = "hello, world\n";

/* Version 1 senders (sockit before the digest negotiation) still work:
 * their session is SHA-256, and the answer is a version-1 HELLO. */
Test(xfer_recv, a_version_1_session_is_sha256)
{
	char *dir = tempdir();
	struct buf b = { 0 };
	hello(&b, 1, 0);
	whole(&b, "a.txt", hello_text);
	bye(&b);
	struct sk_xfer_recv_stats st;
	struct answers a;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(receive(dir, b.p, b.len, false, 0, &st, &a, err), 0, "%s", err);
	cr_assert_eq(st.version, 1);
	cr_assert_eq(st.digest, SK_XFER_DIGEST_SHA256);
	cr_assert_eq(a.m[0].u.hello.version, 1);
	cr_assert_eq(a.m[1].u.offer.digest_len, 32);
	cr_assert(has(dir, "a.txt", hello_text));
	free(b.p);
	rmtree(dir);
	free(dir);
}

/* The digest is the HELLO's for the whole session: an END of another
 * length is a peer changing it, refused, and the .part dropped. */
Test(xfer_recv, a_digest_changed_mid_session_is_refused)
{
	for (unsigned first = SK_XFER_DIGEST_SHA256; first <= SK_XFER_DIGEST_XXH128; first++) {
		char *dir = tempdir();
		struct buf b = { 0 };
		next_digest = first;
		hello(&b, 2, 0);
		script_digest = first == SK_XFER_DIGEST_SHA256 ? SK_XFER_DIGEST_XXH128
							       : SK_XFER_DIGEST_SHA256;
		whole(&b, "a.txt", hello_text);
		bye(&b);
		struct sk_xfer_recv_stats st;
		struct answers a;
		char err[SK_ERRLEN] = "";
		cr_assert_eq(receive(dir, b.p, b.len, false, 0, &st, &a, err), SK_EXFERREFUSED);
		cr_assert_eq(st.reason, SK_XFER_R_PROTOCOL, "%s", err);
		cr_assert(strstr(err, "another digest"), "%s", err);
		cr_assert(!exists(dir, "a.txt") && !exists(dir, ".a.txt.part"));
		free(b.p);
		rmtree(dir);
		free(dir);
	}
	next_digest = SK_XFER_DIGEST_XXH128;
}

Test(xfer_recv, a_good_session_stores_files_and_directories)
{
	char *dir = tempdir();
	struct buf b = { 0 };
	hello(&b, SK_XFER_VERSION, 0);
	whole(&b, "a.txt", hello_text);
	file(&b, "d", 1, SK_XFER_DIR, 0);
	file(&b, "d/e", 3, SK_XFER_DIR, 0);
	whole(&b, "d/e/empty", "");
	bye(&b);
	struct sk_xfer_recv_stats st;
	struct answers a;
	char err[SK_ERRLEN] = "";
	int rc = receive(dir, b.p, b.len, false, 0, &st, &a, err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert(st.started);
	cr_assert_eq(st.files, 2);
	cr_assert_eq(st.dirs, 2);
	cr_assert_eq(st.bytes, strlen(hello_text));
	cr_assert(has(dir, "a.txt", hello_text));
	cr_assert(has(dir, "d/e/empty", ""));
	cr_assert(!exists(dir, ".a.txt.part"));
	char path[512];
	struct stat sb;
	snprintf(path, sizeof path, "%s/a.txt", dir);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0640);
	cr_assert_eq(sb.st_mtime, 1600000000);
	/* HELLO, OFFER, ok, ok, ok, OFFER, ok, BYE */
	static const uint8_t want[] = { SK_XFER_HELLO, SK_XFER_OFFER, SK_XFER_VERDICT,
					SK_XFER_VERDICT, SK_XFER_VERDICT, SK_XFER_OFFER,
					SK_XFER_VERDICT, SK_XFER_BYE };
	cr_assert_eq(a.n, sizeof want);
	for (size_t i = 0; i < a.n; i++) {
		cr_assert_eq(a.m[i].type, want[i], "answer %zu", i);
		if (a.m[i].type == SK_XFER_VERDICT)
			cr_assert_eq(a.m[i].u.verdict.status, 0);
		if (a.m[i].type == SK_XFER_OFFER)
			cr_assert_eq(a.m[i].u.offer.offset, 0);
	}
	free(b.p);
	rmtree(dir);
	free(dir);
}

/* Each refusal: the session the test sends, what the directory holds
 * first, and the reason the receiver must give. */
enum prep { PREP_NONE, PREP_EXISTING, PREP_SYMLINK, PREP_FILE_AS_DIR, PREP_DIR };

struct refusal {
	const char *what;
	void (*script)(struct buf *b);
	enum prep prep;
	uint64_t max_size;
	unsigned reason;
	const char *leftover; /* the only entry allowed afterwards, or NULL */
};

static void s_dotdot(struct buf *b) { file(b, "../x", 4, SK_XFER_REG, 1); }
static void s_dotdot_inside(struct buf *b) { file(b, "a/../../x", 9, SK_XFER_REG, 1); }
static void s_absolute(struct buf *b) { file(b, "/etc/x", 6, SK_XFER_REG, 1); }
static void s_nul(struct buf *b) { file(b, "a\0b", 3, SK_XFER_REG, 1); }
static void s_empty(struct buf *b) { file(b, "", 0, SK_XFER_REG, 1); }
static void s_control(struct buf *b) { file(b, "a\nb", 3, SK_XFER_REG, 1); }
static void s_dot(struct buf *b) { file(b, "./x", 3, SK_XFER_REG, 1); }
static void s_existing(struct buf *b) { whole(b, "keep", "new"); }
static void s_symlink(struct buf *b) { whole(b, "ln/x", "data"); }
static void s_through_file(struct buf *b) { whole(b, "plain/x", "data"); }
static void s_over_dir(struct buf *b) { whole(b, "sub", "data"); }
static void s_too_large(struct buf *b) { file(b, "big", 3, SK_XFER_REG, 1001); }
static void s_more_data(struct buf *b)
{
	file(b, "f", 1, SK_XFER_REG, 3);
	start(b, 0);
	data(b, "abcd", 4);
}
static void s_less_data(struct buf *b)
{
	file(b, "f", 1, SK_XFER_REG, 5);
	start(b, 0);
	data(b, "abc", 3);
	end(b, "abc", 3);
}
static void s_more_in_two(struct buf *b)
{
	file(b, "f", 1, SK_XFER_REG, 5);
	start(b, 0);
	data(b, "abc", 3);
	data(b, "def", 3);
}
static void s_wrong_hash(struct buf *b)
{
	file(b, "f", 1, SK_XFER_REG, 5);
	start(b, 0);
	data(b, "abcde", 5);
	end(b, "abcdX", 5);
}
static void s_start_never_offered(struct buf *b)
{
	file(b, "f", 1, SK_XFER_REG, 5);
	start(b, 2);
}
static void s_bye_mid_file(struct buf *b)
{
	file(b, "f", 1, SK_XFER_REG, 5);
	start(b, 0);
	data(b, "ab", 2);
	bye(b);
}
static void s_data_before_file(struct buf *b) { data(b, "x", 1); }
static void s_garbage_type(struct buf *b)
{
	static const uint8_t junk[] = { 0x55, 0, 0, 0, 1, 0 };
	put(b, junk, sizeof junk);
}
static void s_oversize_data(struct buf *b)
{
	file(b, "f", 1, SK_XFER_REG, 5);
	start(b, 0);
	uint8_t head[SK_XFER_HEADLEN];
	sk_xfer_head_encode(head, SK_XFER_DATA, SK_XFER_DATA_MAX + 1);
	put(b, head, sizeof head);
}

static const struct refusal refusals[] = {
	{ "'..'", s_dotdot, PREP_NONE, 0, SK_XFER_R_BADNAME, NULL },
	{ "'..' inside", s_dotdot_inside, PREP_NONE, 0, SK_XFER_R_BADNAME, NULL },
	{ "absolute", s_absolute, PREP_NONE, 0, SK_XFER_R_BADNAME, NULL },
	{ "NUL", s_nul, PREP_NONE, 0, SK_XFER_R_BADNAME, NULL },
	{ "empty name (a malformed FILE)", s_empty, PREP_NONE, 0, SK_XFER_R_PROTOCOL, NULL },
	{ "control byte", s_control, PREP_NONE, 0, SK_XFER_R_BADNAME, NULL },
	{ "'.'", s_dot, PREP_NONE, 0, SK_XFER_R_BADNAME, NULL },
	{ "existing file", s_existing, PREP_EXISTING, 0, SK_XFER_R_EXISTS, "keep" },
	{ "through a symlink", s_symlink, PREP_SYMLINK, 0, SK_XFER_R_SYMLINK, "ln" },
	{ "through a file", s_through_file, PREP_FILE_AS_DIR, 0, SK_XFER_R_TYPE, "plain" },
	{ "over a directory", s_over_dir, PREP_DIR, 0, SK_XFER_R_TYPE, "sub" },
	{ "over --max-size", s_too_large, PREP_NONE, 1000, SK_XFER_R_TOOLARGE, NULL },
	{ "more data than declared", s_more_data, PREP_NONE, 0, SK_XFER_R_SIZE, NULL },
	{ "more data in a second frame", s_more_in_two, PREP_NONE, 0, SK_XFER_R_SIZE, NULL },
	{ "less data than declared", s_less_data, PREP_NONE, 0, SK_XFER_R_SIZE, NULL },
	{ "wrong hash", s_wrong_hash, PREP_NONE, 0, SK_XFER_R_MISMATCH, NULL },
	{ "START never offered", s_start_never_offered, PREP_NONE, 0, SK_XFER_R_PROTOCOL,
	  ".f.part" },
	{ "BYE mid-file", s_bye_mid_file, PREP_NONE, 0, SK_XFER_R_PROTOCOL, NULL },
	{ "DATA before FILE", s_data_before_file, PREP_NONE, 0, SK_XFER_R_PROTOCOL, NULL },
	{ "unknown frame type", s_garbage_type, PREP_NONE, 0, SK_XFER_R_PROTOCOL, NULL },
	{ "DATA over its bound", s_oversize_data, PREP_NONE, 0, SK_XFER_R_PROTOCOL, NULL },
};

static void prepare(const char *dir, enum prep prep)
{
	char path[512], target[512];
	switch (prep) {
	case PREP_NONE:
		break;
	case PREP_EXISTING:
		write_file(dir, "keep", "old");
		break;
	case PREP_SYMLINK:
		/* A link out of DIR: writing through it would escape. */
		snprintf(path, sizeof path, "%s/ln", dir);
		snprintf(target, sizeof target, "%s/../", dir);
		cr_assert_eq(symlink(target, path), 0);
		break;
	case PREP_FILE_AS_DIR:
		write_file(dir, "plain", "x");
		break;
	case PREP_DIR:
		snprintf(path, sizeof path, "%s/sub", dir);
		cr_assert_eq(mkdir(path, 0700), 0);
		break;
	}
}

Test(xfer_recv, every_refusal_reason)
{
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const struct refusal *c = &refusals[i];
		char *dir = tempdir();
		prepare(dir, c->prep);
		struct buf b = { 0 };
		hello(&b, SK_XFER_VERSION, 0);
		c->script(&b);
		struct sk_xfer_recv_stats st;
		struct answers a;
		char err[SK_ERRLEN] = "";
		int rc = receive(dir, b.p, b.len, false, c->max_size, &st, &a, err);
		cr_assert_eq(rc, SK_EXFERREFUSED, "%s: %d %s", c->what, rc, err);
		cr_assert_eq(st.reason, c->reason, "%s: reason %u", c->what, st.reason);
		cr_assert(strstr(err, sk_xfer_reason_name(c->reason)), "%s: %s", c->what, err);
		/* The last answer is the refusal, with the same reason. */
		cr_assert_geq(a.n, 2, "%s", c->what);
		const struct sk_xfer_msg *v = &a.m[a.n - 1];
		cr_assert_eq(v->type, SK_XFER_VERDICT, "%s", c->what);
		cr_assert_eq(v->u.verdict.status, 1, "%s", c->what);
		cr_assert_eq(v->u.verdict.reason, c->reason, "%s", c->what);
		cr_assert_gt(v->u.verdict.text_len, 0, "%s", c->what);
		/* Nothing new in DIR but what the case allows, nothing outside. */
		char cmd[600];
		snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = \"%s\"", dir,
			 c->leftover ? c->leftover : "");
		cr_assert_eq(system(cmd), 0, "%s: left in DIR: see %s", c->what, dir);
		if (c->prep == PREP_EXISTING)
			cr_assert(has(dir, "keep", "old"), "%s", c->what);
		cr_assert(!exists(dir, "../x"), "%s", c->what);
		free(b.p);
		rmtree(dir);
		free(dir);
	}
}

static void s_version3(struct buf *b) { hello(b, 3, 0); }
static void s_unknown_digest(struct buf *b)
{
	next_digest = 9;
	hello(b, 2, 0);
	next_digest = SK_XFER_DIGEST_XXH128;
}
static void s_v2_short_hello(struct buf *b)
{
	static const uint8_t h[] = { SK_XFER_HELLO, 0, 0, 0, 6, 'S', 'K', 'X', 'F', 2, 0 };
	put(b, h, sizeof h);
}
static void s_bye_first(struct buf *b) { bye(b); }
static void s_plain_text(struct buf *b) { put(b, "GET / HTTP/1.0\r\n\r\n", 18); }
static void s_bad_magic(struct buf *b)
{
	static const uint8_t h[] = { SK_XFER_HELLO, 0, 0, 0, 6, 'S', 'K', 'X', 'G', 1, 0 };
	put(b, h, sizeof h);
}
static void s_unknown_flag(struct buf *b) { hello(b, SK_XFER_VERSION, 0x80); }

Test(xfer_recv, session_level_refusals)
{
	static const struct {
		const char *what;
		void (*script)(struct buf *b);
		unsigned reason;
		bool started;
	} cases[] = {
		{ "version 3", s_version3, SK_XFER_R_VERSION, true },
		{ "an unknown digest", s_unknown_digest, SK_XFER_R_DIGEST, true },
		{ "version 2 without its digest byte", s_v2_short_hello, SK_XFER_R_PROTOCOL,
		  false },
		{ "BYE first", s_bye_first, SK_XFER_R_PROTOCOL, false },
		{ "plain text", s_plain_text, SK_XFER_R_PROTOCOL, false },
		{ "bad magic", s_bad_magic, SK_XFER_R_PROTOCOL, false },
		{ "unknown flag", s_unknown_flag, SK_XFER_R_PROTOCOL, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *dir = tempdir();
		struct buf b = { 0 };
		cases[i].script(&b);
		struct sk_xfer_recv_stats st;
		struct answers a;
		char err[SK_ERRLEN] = "";
		int rc = receive(dir, b.p, b.len, false, 0, &st, &a, err);
		cr_assert_eq(rc, SK_EXFERREFUSED, "%s: %d %s", cases[i].what, rc, err);
		cr_assert_eq(st.reason, cases[i].reason, "%s", cases[i].what);
		cr_assert_eq(st.started, cases[i].started, "%s", cases[i].what);
		cr_assert_eq(a.n, 1, "%s", cases[i].what);
		cr_assert_eq(a.m[0].u.verdict.reason, cases[i].reason, "%s", cases[i].what);
		cr_assert_eq(entries(dir), 0, "%s", cases[i].what);
		free(b.p);
		rmtree(dir);
		free(dir);
	}
}

/* Resume: the receiver offers what its .part holds and that prefix's hash;
 * the test, as a sender, continues or starts over. */
struct resume_case {
	const char *what;
	const char *part;  /* the .part's content before the session */
	bool flag;         /* HELLO asks for resume */
	uint64_t offer;    /* what the receiver must offer */
	uint64_t start_at; /* where the test's START goes */
};

static const struct resume_case resumes[] = {
	{ "matching prefix: continue", "hello, ", true, 7, 7 },
	{ "mismatching prefix: start over", "HELLO, ", true, 7, 0 },
	{ "prefix longer than the file: no offer", "hello, world\n and more", true, 0, 0 },
	{ "no resume asked: no offer", "hello, ", false, 0, 0 },
	{ "empty .part: nothing to offer", "", true, 0, 0 },
};

Test(xfer_recv, resume_negotiation)
{
	for (size_t i = 0; i < sizeof resumes / sizeof resumes[0]; i++) {
		const struct resume_case *c = &resumes[i];
		char *dir = tempdir();
		write_file(dir, ".a.part", c->part);
		size_t n = strlen(hello_text);
		struct buf b = { 0 };
		hello(&b, SK_XFER_VERSION, c->flag ? SK_XFER_FLAG_RESUME : 0);
		file(&b, "a", 1, SK_XFER_REG, n);
		start(&b, c->start_at);
		data(&b, hello_text + c->start_at, n - c->start_at);
		end(&b, hello_text, n);
		bye(&b);
		struct sk_xfer_recv_stats st;
		struct answers a;
		char err[SK_ERRLEN] = "";
		int rc = receive(dir, b.p, b.len, false, 0, &st, &a, err);
		cr_assert_eq(rc, 0, "%s: %s", c->what, err);
		cr_assert_eq(a.m[0].u.hello.flags, c->flag ? SK_XFER_FLAG_RESUME : 0, "%s",
			     c->what);
		cr_assert_eq(a.m[1].type, SK_XFER_OFFER, "%s", c->what);
		cr_assert_eq(a.m[1].u.offer.offset, c->offer, "%s", c->what);
		if (c->offer) {
			uint8_t want[32];
			digest_of(script_digest, c->part, c->offer, want);
			cr_assert_eq(a.m[1].u.offer.digest_len, 16, "%s", c->what);
			cr_assert_arr_eq(a.m[1].u.offer.digest, want, 16, "%s", c->what);
		}
		cr_assert(has(dir, "a", hello_text), "%s", c->what);
		cr_assert(!exists(dir, ".a.part"), "%s", c->what);
		cr_assert_eq(st.bytes, n - c->start_at, "%s", c->what);
		free(b.p);
		rmtree(dir);
		free(dir);
	}
}

/* A cut at every byte of a good session: the receiver reports the cut, a
 * file appears only once its verdict was due, and never with other
 * content. */
Test(xfer_recv, truncated_at_every_byte)
{
	struct buf b = { 0 };
	hello(&b, SK_XFER_VERSION, 0);
	whole(&b, "a", "first file");
	whole(&b, "b", "second");
	bye(&b);
	/* The END frames close each file: a's is frame 4, b's frame 8. */
	size_t a_done = b.bounds[4], b_done = b.bounds[8];
	for (size_t cut = 0; cut < b.len; cut++) {
		char *dir = tempdir();
		struct sk_xfer_recv_stats st;
		struct answers a;
		char err[SK_ERRLEN] = "";
		int rc = receive(dir, b.p, cut, false, 0, &st, &a, err);
		cr_assert_eq(rc, SK_EXFERCUT, "cut at %zu: %d %s", cut, rc, err);
		cr_assert_eq(has(dir, "a", "first file"), cut >= a_done, "cut at %zu", cut);
		cr_assert_eq(exists(dir, "a"), cut >= a_done, "cut at %zu", cut);
		cr_assert_eq(has(dir, "b", "second"), cut >= b_done, "cut at %zu", cut);
		cr_assert_eq(exists(dir, "b"), cut >= b_done, "cut at %zu", cut);
		for (size_t i = 0; i < a.n; i++)
			if (a.m[i].type == SK_XFER_VERDICT)
				cr_assert_eq(a.m[i].u.verdict.status, 0, "cut at %zu", cut);
		rmtree(dir);
		free(dir);
	}
	free(b.p);
}

Test(xfer_recv, overwrite_replaces)
{
	char *dir = tempdir();
	write_file(dir, "keep", "old");
	struct buf b = { 0 };
	hello(&b, SK_XFER_VERSION, 0);
	whole(&b, "keep", "new content");
	bye(&b);
	struct sk_xfer_recv_stats st;
	struct answers a;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(receive(dir, b.p, b.len, true, 0, &st, &a, err), 0, "%s", err);
	cr_assert(has(dir, "keep", "new content"));
	free(b.p);
	rmtree(dir);
	free(dir);
}

/* ---- the sender ---------------------------------------------------------- */

/* A scripted receiver on the other end of the socketpair: it answers the
 * sender frame by frame and records what it was sent. */
struct script {
	uint8_t version;      /* in its HELLO */
	bool close_after_hello;
	unsigned refuse_file; /* reason for a VERDICT instead of OFFER; 0 none */
	unsigned refuse_end;  /* reason at END; 0 ok */
	uint64_t offer_off;
	uint8_t offer_sha[32];
	unsigned refuse_hello; /* reason for a VERDICT instead of HELLO */
};

struct seen {
	uint8_t types[64];
	size_t n;
	uint8_t hello_flags, hello_version, digest; /* digest: the session's */
	char names[8][64];
	uint8_t kinds[8];
	uint64_t sizes[8];
	size_t files;
	uint64_t start_off;
	size_t data_frames, data_max;
	uint8_t *data; /* every DATA payload of the last file, in order */
	size_t data_len;
	uint8_t end_digest[32];
	size_t end_len;
};

struct peer {
	int fd;
	const struct script *sc;
	struct seen seen;
};

static bool read_exact(int fd, void *p, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t r = read(fd, (uint8_t *)p + off, n - off);
		if (r <= 0)
			return false;
		off += (size_t)r;
	}
	return true;
}

static void answer(int fd, struct sk_xfer_msg m)
{
	uint8_t tmp[SK_XFER_CONTROL_MAX];
	int n = sk_xfer_encode(tmp, sizeof tmp, &m);
	if (n > 0)
		(void)!send(fd, tmp, (size_t)n, MSG_NOSIGNAL);
}

static void verdict(int fd, unsigned reason)
{
	static const char text[] = "scripted";
	struct sk_xfer_msg m = { .type = SK_XFER_VERDICT };
	if (reason) {
		m.u.verdict.status = 1;
		m.u.verdict.reason = (uint16_t)reason;
		m.u.verdict.text = (const uint8_t *)text;
		m.u.verdict.text_len = sizeof text - 1;
	}
	answer(fd, m);
}

static void *peer_run(void *arg)
{
	struct peer *p = arg;
	struct seen *s = &p->seen;
	static uint8_t frame_buf[SK_XFER_FRAME_MAX];
	for (;;) {
		if (!read_exact(p->fd, frame_buf, SK_XFER_HEADLEN))
			break;
		uint8_t type;
		uint32_t len;
		if (sk_xfer_head_decode(frame_buf, SK_XFER_HEADLEN, &type, &len) < 0)
			break;
		if (!read_exact(p->fd, frame_buf + SK_XFER_HEADLEN, len))
			break;
		struct sk_xfer_msg m;
		if (sk_xfer_decode(frame_buf, SK_XFER_HEADLEN + len, &m) <= 0)
			break;
		if (s->n < 64)
			s->types[s->n++] = m.type;
		switch (m.type) {
		case SK_XFER_HELLO:
			s->hello_flags = m.u.hello.flags;
			s->hello_version = m.u.hello.version;
			s->digest = m.u.hello.version >= 2 ? m.u.hello.digest
							    : SK_XFER_DIGEST_SHA256;
			if (p->sc->refuse_hello) {
				verdict(p->fd, p->sc->refuse_hello);
				goto out;
			}
			m.u.hello.version = p->sc->version;
			answer(p->fd, m);
			if (p->sc->close_after_hello)
				goto out;
			break;
		case SK_XFER_FILE:
			if (s->files < 8) {
				snprintf(s->names[s->files], 64, "%.*s", (int)m.u.file.name_len,
					 (const char *)m.u.file.name);
				s->kinds[s->files] = m.u.file.kind;
				s->sizes[s->files] = m.u.file.size;
				s->files++;
			}
			if (m.u.file.kind == SK_XFER_DIR) {
				verdict(p->fd, 0);
			} else if (p->sc->refuse_file) {
				verdict(p->fd, p->sc->refuse_file);
			} else {
				struct sk_xfer_msg o = { .type = SK_XFER_OFFER };
				o.u.offer.offset = p->sc->offer_off;
				o.u.offer.digest_len = (uint8_t)sk_xfer_digest_len(s->digest);
				memcpy(o.u.offer.digest, p->sc->offer_sha, o.u.offer.digest_len);
				answer(p->fd, o);
			}
			s->data_len = 0;
			break;
		case SK_XFER_START:
			s->start_off = m.u.start.offset;
			break;
		case SK_XFER_DATA:
			s->data_frames++;
			if (m.u.data.len > s->data_max)
				s->data_max = m.u.data.len;
			s->data = realloc(s->data, s->data_len + m.u.data.len + 1);
			memcpy(s->data + s->data_len, m.u.data.data, m.u.data.len);
			s->data_len += m.u.data.len;
			break;
		case SK_XFER_END:
			s->end_len = m.u.end.digest_len;
			memcpy(s->end_digest, m.u.end.digest, s->end_len);
			verdict(p->fd, p->sc->refuse_end);
			break;
		case SK_XFER_BYE:
			answer(p->fd, m);
			goto out;
		default:
			goto out;
		}
	}
out:
	shutdown(p->fd, SHUT_WR);
	/* Keep reading until the sender closes, so it never sees a reset. */
	while (read(p->fd, frame_buf, sizeof frame_buf) > 0)
		;
	return NULL;
}

/* Runs sk_xfer_send of list against the scripted peer. */
static int send_to(const struct sk_xfer_list *list, struct sk_xfer_send_opts o,
		   const struct script *sc, struct peer *p, char *err)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(p, 0, sizeof *p);
	p->fd = sv[1];
	p->sc = sc;
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, peer_run, p), 0);
	struct sk_xfer_stream s = { .fd = sv[0] };
	int rc = sk_xfer_send(&s, list, &o, err);
	close(sv[0]);
	pthread_join(t, NULL);
	close(sv[1]);
	return rc;
}

/* A file of n pseudo-random bytes in dir; returns its content. */
static uint8_t *make_file(const char *dir, const char *name, size_t n)
{
	uint8_t *p = malloc(n + 1);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, p + off, n - off);
		cr_assert_gt(w, 0);
		off += (size_t)w;
	}
	close(fd);
	return p;
}

struct send_case {
	const char *what;
	size_t size;
	bool resume;
	struct script sc;
	uint64_t offer_good; /* offer this prefix with its right hash */
	int rc;
	uint64_t start_want;
	const char *err_has;
	unsigned version, digest; /* the sender's options */
};

/* 3 MiB + 5: several full DATA frames and a short last one. */
#define BIG ((size_t)3 * SK_XFER_DATA_MAX + 5)

static const struct send_case send_cases[] = {
	{ "plain", BIG, false, { .version = SK_XFER_VERSION }, 0, 0, 0, NULL, 0, 0 },
	{ "empty file", 0, false, { .version = SK_XFER_VERSION }, 0, 0, 0, NULL, 0, 0 },
	{ "resume, matching offer", BIG, true, { .version = SK_XFER_VERSION },
	  SK_XFER_DATA_MAX + 7, 0, SK_XFER_DATA_MAX + 7, NULL, 0, 0 },
	{ "resume, mismatching offer", BIG, true,
	  { .version = SK_XFER_VERSION, .offer_off = 4096, .offer_sha = { 1 } }, 0, 0, 0,
	  NULL, 0, 0 },
	{ "no resume asked: an offer is ignored", BIG, false, { .version = SK_XFER_VERSION },
	  4096, 0, 0, NULL, 0, 0 },
	{ "offer past the end", 10, true,
	  { .version = SK_XFER_VERSION, .offer_off = 11 }, 0, SK_EXFERPROTO, 0,
	  "past the end", 0, 0 },
	{ "refused at FILE", 10, false,
	  { .version = SK_XFER_VERSION, .refuse_file = SK_XFER_R_EXISTS }, 0, SK_EXFERREFUSED,
	  0, "exists: scripted", 0, 0 },
	{ "refused at END", 10, false,
	  { .version = SK_XFER_VERSION, .refuse_end = SK_XFER_R_MISMATCH }, 0, SK_EXFERREFUSED,
	  0, "mismatch: scripted", 0, 0 },
	{ "unknown refusal code", 10, false,
	  { .version = SK_XFER_VERSION, .refuse_file = 999 }, 0, SK_EXFERREFUSED, 0,
	  "reason 999", 0, 0 },
	{ "other version", 10, false, { .version = 3 }, 0, SK_EXFERPROTO, 0, "version 3", 0, 0 },
	{ "version 1, for a receiver that predates 2: SHA-256", BIG, true, { .version = 1 },
	  4097, 0, 4097, NULL, 1, SK_XFER_DIGEST_XXH128 },
	{ "SHA-256 asked in version 2", BIG, true, { .version = 2 }, 4097, 0, 4097, NULL, 0,
	  SK_XFER_DIGEST_SHA256 },
	{ "an old receiver refuses the 7-byte hello", 10, false,
	  { .version = 1, .refuse_hello = SK_XFER_R_PROTOCOL }, 0, SK_EXFEROLD, 0,
	  "refused version 2", 0, 0 },
	{ "a receiver refusing version 2 by number", 10, false,
	  { .version = 1, .refuse_hello = SK_XFER_R_VERSION }, 0, SK_EXFEROLD, 0, NULL, 0, 0 },
	{ "closed after hello", 10, false,
	  { .version = SK_XFER_VERSION, .close_after_hello = true }, 0, SK_EXFERCUT, 0,
	  "closed", 0, 0 },
};

Test(xfer_send, frames_it_emits)
{
	for (size_t i = 0; i < sizeof send_cases / sizeof send_cases[0]; i++) {
		const struct send_case *c = &send_cases[i];
		char *dir = tempdir();
		uint8_t *content = make_file(dir, "f.bin", c->size);
		char path[512];
		snprintf(path, sizeof path, "%s/f.bin", dir);
		struct sk_xfer_list list = { 0 };
		char err[SK_ERRLEN] = "";
		cr_assert_eq(sk_xfer_list_add(&list, path, err), 0, "%s", err);
		struct script sc = c->sc;
		unsigned kind = c->version == 1 ? SK_XFER_DIGEST_SHA256
				: c->digest ? c->digest : SK_XFER_DIGEST_XXH128;
		if (c->offer_good) {
			sc.offer_off = c->offer_good;
			digest_of(kind, content, c->offer_good, sc.offer_sha);
		}
		struct peer p;
		struct sk_xfer_send_opts o = { .resume = c->resume, .version = c->version,
					       .digest = c->digest };
		int rc = send_to(&list, o, &sc, &p, err);
		cr_assert_eq(rc, c->rc, "%s: %d %s", c->what, rc, err);
		if (c->err_has)
			cr_assert(strstr(err, c->err_has), "%s: %s", c->what, err);
		struct seen *s = &p.seen;
		cr_assert_eq(s->types[0], SK_XFER_HELLO, "%s", c->what);
		cr_assert_eq(s->hello_version, c->version ? c->version : 2, "%s", c->what);
		cr_assert_eq(s->digest, kind, "%s", c->what);
		cr_assert_eq(s->hello_flags, c->resume ? SK_XFER_FLAG_RESUME : 0, "%s", c->what);
		if (!rc) {
			cr_assert_eq(s->files, 1, "%s", c->what);
			cr_assert_str_eq(s->names[0], "f.bin", "%s", c->what);
			cr_assert_eq(s->kinds[0], SK_XFER_REG, "%s", c->what);
			cr_assert_eq(s->sizes[0], c->size, "%s", c->what);
			cr_assert_eq(s->start_off, c->start_want, "%s", c->what);
			size_t sent = c->size - (size_t)c->start_want;
			cr_assert_eq(s->data_len, sent, "%s", c->what);
			cr_assert(!sent || !memcmp(s->data, content + c->start_want, sent), "%s",
				  c->what);
			cr_assert_leq(s->data_max, SK_XFER_DATA_MAX, "%s", c->what);
			uint8_t want[32];
			digest_of(kind, content, c->size, want);
			cr_assert_eq(s->end_len, sk_xfer_digest_len(kind), "%s", c->what);
			cr_assert_arr_eq(s->end_digest, want, s->end_len, "%s", c->what);
			/* HELLO FILE START DATA... END BYE */
			cr_assert_eq(s->types[1], SK_XFER_FILE, "%s", c->what);
			cr_assert_eq(s->types[2], SK_XFER_START, "%s", c->what);
			cr_assert_eq(s->types[s->n - 2], SK_XFER_END, "%s", c->what);
			cr_assert_eq(s->types[s->n - 1], SK_XFER_BYE, "%s", c->what);
			cr_assert_eq(s->n, 5 + s->data_frames, "%s", c->what);
		} else {
			/* A failed session never says BYE. */
			cr_assert_neq(s->types[s->n - 1], SK_XFER_BYE, "%s", c->what);
		}
		free(s->data);
		free(content);
		sk_xfer_list_free(&list);
		rmtree(dir);
		free(dir);
	}
}

Test(xfer_send, a_directory_goes_before_its_files)
{
	char *dir = tempdir();
	char path[512];
	snprintf(path, sizeof path, "%s/top", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/top/sub", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	free(make_file(dir, "top/sub/x", 100));
	snprintf(path, sizeof path, "%s/top", dir);
	struct sk_xfer_list list = { 0 };
	char err[SK_ERRLEN] = "";
	cr_assert_eq(sk_xfer_list_add(&list, path, err), 0, "%s", err);
	struct script sc = { .version = SK_XFER_VERSION };
	struct peer p;
	cr_assert_eq(send_to(&list, (struct sk_xfer_send_opts){ 0 }, &sc, &p, err), 0, "%s",
		     err);
	cr_assert_eq(p.seen.files, 3);
	cr_assert_str_eq(p.seen.names[0], "top");
	cr_assert_eq(p.seen.kinds[0], SK_XFER_DIR);
	cr_assert_str_eq(p.seen.names[1], "top/sub");
	cr_assert_eq(p.seen.kinds[1], SK_XFER_DIR);
	cr_assert_str_eq(p.seen.names[2], "top/sub/x");
	cr_assert_eq(p.seen.kinds[2], SK_XFER_REG);
	cr_assert_eq(p.seen.sizes[2], 100);
	free(p.seen.data);
	sk_xfer_list_free(&list);
	rmtree(dir);
	free(dir);
}

/* The sender against the real receiver, both in this process: what one
 * emits the other stores. */
struct recv_thread {
	int fd, dfd, rc;
	char err[SK_ERRLEN];
};

static void *recv_run(void *arg)
{
	struct recv_thread *r = arg;
	struct sk_xfer_stream s = { .fd = r->fd };
	struct sk_xfer_recv_opts o = { .dirfd = r->dfd };
	r->rc = sk_xfer_recv(&s, &o, NULL, r->err);
	return NULL;
}

Test(xfer_send, to_the_real_receiver)
{
	char *src = tempdir(), *dst = tempdir();
	uint8_t *content = make_file(src, "f", BIG);
	char path[512];
	snprintf(path, sizeof path, "%s/f", src);
	struct sk_xfer_list list = { 0 };
	char err[SK_ERRLEN] = "";
	cr_assert_eq(sk_xfer_list_add(&list, path, err), 0, "%s", err);
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	struct recv_thread r = { .fd = sv[1], .dfd = open(dst, O_RDONLY | O_DIRECTORY) };
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, recv_run, &r), 0);
	struct sk_xfer_stream s = { .fd = sv[0] };
	int rc = sk_xfer_send(&s, &list, NULL, err);
	close(sv[0]);
	pthread_join(t, NULL);
	close(sv[1]);
	close(r.dfd);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	size_t n;
	char *got = slurp(dst, "f", &n);
	cr_assert(got && n == BIG && !memcmp(got, content, BIG));
	free(got);
	free(content);
	sk_xfer_list_free(&list);
	rmtree(src);
	rmtree(dst);
	free(src);
	free(dst);
}
