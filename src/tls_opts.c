/* TLS options shared by the commands that speak TLS like tcp (tls_opts.h). */
#include "tls_opts.h"

#include "cli.h"
#include "sockit/error.h"
#include "sockit/tls.h"

void tls_check_client(const struct tcp_tls_opts *o)
{
	bool given = o->sni || o->cafile || o->alpn || o->insecure || o->cert || o->key;
	if (given && !o->on)
		cli_usage("--sni, --cafile, --alpn, --insecure, --cert and --key need --tls");
	if (o->insecure && o->cafile)
		cli_usage("--insecure and --cafile contradict each other");
	if (!o->cert != !o->key)
		cli_usage("--cert and --key go together");
}

void tls_check_server(const struct tcp_tls_opts *o)
{
	if (o->client_ca && !o->on)
		cli_usage("--client-ca and the other TLS options need --tls");
	if ((o->cert || o->key || o->alpn) && !o->on)
		cli_usage("--cert, --key and --alpn need --tls");
	if (!o->cert != !o->key)
		cli_usage("--cert and --key go together");
}

const struct cli_subject tls_subjects[] = {
	{ "certificate ", "--cert " },
	{ "private key ", "--key " },
	{ "CA file ", "--cafile " },
	{ "client CA file ", "--client-ca " },
	{ "ALPN list", "--alpn" },
	{ "a certificate and a private key", "--cert and --key" },
	{ "a client certificate needs both a certificate and a private key",
	  "a client certificate needs both --cert and --key" },
	{ NULL, NULL },
};

struct sk_tls_ctx *tls_client_ctx(const struct tcp_tls_opts *o, const char *peer)
{
	char err[SK_ERRLEN];
	struct sk_tls_client_opts co = {
		.cafile = o->cafile, .alpn = o->alpn, .insecure = o->insecure,
		.cert = o->cert, .key = o->key,
	};
	struct sk_tls_ctx *ctx;
	if (sk_tls_ctx_client(&ctx, &co, err)) {
		cli_name_option(err, sizeof err, tls_subjects);
		cli_fail(EXIT_FAIL, "%s", err);
	}
	if (o->insecure)
		cli_warn("warning: --insecure: %s's certificate is not verified", peer);
	return ctx;
}

struct sk_tls_ctx *tls_server_ctx(const struct tcp_tls_opts *o, const char *name)
{
	char err[SK_ERRLEN];
	struct sk_tls_server_opts so = { .cert = o->cert, .key = o->key, .alpn = o->alpn,
					 .client_ca = o->client_ca, .name = name };
	struct sk_tls_ctx *ctx;
	if (sk_tls_ctx_server(&ctx, &so, err)) {
		cli_name_option(err, sizeof err, tls_subjects);
		cli_fail(EXIT_FAIL, "%s", err);
	}
	return ctx;
}

void tls_print_fingerprint(const struct tcp_tls_opts *o, struct sk_tls_ctx *ctx)
{
	char fp[SK_TLS_FPLEN];
	if (sk_tls_ctx_fingerprint(ctx, fp) == 0)
		cli_warn("TLS certificate%s SHA-256 %s",
			 o->cert ? "" : " (ephemeral, self-signed)", fp);
}
