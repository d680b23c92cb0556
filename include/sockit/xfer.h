/* File transfer over sockit's framed protocol (docs/PROTOCOL.md).
 *
 * Two layers: a pure frame encoder/decoder and name checker that do no I/O
 * and never allocate (fuzzed), and a sender and receiver that drive one
 * session over a connected stream. */
#ifndef SOCKIT_XFER_H
#define SOCKIT_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The version a sender speaks first.  Receivers speak 1 and 2: version 1
 * is version 2 without the digest negotiation (SHA-256 always). */
#define SK_XFER_VERSION 2
#define SK_XFER_MAGIC "SKXF"
#define SK_XFER_HEADLEN 5             /* type + 32-bit length */
#define SK_XFER_DATA_MAX (1u << 20)   /* DATA payload bound */
#define SK_XFER_NAME_MAX 4096         /* whole name */
#define SK_XFER_COMPONENT_MAX 249     /* one path component: ".C.part" fits 255 */
#define SK_XFER_TEXT_MAX 512          /* VERDICT text */
#define SK_XFER_SIZE_MAX INT64_MAX    /* file size */
#define SK_XFER_FILE_FIXED 23         /* FILE payload before the name */
/* The largest frame of any type, header included. */
#define SK_XFER_FRAME_MAX (SK_XFER_HEADLEN + SK_XFER_DATA_MAX)
/* Room for any control frame (everything but DATA's payload). */
#define SK_XFER_CONTROL_MAX (SK_XFER_HEADLEN + SK_XFER_FILE_FIXED + SK_XFER_NAME_MAX)

enum sk_xfer_type {
	SK_XFER_HELLO = 0x01,
	SK_XFER_FILE = 0x10,
	SK_XFER_OFFER = 0x11,
	SK_XFER_START = 0x12,
	SK_XFER_DATA = 0x13,
	SK_XFER_END = 0x14,
	SK_XFER_VERDICT = 0x20,
	SK_XFER_BYE = 0x7f,
};

enum { SK_XFER_FLAG_RESUME = 1 };

/* The file digest a version-2 session uses, named by the sender's HELLO;
 * the numbers are part of the protocol.  XXH3-128 detects corruption at
 * almost no cost; SHA-256 is a cryptographic digest, for those who want
 * one beyond what TLS gives in transit. */
enum sk_xfer_digest { SK_XFER_DIGEST_SHA256 = 1, SK_XFER_DIGEST_XXH128 = 2 };
#define SK_XFER_DIGEST_MAX 32

/* A digest's length in bytes (32, 16), or 0 for a number this version
 * does not know. */
size_t sk_xfer_digest_len(unsigned digest);
/* "sha256", "xxh128", or NULL. */
const char *sk_xfer_digest_name(unsigned digest);
/* Parses "sha256", "xxh128" (or "xxh3").  Returns 0 or -EINVAL. */
int sk_xfer_digest_parse(const char *name, enum sk_xfer_digest *out);
enum sk_xfer_kind { SK_XFER_REG = 0, SK_XFER_DIR = 1 };

/* VERDICT reason codes; the numbers are part of the protocol. */
#define SK_XFER_REASONS(X)                                                     \
	X(OK, 0, "ok")                                                         \
	X(BADNAME, 1, "bad-name")                                              \
	X(SYMLINK, 2, "symlink")                                               \
	X(EXISTS, 3, "exists")                                                 \
	X(TOOLARGE, 4, "too-large")                                            \
	X(MISMATCH, 5, "mismatch")                                             \
	X(SIZE, 6, "size")                                                     \
	X(PROTOCOL, 7, "protocol")                                             \
	X(VERSION, 8, "version")                                               \
	X(IO, 9, "io")                                                         \
	X(TYPE, 10, "type")                                                    \
	X(DIGEST, 11, "digest")

enum sk_xfer_reason {
#define SK__XREASON(name, num, text) SK_XFER_R_##name = num,
	SK_XFER_REASONS(SK__XREASON)
#undef SK__XREASON
};

/* The reason's name ("bad-name"), or NULL for a code this version does not
 * know. */
const char *sk_xfer_reason_name(unsigned reason);

/* One decoded frame.  Pointers (name, data, text) point into the bytes
 * given to sk_xfer_decode and live as long as they do. */
