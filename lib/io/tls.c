/* TLS over memory BIOs: OpenSSL never touches a socket here, so the same
 * engine runs over libuv streams, blocking sockets or a unit test. */
#include "sockit/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "sockit/error.h"

struct sk_tls_ctx {
	SSL_CTX *ssl;
	bool server;
	uint8_t alpn[256]; /* wire format: length-prefixed names */
	size_t alpn_len;
};

struct sk_tls {
	SSL *ssl;
	BIO *rbio, *wbio; /* network -> SSL, SSL -> network */
	bool done, closed;
};

/* The reason of the last OpenSSL error, short ("certificate verify
 * failed"), or fallback when the queue is empty. */
static const char *ossl_reason(const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : fallback;
}

static int alpn_encode(const char *list, uint8_t *out, size_t cap,
		       size_t *len, char *err)
{
	size_t n = 0;
	const char *p = list;
	while (*p) {
		size_t l = strcspn(p, ",");
		if (l == 0 || l > 255 || n + 1 + l > cap)
			return sk_err_set(err, SK_ETLS,
					  "ALPN list '%s': bad protocol list",
					  list);
		out[n++] = (uint8_t)l;
		memcpy(out + n, p, l);
		n += l;
		p += l;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		return sk_err_set(err, SK_ETLS, "ALPN list: empty");
	*len = n;
	return 0;
}

static int ctx_new(const SSL_METHOD *method, bool server, const char *alpn,
		   struct sk_tls_ctx **out, char *err)
{
	struct sk_tls_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return sk_err_set(err, -ENOMEM, "TLS context");
	c->server = server;
	int rc;
	if (alpn && (rc = alpn_encode(alpn, c->alpn, sizeof c->alpn, &c->alpn_len, err))) {
		free(c);
		return rc;
	}
	ERR_clear_error();
	c->ssl = SSL_CTX_new(method);
	if (!c->ssl) {
		free(c);
		return sk_err_set(err, SK_ETLS, "TLS context: %s",
				  ossl_reason("cannot create"));
	}
	SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION);
	/* Writes go to a memory BIO, which never refuses: partial writes and
	 * moving buffers only matter for real sockets, but keep them safe. */
	SSL_CTX_set_mode(c->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	*out = c;
	return 0;
}

void sk_tls_ctx_free(struct sk_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

/* Whether a PEM file (what: "CA file") can be read at all: OpenSSL only
 * says "system lib" for a missing or unreadable file, so check first and
 * give the reason (err: "CA file /x.pem: no such file or directory"). */
static int readable(const char *what, const char *path, char *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sk_err_set(err, -errno, "%s %s", what, path);
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		rc = sk_err_set(err, -EISDIR, "%s %s", what, path);
	close(fd);
	return rc;
}

static int load_pair(SSL_CTX *ssl, const char *cert, const char *key,
		     char *err)
{
	int rc;
	if ((rc = readable("certificate", cert, err)) ||
	    (rc = readable("private key", key, err)))
		return rc;
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(ssl, cert) != 1)
		return sk_err_set(
		    err, SK_ETLS,
		    "certificate %s: no usable PEM certificate (%s)", cert,
		    ossl_reason("cannot load"));
	if (SSL_CTX_use_PrivateKey_file(ssl, key, SSL_FILETYPE_PEM) != 1)
		return sk_err_set(
		    err, SK_ETLS,
		    "private key %s: no usable PEM private key (%s)", key,
		    ossl_reason("cannot load"));
	if (SSL_CTX_check_private_key(ssl) != 1)
		return sk_err_set(
		    err, SK_ETLS,
		    "private key %s: does not match certificate %s", key, cert);
	return 0;
}

int sk_tls_ctx_client(struct sk_tls_ctx **out,
		      const struct sk_tls_client_opts *opts, char *err)
{
	struct sk_tls_ctx *c;
	int rc = ctx_new(TLS_client_method(), false, opts->alpn, &c, err);
	if (rc)
		return rc;
	if (!opts->insecure) {
		SSL_CTX_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
		ERR_clear_error();
		if (opts->cafile) {
			rc = readable("CA file", opts->cafile, err);
			if (!rc && SSL_CTX_load_verify_locations(c->ssl, opts->cafile, NULL) != 1)
				rc = sk_err_set(
				    err, SK_ETLS,
				    "CA file %s: no usable PEM certificate (%s)",
				    opts->cafile, ossl_reason("cannot load"));
		} else if (SSL_CTX_set_default_verify_paths(c->ssl) != 1) {
			rc = sk_err_set(err, SK_ETLS, "system trust store: %s",
					ossl_reason("cannot load"));
		}
	}
	if (!rc && c->alpn_len &&
	    SSL_CTX_set_alpn_protos(c->ssl, c->alpn, (unsigned)c->alpn_len) != 0)
		rc = sk_err_set(err, SK_ETLS, "ALPN list: %s",
				ossl_reason("refused"));
	if (!rc && (opts->cert || opts->key)) {
		if (!opts->cert || !opts->key)
			rc = sk_err_set(err, SK_ETLS,
					"a client certificate needs both a "
					"certificate and a private key");
		else
			rc = load_pair(c->ssl, opts->cert, opts->key, err);
	}
	if (rc) {
		sk_tls_ctx_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* The server picks the first of its own protocols the client offers. */
static int alpn_select(SSL *ssl, const unsigned char **out,
		       unsigned char *outlen, const unsigned char *in,
		       unsigned int inlen, void *arg)
{
	(void)ssl;
	struct sk_tls_ctx *c = arg;
	unsigned char *sel;
	if (SSL_select_next_proto(&sel, outlen, c->alpn, (unsigned)c->alpn_len,
				  in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A fresh P-256 key, or NULL.  Not EVP_EC_gen: that is a macro over a
 * variadic function, which the program's on-demand loading of OpenSSL
 * (src/lazy.h) cannot forward. */
static EVP_PKEY *p256_key(void)
{
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_group_name(ctx, "P-256") <= 0 ||
	    EVP_PKEY_generate(ctx, &pk) <= 0)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* A P-256 key and a self-signed certificate for name, localhost,
 * 127.0.0.1 and ::1, valid from an hour ago for 30 days: enough for a
 * listener a client pins by fingerprint or trusts with --insecure. */
static int ephemeral(SSL_CTX *ssl, const char *name, char *err)
{
	int rc = SK_ETLS;
	EVP_PKEY *pk = p256_key();
	X509 *x = X509_new();
	if (!pk || !x)
		goto out;
	uint8_t serial[16];
	if (RAND_bytes(serial, sizeof serial) != 1)
		goto out;
	serial[0] &= 0x7f; /* positive */
	BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
	if (!bn)
		goto out;
	int sok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	if (!sok)
		goto out;
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600);
	X509_set_pubkey(x, pk);
	X509_NAME *subj = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC,
				   (const unsigned char *)name, -1, -1, 0);
	X509_NAME_add_entry_by_txt(subj, "O", MBSTRING_ASC,
				   (const unsigned char *)"sockit ephemeral", -1, -1, 0);
	X509_set_issuer_name(x, subj);
	char san[SK_ERRLEN + 64];
	struct in6_addr tmp;
	bool is_ip = inet_pton(AF_INET, name, &tmp) == 1 ||
		     inet_pton(AF_INET6, name, &tmp) == 1;
	snprintf(san, sizeof san, "%s:%s,DNS:localhost,IP:127.0.0.1,IP:::1",
		 is_ip ? "IP" : "DNS", name);
	if (add_ext(x, NID_subject_alt_name, san) ||
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(x, NID_ext_key_usage, "serverAuth"))
		goto out;
	if (!X509_sign(x, pk, EVP_sha256()))
		goto out;
	if (SSL_CTX_use_certificate(ssl, x) != 1 || SSL_CTX_use_PrivateKey(ssl, pk) != 1)
		goto out;
	rc = 0;
out:
	if (rc)
		sk_err_set(err, rc, "ephemeral certificate: %s",
			   ossl_reason("cannot create"));
	X509_free(x);
	EVP_PKEY_free(pk);
	return rc;
}

/* Client certificates: every client must show a certificate that chains to a CA
 * in file; the CA names are also sent in the CertificateRequest, so a
 * client with several certificates picks the right one. */
static int require_client_cert(SSL_CTX *ssl, const char *file, char *err)
{
	int rc = readable("client CA file", file, err);
	if (rc)
		return rc;
	ERR_clear_error();
	STACK_OF(X509_NAME) *names = NULL;
	if (SSL_CTX_load_verify_locations(ssl, file, NULL) != 1 ||
	    !(names = SSL_load_client_CA_file(file)))
		return sk_err_set(
		    err, SK_ETLS,
		    "client CA file %s: no usable PEM certificate (%s)", file,
		    ossl_reason("cannot load"));
	SSL_CTX_set_client_CA_list(ssl, names); /* takes names */
	SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return 0;
}

int sk_tls_ctx_server(struct sk_tls_ctx **out,
		      const struct sk_tls_server_opts *opts, char *err)
{
	struct sk_tls_ctx *c;
	int rc = ctx_new(TLS_server_method(), true, opts->alpn, &c, err);
	if (rc)
		return rc;
	if (opts->cert || opts->key) {
		if (!opts->cert || !opts->key)
			rc = sk_err_set(
			    err, SK_ETLS,
			    "a certificate and a private key go together");
		else
			rc = load_pair(c->ssl, opts->cert, opts->key, err);
	} else {
		rc = ephemeral(c->ssl, opts->name ? opts->name : "localhost", err);
	}
	if (!rc && c->alpn_len)
		SSL_CTX_set_alpn_select_cb(c->ssl, alpn_select, c);
	if (!rc && opts->client_ca)
		rc = require_client_cert(c->ssl, opts->client_ca, err);
	if (rc) {
		sk_tls_ctx_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int sk_tls_ctx_fingerprint(const struct sk_tls_ctx *ctx, char out[SK_TLS_FPLEN])
{
	X509 *x = SSL_CTX_get0_certificate(ctx->ssl);
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	if (!x || X509_digest(x, EVP_sha256(), md, &len) != 1 || len != 32)
		return SK_ETLS;
	for (unsigned i = 0; i < len; i++)
		snprintf(out + 3 * i, 4, i + 1 < len ? "%02X:" : "%02X", md[i]);
	return 0;
}

static bool is_ip_literal(const char *host)
{
	uint8_t tmp[16];
	return inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
}

int sk_tls_new(struct sk_tls_ctx *ctx, bool server, const char *host,
	       const char *sni, struct sk_tls **out, char *err)
{
	struct sk_tls *t = calloc(1, sizeof *t);
	if (!t)
		return sk_err_set(err, -ENOMEM, "TLS session");
	ERR_clear_error();
	t->ssl = SSL_new(ctx->ssl);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->rbio || !t->wbio) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		SSL_free(t->ssl);
		free(t);
		return sk_err_set(err, -ENOMEM, "TLS session");
	}
	/* An empty read BIO means "wait for more", not end of file. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	int rc = 0;
	if (server) {
		SSL_set_accept_state(t->ssl);
	} else {
		SSL_set_connect_state(t->ssl);
		if (host && *host) {
			if (is_ip_literal(host)) {
				if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host) != 1)
					rc = sk_err_set(err, SK_ETLS, "verify address %s: %s", host,
							ossl_reason("refused"));
			} else if (SSL_set1_host(t->ssl, host) != 1) {
				rc = sk_err_set(err, SK_ETLS, "verify name %s: %s", host,
						ossl_reason("refused"));
			}
		}
		const char *name = sni ? sni : (host && !is_ip_literal(host) ? host : NULL);
		if (!rc && name && *name && SSL_set_tlsext_host_name(t->ssl, name) != 1)
			rc = sk_err_set(err, SK_ETLS, "SNI %s: %s", name,
					ossl_reason("refused"));
	}
	if (rc) {
		sk_tls_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void sk_tls_free(struct sk_tls *tls)
{
	if (!tls)
		return;
	SSL_free(tls->ssl); /* frees both BIOs */
	free(tls);
}

int sk_tls_feed(struct sk_tls *tls, const uint8_t *p, size_t n)
{
	while (n) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;
		int w = BIO_write(tls->rbio, p, chunk);
		if (w <= 0)
			return -ENOMEM;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Turns a failed SSL_* call into an error code and message. */
static int failure(struct sk_tls *tls, int ret, const char *what, char *err)
{
	int e = SSL_get_error(tls->ssl, ret);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	if (e == SSL_ERROR_ZERO_RETURN)
		return SK_ETLSCLOSED;
	long v = SSL_get_verify_result(tls->ssl);
	if (!tls->done && v != X509_V_OK)
		return sk_err_set(err, SK_ETLSVERIFY, "%s",
				  X509_verify_cert_error_string(v));
	return sk_err_set(err, SK_ETLS, "%s: %s", what,
			  ossl_reason(e == SSL_ERROR_SYSCALL ? "unexpected end of stream"
							     : "protocol error"));
}

int sk_tls_handshake(struct sk_tls *tls, char *err)
{
	if (tls->done)
		return 1;
	ERR_clear_error();
	int r = SSL_do_handshake(tls->ssl);
	if (r == 1) {
		tls->done = true;
		return 1;
	}
	int rc = failure(tls, r, "handshake", err);
	return rc == SK_ETLSCLOSED
		       ? sk_err_set(err, SK_ETLS, "handshake: closed by peer")
		       : rc;
}

int sk_tls_read(struct sk_tls *tls, uint8_t *buf, size_t cap, char *err)
{
	ERR_clear_error();
	int r = SSL_read(tls->ssl, buf, cap > INT_MAX ? INT_MAX : (int)cap);
	if (r > 0)
		return r;
	return failure(tls, r, "read", err);
}

int sk_tls_write(struct sk_tls *tls, const uint8_t *p, size_t n, char *err)
{
	size_t done = 0;
	while (done < n) {
		size_t left = n - done;
		ERR_clear_error();
		int r = SSL_write(tls->ssl, p + done, left > INT_MAX ? INT_MAX : (int)left);
		if (r <= 0) {
			int rc = failure(tls, r, "write", err);
			return rc ? rc : sk_err_set(err, SK_ETLS, "write: not ready");
		}
		done += (size_t)r;
	}
	return n > INT_MAX ? INT_MAX : (int)n;
}

int sk_tls_close(struct sk_tls *tls)
{
	if (tls->closed || !tls->done)
		return 0;
	tls->closed = true;
	ERR_clear_error();
	SSL_shutdown(tls->ssl);
	return 0;
}

size_t sk_tls_pending(const struct sk_tls *tls)
{
	return BIO_ctrl_pending(tls->wbio);
}

size_t sk_tls_take(struct sk_tls *tls, uint8_t *buf, size_t cap)
{
	int r = BIO_read(tls->wbio, buf, cap > INT_MAX ? INT_MAX : (int)cap);
	return r > 0 ? (size_t)r : 0;
}

const char *sk_tls_alpn(const struct sk_tls *tls, size_t *len)
{
	const unsigned char *p = NULL;
	unsigned n = 0;
	SSL_get0_alpn_selected(tls->ssl, &p, &n);
	*len = n;
	return n ? (const char *)p : NULL;
}

void sk_tls_describe(const struct sk_tls *tls, char *buf, size_t cap)
{
	size_t alen;
	const char *alpn = sk_tls_alpn(tls, &alen);
	snprintf(buf, cap, "%s %s%s%.*s", SSL_get_version(tls->ssl),
		 SSL_get_cipher_name(tls->ssl), alpn ? " alpn " : "",
		 alpn ? (int)alen : 0, alpn ? alpn : "");
}

int sk_tls_peer_subject(const struct sk_tls *tls, char *buf, size_t cap)
{
	X509 *x = SSL_get0_peer_certificate(tls->ssl);
	if (!x || !cap)
		return SK_ETLS;
	if (cap > INT_MAX)
		cap = INT_MAX;
	return X509_NAME_oneline(X509_get_subject_name(x), buf, (int)cap) ? 0 : SK_ETLS;
}
