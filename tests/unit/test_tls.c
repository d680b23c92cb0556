/* The TLS engine with no sockets: two sessions pump ciphertext into each
 * other, which is exactly how sk_conn drives it over a libuv stream. */
#include <errno.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/tls.h"

/* Moves pending ciphertext from a to b; returns the byte count. */
static size_t move(struct sk_tls *a, struct sk_tls *b)
{
	uint8_t buf[4096];
	size_t total = 0, n;
	while ((n = sk_tls_take(a, buf, sizeof buf)) > 0) {
		cr_assert_eq(sk_tls_feed(b, buf, n), 0);
		total += n;
	}
	return total;
}

/* Runs both handshakes to the end; returns the client's result. */
static int handshake(struct sk_tls *cl, struct sk_tls *sv, char *cerr)
{
	char serr[SK_ERRLEN];
	int rc = 0, rs = 0;
	for (int i = 0; i < 20; i++) {
		rc = sk_tls_handshake(cl, cerr);
		move(cl, sv);
		rs = sk_tls_handshake(sv, serr);
		move(sv, cl);
		if (rc < 0 || (rc == 1 && rs == 1))
			break;
	}
	if (rc == 1 && rs != 1)
		rc = sk_tls_handshake(cl, cerr);
	return rc;
}

struct pair {
	struct sk_tls_ctx *cctx, *sctx;
	struct sk_tls *cl, *sv;
};

static void pair_new(struct pair *p, const struct sk_tls_client_opts *co,
		     const struct sk_tls_server_opts *so, const char *host)
{
	char err[SK_ERRLEN];
	cr_assert_eq(sk_tls_ctx_client(&p->cctx, co, err), 0, "%s", err);
	cr_assert_eq(sk_tls_ctx_server(&p->sctx, so, err), 0, "%s", err);
	cr_assert_eq(sk_tls_new(p->cctx, false, host, NULL, &p->cl, err), 0, "%s", err);
	cr_assert_eq(sk_tls_new(p->sctx, true, NULL, NULL, &p->sv, err), 0, "%s", err);
}

static void pair_free(struct pair *p)
{
	sk_tls_free(p->cl);
	sk_tls_free(p->sv);
	sk_tls_ctx_free(p->cctx);
	sk_tls_ctx_free(p->sctx);
}

Test(tls, ephemeral_insecure_round_trip)
{
	struct pair p;
	pair_new(&p, &(struct sk_tls_client_opts){ .insecure = true },
		 &(struct sk_tls_server_opts){ 0 }, "localhost");
	char err[SK_ERRLEN] = "";
	cr_assert_eq(handshake(p.cl, p.sv, err), 1, "%s", err);

	cr_assert_eq(sk_tls_write(p.cl, (const uint8_t *)"ping", 4, err), 4);
	move(p.cl, p.sv);
	uint8_t buf[64];
	cr_assert_eq(sk_tls_read(p.sv, buf, sizeof buf, err), 4);
	cr_assert_eq(memcmp(buf, "ping", 4), 0);
	cr_assert_eq(sk_tls_read(p.sv, buf, sizeof buf, err), 0, "needs more");

	cr_assert_eq(sk_tls_write(p.sv, (const uint8_t *)"pong!", 5, err), 5);
	move(p.sv, p.cl);
	cr_assert_eq(sk_tls_read(p.cl, buf, sizeof buf, err), 5);
	cr_assert_eq(memcmp(buf, "pong!", 5), 0);

	char desc[128];
	sk_tls_describe(p.cl, desc, sizeof desc);
	cr_expect(strstr(desc, "TLSv1.3") != NULL, "%s", desc);

	/* close_notify reads as SK_ETLSCLOSED on the other side. */
	cr_assert_eq(sk_tls_close(p.cl), 0);
	cr_assert_gt(move(p.cl, p.sv), 0);
	cr_expect_eq(sk_tls_read(p.sv, buf, sizeof buf, err), SK_ETLSCLOSED);
	pair_free(&p);
}