struct sk_xfer_msg {
	uint8_t type;
	union {
		struct {
			/* digest: version 2 only (a 7-byte HELLO); 0 in version 1 */
			uint8_t version, flags, digest;
		} hello;
		struct {
			uint8_t kind;
			uint64_t size;
			uint32_t mode;
			int64_t mtime;
			const uint8_t *name;
			size_t name_len;
		} file;
		struct {
			uint64_t offset;
			uint8_t digest[SK_XFER_DIGEST_MAX];
			uint8_t digest_len; /* 32 or 16: the session's digest */
		} offer;
		struct {
			uint64_t offset;
		} start;
		struct {
			const uint8_t *data;
			size_t len;
		} data;
		struct {
			uint8_t digest[SK_XFER_DIGEST_MAX];
			uint8_t digest_len;
		} end;
		struct {
			uint8_t status; /* 0 ok, 1 refused */
			uint16_t reason;
			const uint8_t *text;
			size_t text_len;
		} verdict;
	} u;
};

/* Decodes the 5-byte frame header at p and checks the length against the
 * type's bound.  Returns SK_XFER_HEADLEN with *type and *len set,
 * SK_EFRAMESHORT when len < 5, SK_EFRAMEBAD for an unknown type or a length
 * a type never has, SK_EFRAMEBIG for a length over the type's bound. */
int sk_xfer_head_decode(const uint8_t *p, size_t len, uint8_t *type,
			uint32_t *plen);

/* Decodes one whole frame at p.  Returns the bytes consumed (> 0),
 * SK_EFRAMESHORT when the frame is not complete yet ("need more"),
 * SK_EFRAMEBAD when it is malformed, SK_EFRAMEBIG when its length is over
 * its type's bound.  Never reads past p + len; allocates nothing. */
int sk_xfer_decode(const uint8_t *p, size_t len, struct sk_xfer_msg *out);

/* Encodes m into buf.  Returns the frame's length, -ENOSPC when cap is too
 * small, SK_EFRAMEBIG / SK_EFRAMEBAD when m breaks a bound (a DATA frame is
 * encoded whole; senders that stream use sk_xfer_head_encode). */
int sk_xfer_encode(uint8_t *buf, size_t cap, const struct sk_xfer_msg *m);

/* Writes the 5-byte header of a frame of type with payload length plen. */
void sk_xfer_head_encode(uint8_t buf[SK_XFER_HEADLEN], uint8_t type,
			 uint32_t plen);

/* Checks a name as the receiver does (docs/PROTOCOL.md, FILE): 0 when it is
 * a safe relative path, else SK_ENAMEBAD with err (SK_ERRLEN, may be NULL)
 * saying why ("component '..'"). */
int sk_xfer_name_check(const uint8_t *name, size_t len, char *err);

/* ---- sessions ------------------------------------------------------- */

/* A byte stream the sender and receiver talk over: a plain socket (fd >= 0
 * and the functions NULL) or a wrapper such as TLS.  read returns bytes
 * read, 0 at EOF or a negative error; write returns bytes written or a
 * negative error. */
struct sk_xfer_stream {
	int fd;
	void *ctx;
	ssize_t (*read)(void *ctx, void *buf, size_t n);
	ssize_t (*write)(void *ctx, const void *buf, size_t n);
	/* Wrappers only, may be NULL: 1 when read would not block. */
	int (*ready)(void *ctx);
};

/* Progress, called often (at most every DATA frame) from inside send and
 * receive.  name is the file's relative name (NUL-terminated, checked), done
 * and size its bytes so far and in total; done == size once it is verified. */
struct sk_xfer_progress {
	void (*file_begin)(void *arg, const char *name, uint64_t size,
			   uint64_t resumed_from);
	void (*file_bytes)(void *arg, uint64_t done, uint64_t size);
	void (*file_end)(void *arg, const char *name, uint64_t size, int result);
	void *arg;
};

struct sk_xfer_send_opts {
	bool resume;                    /* ask for resume offers */
	/* 0: SK_XFER_VERSION.  1 speaks to receivers that predate version 2
	 * (SHA-256 then, whatever digest says). */
	unsigned version;
	enum sk_xfer_digest digest;     /* 0: XXH3-128 */
	/* On a plain socket, hash each file from a read-only mmap of it while
	 * sendfile(2) sends the same range: no copy in user space.  A file
	 * truncated by someone else during the send then raises SIGBUS, which
	 * the caller must handle (file send reports it and exits); false
	 * reads with pread instead and reports the shrinking as an error. */
	bool map;
	const struct sk_xfer_progress *progress; /* may be NULL */
};

/* One entry to send: a local path and the name it gets on the other side. */
struct sk_xfer_item {
	char *path;
	char *name;
	bool dir;
	uint64_t size;
};

