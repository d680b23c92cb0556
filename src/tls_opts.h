/* The TLS options of tcp connect and tcp listen (struct tcp_tls_opts and
 * the OPT_* codes of tcp.h), spelled, checked and turned into a context in
 * one place, so that every command taking "TLS with the same flags as tcp"
 * (file send, file recv) takes exactly those.
 *
 * Use: put TLS_CLIENT_LONGOPTS (or TLS_SERVER_LONGOPTS) in the command's
 * option table, offer every getopt result to tls_opt_take first, then call
 * tls_check_client / tls_check_server once parsing is done. */
#ifndef SOCKIT_SRC_TLS_OPTS_H
#define SOCKIT_SRC_TLS_OPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "cli.h"
#include "tcp.h"

/* tcp connect's spelling: --tls (--ssl as ncat), --sni, --cafile, --alpn,
 * --insecure, --cert, --key. */
#define TLS_CLIENT_LONGOPTS                                                    \
	{ "tls", no_argument, NULL, OPT_TLS },                                 \
	{ "ssl", no_argument, NULL, OPT_TLS },                                 \
	{ "sni", required_argument, NULL, OPT_SNI },                           \
	{ "cafile", required_argument, NULL, OPT_CAFILE },                     \
	{ "alpn", required_argument, NULL, OPT_ALPN },                         \
	{ "insecure", no_argument, NULL, OPT_INSECURE },                       \
	{ "cert", required_argument, NULL, OPT_CERT },                         \
	{ "key", required_argument, NULL, OPT_KEY }

/* tcp listen's: --tls (--ssl), --cert, --key, --alpn. */
#define TLS_SERVER_LONGOPTS                                                    \
	{ "tls", no_argument, NULL, OPT_TLS },                                 \
	{ "ssl", no_argument, NULL, OPT_TLS },                                 \
	{ "cert", required_argument, NULL, OPT_CERT },                         \
	{ "key", required_argument, NULL, OPT_KEY },                           \
	{ "alpn", required_argument, NULL, OPT_ALPN }

/* When c is one of the OPT_* TLS codes, records it (arg is optarg) in o
 * and returns true; otherwise returns false and leaves o alone. */
bool tls_opt_take(struct tcp_tls_opts *o, int c, const char *arg);

/* The usage errors tcp connect gives (exit 2): options that need --tls,
 * --insecure with --cafile, --cert without --key. */
void tls_check_client(const struct tcp_tls_opts *o);
/* The same for a server (tcp listen's rules). */
void tls_check_server(const struct tcp_tls_opts *o);

/* The options that name what a TLS context's error is about (sockit/tls.h),
 * for cli_name_option. */
extern const struct cli_subject tls_subjects[];

/* A client context from o; exits with status 1 on failure.  Warns on
 * stderr that the peer ("the receiver", "the server") goes unverified
 * with --insecure.  The caller frees it with sk_tls_ctx_free. */
struct sk_tls_ctx *tls_client_ctx(const struct tcp_tls_opts *o, const char *peer);

/* A server context from o (an ephemeral self-signed certificate named name,
 * or "localhost" for NULL, without --cert); exits with status 1 on
 * failure. */
struct sk_tls_ctx *tls_server_ctx(const struct tcp_tls_opts *o, const char *name);

/* "TLS certificate SHA-256 ..." on stderr, so clients can pin it. */
void tls_print_fingerprint(const struct tcp_tls_opts *o, struct sk_tls_ctx *ctx);

#endif