Test(tls, big_transfer_in_pieces)
{
	struct pair p;
	pair_new(&p, &(struct sk_tls_client_opts){ .insecure = true },
		 &(struct sk_tls_server_opts){ 0 }, "localhost");
	char err[SK_ERRLEN] = "";
	cr_assert_eq(handshake(p.cl, p.sv, err), 1, "%s", err);
	static uint8_t data[200000], got[200000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	cr_assert_eq(sk_tls_write(p.cl, data, sizeof data, err), (int)sizeof data);
	move(p.cl, p.sv);
	size_t off = 0;
	int r;
	while ((r = sk_tls_read(p.sv, got + off, sizeof got - off, err)) > 0)
		off += (size_t)r;
	cr_assert_eq(off, sizeof data);
	cr_assert_eq(memcmp(data, got, sizeof data), 0);
	pair_free(&p);
}

Test(tls, verification_is_on_by_default)
{
	struct pair p;
	pair_new(&p, &(struct sk_tls_client_opts){ 0 },
		 &(struct sk_tls_server_opts){ 0 }, "localhost");
	char err[SK_ERRLEN] = "";
	cr_assert_eq(handshake(p.cl, p.sv, err), SK_ETLSVERIFY);
	cr_expect(strstr(err, "self-signed") != NULL, "%s", err);
	cr_expect(strstr(err, "certificate verification failed") != NULL, "%s", err);
	pair_free(&p);
}

Test(tls, alpn_agrees_on_the_servers_choice)
{
	struct pair p;
	pair_new(&p, &(struct sk_tls_client_opts){ .insecure = true, .alpn = "h2,http/1.1" },
		 &(struct sk_tls_server_opts){ .alpn = "http/1.1,h2" }, "localhost");
	char err[SK_ERRLEN] = "";
	cr_assert_eq(handshake(p.cl, p.sv, err), 1, "%s", err);
	size_t n;
	const char *a = sk_tls_alpn(p.cl, &n);
	cr_assert_not_null(a);
	cr_expect_eq(n, 8);
	cr_expect_eq(memcmp(a, "http/1.1", 8), 0);
	char desc[128];
	sk_tls_describe(p.sv, desc, sizeof desc);
	cr_expect(strstr(desc, " alpn http/1.1") != NULL, "%s", desc);
	pair_free(&p);
}

Test(tls, fingerprint_is_sha256_hex_pairs)
{
	struct sk_tls_ctx *c;
	char err[SK_ERRLEN], fp[SK_TLS_FPLEN];
	cr_assert_eq(sk_tls_ctx_server(&c, &(struct sk_tls_server_opts){ 0 }, err), 0);
	cr_assert_eq(sk_tls_ctx_fingerprint(c, fp), 0);
	cr_expect_eq(strlen(fp), 95);
	for (size_t i = 0; i < 95; i++)
		cr_expect(i % 3 == 2 ? fp[i] == ':' : !!strchr("0123456789ABCDEF", fp[i]),
			  "%s", fp);
	sk_tls_ctx_free(c);
	/* A client context has no certificate of its own. */
	cr_assert_eq(sk_tls_ctx_client(&c, &(struct sk_tls_client_opts){ .insecure = true }, err), 0);
	cr_expect_eq(sk_tls_ctx_fingerprint(c, fp), SK_ETLS);
	sk_tls_ctx_free(c);
}

Test(tls, bad_settings_are_errors_with_messages)
{
	static const struct {
		const char *alpn, *cafile, *cert, *key, *needle;
		bool server;
		int rc;
	} cases[] = {
		{ "", NULL, NULL, NULL, "ALPN list: empty", false, SK_ETLS },
		{ "h2,,x", NULL, NULL, NULL,
		  "ALPN list 'h2,,x': bad protocol list", false, SK_ETLS },
		{ NULL, "/nonexistent/ca.pem", NULL, NULL,
		  "CA file /nonexistent/ca.pem: no such file", false, -ENOENT },
		{ NULL, "/", NULL, NULL, "CA file /: is a directory", false,
		  -EISDIR },
		{ NULL, "/dev/null", NULL, NULL,
		  "CA file /dev/null: no usable PEM", false, SK_ETLS },
		{ NULL, NULL, "/nonexistent/c.pem", "/nonexistent/k.pem",
		  "certificate /nonexistent/c.pem: no such file", true,
		  -ENOENT },
		{ NULL, NULL, "/dev/null", "/nonexistent/k.pem",
		  "private key /nonexistent/k.pem: no such file", true,
		  -ENOENT },
		{ NULL, NULL, "/dev/null", "/dev/null",
		  "certificate /dev/null: no usable PEM", true, SK_ETLS },
		{ NULL, NULL, "/nonexistent/c.pem", NULL,
		  "a certificate and a private key go together", true,
		  SK_ETLS },
		{ NULL, NULL, "/nonexistent/c.pem", NULL,
		  "needs both a certificate and a private key", false,
		  SK_ETLS },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sk_tls_ctx *c = NULL;
		char err[SK_ERRLEN] = "";
		int rc;
		if (cases[i].server)
			rc = sk_tls_ctx_server(&c, &(struct sk_tls_server_opts){
				.cert = cases[i].cert, .key = cases[i].key }, err);
		else
			rc = sk_tls_ctx_client(&c, &(struct sk_tls_client_opts){
				.alpn = cases[i].alpn, .cafile = cases[i].cafile,
				.cert = cases[i].cert, .key = cases[i].key }, err);
		cr_expect_eq(rc, cases[i].rc, "case %zu: %d", i, rc);
		cr_expect(strstr(err, cases[i].needle) != NULL, "case %zu: %s", i, err);
		cr_expect(strchr(err, '\n') == NULL);
		/* The library knows no program's options. */
		cr_expect(strstr(err, "--") == NULL, "case %zu: %s", i, err);
	}
}

Test(tls, garbage_instead_of_a_handshake_is_an_error)
{
	struct sk_tls_ctx *c;
	struct sk_tls *t;
	char err[SK_ERRLEN] = "";
	cr_assert_eq(sk_tls_ctx_server(&c, &(struct sk_tls_server_opts){ 0 }, err), 0);
	cr_assert_eq(sk_tls_new(c, true, NULL, NULL, &t, err), 0);
	const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	sk_tls_feed(t, (const uint8_t *)http, strlen(http));
	cr_expect_eq(sk_tls_handshake(t, err), SK_ETLS);
	cr_expect(strstr(err, "handshake") != NULL, "%s", err);
	sk_tls_free(t);
	sk_tls_ctx_free(c);
}