/* An owned list of items; free with sk_xfer_list_free. */
struct sk_xfer_list {
	struct sk_xfer_item *items;
	size_t count, cap;
	uint64_t total; /* bytes of every regular file */
	size_t skipped; /* symbolic links and special files left out */
};

/* Adds path to list: a file under its base name, a directory recursively
 * with names relative to the directory's parent ("photos/2024/a.jpg").
 * Symbolic links and special files inside directories are skipped and
 * counted.  Returns 0 or a negative error with err naming the path. */
int sk_xfer_list_add(struct sk_xfer_list *list, const char *path, char *err);
void sk_xfer_list_free(struct sk_xfer_list *list);

/* Runs a sender session over s: HELLO, each item, BYE.  Returns 0 when
 * every file was stored, SK_EXFERREFUSED when the receiver refused (err
 * holds "NAME: REASON: TEXT"), SK_EXFEROLD when a receiver of an older
 * version refused the HELLO (nothing was sent: a new session with
 * version 1 works), or another negative error with err. */
int sk_xfer_send(struct sk_xfer_stream *s, const struct sk_xfer_list *list,
		 const struct sk_xfer_send_opts *opts, char *err);

struct sk_xfer_recv_opts {
	int dirfd;         /* the directory files land in */
	bool overwrite;    /* replace existing files */
	uint64_t max_size; /* 0 for no limit */
	const struct sk_xfer_progress *progress; /* may be NULL */
	/* Said in parentheses after a refusal's reason, so that the sender's
	 * user learns how the receiving program would accept (the library
	 * knows no program's options); NULL: nothing.  hint_exists follows
	 * "the receiver keeps existing files", hint_protocol follows "not a
	 * sockit file transfer". */
	const char *hint_exists;
	const char *hint_protocol;
};

/* What a receiver session did. */
struct sk_xfer_recv_stats {
	uint64_t files, dirs, bytes;
	bool started;    /* a valid HELLO arrived: this was a session */
	unsigned version, digest; /* what the session spoke, once started */
	unsigned reason; /* the refusal sent, SK_XFER_R_OK otherwise */
};

/* Runs a receiver session over s until the sender's BYE.  Returns 0, or a
 * negative error with err saying what went wrong (a refusal sent to the
 * peer gives SK_EXFERREFUSED and stats->reason). */
int sk_xfer_recv(struct sk_xfer_stream *s, const struct sk_xfer_recv_opts *opts,
		 struct sk_xfer_recv_stats *stats, char *err);

struct sk_endpoint;

/* A blocking TCP connection to ep: every address of the name in turn, each
 * given timeout_ms to connect (0: the kernel's own).  Returns the fd (with
 * large socket buffers) or a negative error with err naming the address. */
int sk_xfer_connect(const struct sk_endpoint *ep, int family,
		    uint64_t timeout_ms, char *err);

/* A listening TCP socket on ep (":PORT": IPv6 and IPv4 together where the
 * host allows).  bound gets the address really bound ("[::]:40123"), so
 * port 0 can be reported.  Returns the fd or a negative error with err. */
int sk_xfer_listen(const struct sk_endpoint *ep, int family, char *bound,
		   size_t cap, char *err);

/* Waits for the next connection on lfd (from sk_xfer_listen) and returns
 * it as a blocking socket whose reads and writes each give up after
 * timeout_ms (0: never), so a peer that stalls cannot hold a session
 * forever.  peer gets its address ("127.0.0.1:40112"; an IPv4 client of a
 * dual-stack listener shows as IPv4).  Connections aborted before they
 * were accepted are skipped, and when descriptors run out it waits for
 * one to be freed.  Returns the fd or -errno. */
int sk_xfer_accept(int lfd, uint64_t timeout_ms, char *peer, size_t cap);

struct sk_tls;
struct sk_tls_ctx;
struct sk_xfer_tls;

/* Runs the TLS handshake of tls (a client or server session from
 * sockit/tls.h, now owned here) over the connected blocking socket fd, then
 * fills s so that sk_xfer_send / sk_xfer_recv go through TLS.  Returns 0
 * with *out to close later, or an error (SK_ETLS, SK_ETLSVERIFY, -errno)
 * with err; tls is freed either way on failure. */
int sk_xfer_tls_open(int fd, struct sk_tls *tls, struct sk_xfer_stream *s,
		     struct sk_xfer_tls **out, char *err);
