/* The TLS options of tcp connect and tcp listen (struct tcp_tls_opts of
 * tcp.h), spelled, checked and turned into a context in
 * one place, so that every command taking "TLS with the same flags as tcp"
 * (file send, file recv) takes exactly those.
 *
 * Use: put TLS_CLIENT_OPTS (or TLS_SERVER_OPTS) in the command's option
 * table, then call tls_check_client / tls_check_server once parsing is
 * done. */
#ifndef SOCKIT_SRC_TLS_OPTS_H
#define SOCKIT_SRC_TLS_OPTS_H

#include <stdbool.h>

#include "cli.h"
#include "tcp.h"

/* tcp connect's spelling, as entries of a cli_opt table filling the
 * struct tcp_tls_opts at T: --tls (--ssl as ncat), --sni, --cafile,
 * --alpn, --insecure, --cert, --key. */
#define TLS_CLIENT_OPTS(T)                                                     \
	CLI_FLAG(0, "tls", &(T)->on, .alias = "ssl"),                          \
	CLI_STR(0, "sni", &(T)->sni),                                          \
	CLI_STR(0, "cafile", &(T)->cafile),                                    \
	CLI_STR(0, "alpn", &(T)->alpn),                                        \
	CLI_FLAG(0, "insecure", &(T)->insecure),                               \
	CLI_STR(0, "cert", &(T)->cert),                                        \
	CLI_STR(0, "key", &(T)->key)

/* tcp listen's: --tls (--ssl), --cert, --key, --alpn. */
#define TLS_SERVER_OPTS(T)                                                     \
	CLI_FLAG(0, "tls", &(T)->on, .alias = "ssl"),                          \
	CLI_STR(0, "cert", &(T)->cert),                                        \
	CLI_STR(0, "key", &(T)->key),                                          \
	CLI_STR(0, "alpn", &(T)->alpn)

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
