/* TLS with OpenSSL over any byte stream.
 *
 * The engine does no I/O: ciphertext goes in with sk_tls_feed (bytes read
 * from the network) and comes out with sk_tls_take (bytes to write to the
 * network); plaintext goes in with sk_tls_write and out with sk_tls_read.
 * It runs over memory BIOs, so any transport works: a libuv stream (see
 * sockit/conn.h, which wires it to one), a blocking socket, a test that
 * pumps two engines into each other.
 *
 * How the other commands use it:
 *   - a client (tcp connect --tls, http get https://, file send --tls):
 *       sk_tls_ctx_client(&ctx, &(struct sk_tls_client_opts){ .alpn =
 *       "http/1.1" }, err); sk_tls_new(ctx, false, host, NULL, &tls, err);
 *     verification is ON unless opts.insecure: the system trust store (or
 *     opts.cafile) and the host name (or IP address) given to sk_tls_new.
 *   - a server (tcp listen --tls, file recv --tls): sk_tls_ctx_server with
 *     cert and key files, or none for an ephemeral self-signed certificate
 *     made in memory; show sk_tls_ctx_fingerprint to the user so a client
 *     can check it.  One ctx serves every connection; one sk_tls each.
 *   - then loop: after reading from the network, sk_tls_feed; call
 *     sk_tls_handshake until it returns 1; sk_tls_read until it returns 0;
 *     after any call, send whatever sk_tls_pending says is waiting
 *     (sk_tls_take).  On end of input, sk_tls_close queues close_notify.
 *
 * Errors are SK_ETLS (protocol or setup; err says what OpenSSL said),
 * SK_ETLSVERIFY (the peer's certificate; err says why, e.g. "hostname
 * mismatch"), SK_ETLSCLOSED (the peer sent close_notify) or -ENOMEM; a
 * file that cannot be read is -errno.  err starts with what it is about,
 * so a program can name its own option for it: "certificate PATH: ...",
 * "private key PATH: ...", "CA file PATH: ...", "client CA file PATH: ...",
 * "ALPN list ...", e.g. "CA file /x.pem: no such file or directory".
 */
#ifndef SOCKIT_TLS_H
#define SOCKIT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sk_tls_ctx; /* shared settings: trust, certificate, ALPN */
struct sk_tls;     /* one session */

struct sk_tls_client_opts {
	const char *cafile; /* PEM bundle to trust instead of the system store */
	const char *alpn;   /* comma-separated protocols, "h2,http/1.1"; NULL none */
	bool insecure;      /* no verification at all (say so to the user) */
	const char *cert, *key; /* client certificate, optional */
};

struct sk_tls_server_opts {
	const char *cert, *key; /* PEM files; both NULL: ephemeral self-signed */
	const char *alpn;       /* protocols accepted, in preference order */
	const char *name;       /* ephemeral certificate's name; NULL "localhost" */
	const char *client_ca;  /* PEM CAs: clients must show a certificate
				 * they signed; NULL: no client certificate */
};

/* Create a context.  Return 0 or SK_ETLS / -ENOMEM with err filled.  The
 * caller owns *out and frees it with sk_tls_ctx_free after every session
 * made from it is freed. */
int sk_tls_ctx_client(struct sk_tls_ctx **out,
		      const struct sk_tls_client_opts *opts, char *err);
int sk_tls_ctx_server(struct sk_tls_ctx **out,
		      const struct sk_tls_server_opts *opts, char *err);
void sk_tls_ctx_free(struct sk_tls_ctx *ctx);

/* The SHA-256 fingerprint of the context's own certificate as upper-case
 * hex pairs joined by ':' (95 characters).  Return 0, or SK_ETLS when the
 * context has no certificate. */
#define SK_TLS_FPLEN 96
int sk_tls_ctx_fingerprint(const struct sk_tls_ctx *ctx,
			   char out[SK_TLS_FPLEN]);

/* Create a session.  For a client, host is the name (or IP address) the
 * certificate must match, and sni the name sent in the handshake (NULL:
 * host, unless host is an IP address).  Both are ignored for a server.
 * Return 0 or SK_ETLS / -ENOMEM.  Free with sk_tls_free. */
int sk_tls_new(struct sk_tls_ctx *ctx, bool server, const char *host,
	       const char *sni, struct sk_tls **out, char *err);
void sk_tls_free(struct sk_tls *tls);

/* Ciphertext from the network.  Return 0 or -ENOMEM. */
int sk_tls_feed(struct sk_tls *tls, const uint8_t *p, size_t n);

/* Advance the handshake.  Return 1 when it is complete, 0 when it needs
 * more input (send sk_tls_pending bytes first), or an error with err
 * filled. */
int sk_tls_handshake(struct sk_tls *tls, char *err);

/* Plaintext out: return the byte count (> 0), 0 when more input is
 * needed, SK_ETLSCLOSED at the peer's close_notify, or an error. */
int sk_tls_read(struct sk_tls *tls, uint8_t *buf, size_t cap, char *err);

/* Plaintext in, encrypted into the output queue.  Only after the
 * handshake.  Return n or an error. */
int sk_tls_write(struct sk_tls *tls, const uint8_t *p, size_t n, char *err);

/* Queue a close_notify alert (idempotent).  Return 0 or an error. */
int sk_tls_close(struct sk_tls *tls);

/* Ciphertext waiting to be sent, and taking it: sk_tls_take copies up to
 * cap bytes into buf and returns the count. */
size_t sk_tls_pending(const struct sk_tls *tls);
size_t sk_tls_take(struct sk_tls *tls, uint8_t *buf, size_t cap);

/* After the handshake: "TLSv1.3 TLS_AES_256_GCM_SHA384", then " alpn P"
 * when a protocol was agreed.  Writes at most cap - 1 characters. */
void sk_tls_describe(const struct sk_tls *tls, char *buf, size_t cap);

/* After the handshake: the subject of the peer's certificate, verified
 * ("/CN=alice/O=example"), in at most cap - 1 characters.  Return 0, or
 * SK_ETLS when the peer showed none. */
int sk_tls_peer_subject(const struct sk_tls *tls, char *buf, size_t cap);

/* The protocol ALPN agreed on, or NULL (*len set to its length). */
const char *sk_tls_alpn(const struct sk_tls *tls, size_t *len);

#endif