/* The session inside, for sk_tls_describe. */
struct sk_tls *sk_xfer_tls_engine(struct sk_xfer_tls *t);
/* Sends close_notify (best effort) and frees everything but the fd. */
void sk_xfer_tls_close(struct sk_xfer_tls *t);

/* A transfer's connection: the socket, and the stream over it (through
 * TLS when the link has a session). */
struct sk_xfer_link {
	int fd;
	struct sk_xfer_stream s;
	struct sk_xfer_tls *tls; /* NULL: plain */
};

struct sk_xfer_dial_opts {
	int family;
	uint64_t connect_ms;   /* 0: the kernel's own */
	uint64_t idle_ms;      /* each read and write gives up after; 0 never */
	struct sk_tls_ctx *tls; /* a client context, or NULL for plain TCP;
				 * not owned */
	const char *sni;       /* the name sent; NULL: ep's host */
};

/* Connects to ep and, with o->tls, runs a client handshake that verifies
 * ep's host ("localhost" for ":PORT").  Returns 0 with *out to close with
 * sk_xfer_link_close, or a negative code with err, nothing left open. */
int sk_xfer_dial(const struct sk_endpoint *ep, const struct sk_xfer_dial_opts *o,
		 struct sk_xfer_link *out, char *err);

/* The next connection on lfd (sk_xfer_accept: timeout_ms, peer), through
 * a server handshake when tls is a server context.  Returns 0 with *out,
 * 1 when the handshake failed (err says why; the connection is closed
 * already, and peer says whose it was), or a negative code when accepting
 * failed (err "accept: why"). */
int sk_xfer_take(int lfd, uint64_t timeout_ms, struct sk_tls_ctx *tls,
		 struct sk_xfer_link *out, char *peer, size_t cap, char *err);

/* Sends close_notify when under TLS and closes the socket, at once or,
 * with linger_ms, as sk_xfer_close_after_peer does. */
void sk_xfer_link_close(struct sk_xfer_link *l, uint64_t linger_ms);

/* Makes each read and write on the blocking socket fd give up after
 * timeout_ms (0: leaves them waiting for ever), so a stalled peer cannot
 * hold a transfer. */
void sk_xfer_set_timeouts(int fd, uint64_t timeout_ms);

/* Ends a connection whose last bytes were sent: shuts the sending side,
 * reads and drops whatever the peer still sends until it closes or
 * timeout_ms pass, then closes fd.  Closing with bytes unread (a TLS
 * session ticket, say) would send a reset that can destroy data the peer
 * has not read yet. */
void sk_xfer_close_after_peer(int fd, uint64_t timeout_ms);

/* The protocol-less mode: copies fd (a file or a pipe, read to its end) to
 * the stream as it is, with sendfile(2) when fd is a regular file and the
 * stream a plain socket.  *sent counts the bytes.  Returns 0 or a negative
 * error; *input_failed tells that reading fd failed, not sending. */
int sk_xfer_raw_send(struct sk_xfer_stream *s, int fd, uint64_t *sent, bool *input_failed);

/* Where sk_xfer_store puts a stream. */
struct sk_xfer_store_opts {
	/* A base name in dirfd: bytes go to ".NAME.part", which is fsynced and
	 * renamed to NAME once the stream ends (never a half file under NAME).
	 * NULL: bytes go straight into fd instead. */
	const char *name;
	int dirfd;
	int fd;         /* with name NULL: stdout, a device, a fifo; not closed */
	bool overwrite; /* rename over an existing NAME */
	/* Or a path, opened (and closed) here: a regular file, or none yet,
	 * as name in its directory; anything else (/dev/null, a fifo) is
	 * written directly, since renaming over it would replace it. */
	const char *path;
};

struct sk_xfer_store_stats {
	uint64_t bytes;
	uint8_t sha256[32]; /* of every byte stored, when it returned 0 */
};

/* Stores everything the stream carries until its end, as opts says.
 * Returns 0, or a negative error with err saying what went wrong and, for
 * a named file, how many bytes the .part file kept. */
int sk_xfer_store(struct sk_xfer_stream *s, const struct sk_xfer_store_opts *opts,
		  struct sk_xfer_store_stats *stats, char *err);

/* Reads and writes through a stream (plain fd or wrapper), retrying short
 * writes and EINTR.  sk_xfer_read returns like read(2) but as -errno. */
ssize_t sk_xfer_read(struct sk_xfer_stream *s, void *buf, size_t n);
int sk_xfer_write_all(struct sk_xfer_stream *s, const void *buf, size_t n);

#endif
