/* HTTP over sockets (libuv): one request/response exchange for the
 * client, and a static file server.  The parsing rules are in
 * sockit/http.h; these functions only move bytes. */
#ifndef SOCKIT_HTTP_IO_H
#define SOCKIT_HTTP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sockit/endpoint.h"
#include "sockit/http.h"
#include "sockit/tls.h"

enum sk_http_dir { SK_HTTP_SENT, SK_HTTP_RECEIVED };

struct sk_http_exchange_opts {
	const struct sk_url *url;
	/* The address (or name) to connect to instead of url->host, as curl's
	 * --resolve; the Host header and TLS still name url->host.  NULL: url->host. */
	const char *connect_host;
	const uint8_t *request; /* the bytes to send, built by the caller */
	size_t request_len;
	int family;                  /* AF_UNSPEC, AF_INET, AF_INET6 */
	uint64_t connect_timeout_ms; /* per address; 0: the system's */
	uint64_t idle_timeout_ms;    /* no byte for this long fails; 0: none */
	/* For https: the client context (trust, verification); the session
	 * checks the certificate against url->host.  NULL for http. */
	struct sk_tls_ctx *tls;
	void *ctx;
	/* Each address is tried in the resolver's order; this is called once
	 * a connection is up.  May be NULL. */
	void (*on_connected)(void *ctx, const struct sockaddr *peer);
	/* Every byte as it crossed the socket, each way.  May be NULL. */
	void (*on_wire)(void *ctx, enum sk_http_dir dir, const uint8_t *data,
			size_t len);
};

/* Connects to url's host (every address tried in turn), runs the TLS
 * handshake when o->tls is set, sends the request
 * and feeds what comes back to parser (whose callbacks see the head and
 * the body) until the response is complete.  The connection is closed
 * before returning.  Returns 0 when a whole response arrived, or a
 * negative code with err (SK_ERRLEN) saying what failed: -ETIMEDOUT,
 * -ECONNREFUSED..., SK_ENONAME, SK_ETLSVERIFY, SK_EHTTPPARSE,
 * SK_EHTTPSHORT...  With TLS, on_wire sees the plaintext. */
int sk_http_exchange(const struct sk_http_exchange_opts *o,
		     struct sk_http_parser *parser, char *err);

/* An address to connect to for one host and port, as curl's --resolve. */
struct sk_http_resolve {
	char host[SK_HOSTLEN]; /* ASCII (xn--) form */
	uint16_t port;
	char addr[INET6_ADDRSTRLEN]; /* numeric, IPv6 without brackets */
};

/* Parses "HOST:PORT:ADDR": ADDR numeric (IPv6 with or without brackets),
 * HOST possibly an international name.  Returns 0, or SK_EBADENDPOINT,
 * SK_EBADHOST, SK_EBADPORT or SK_EBADADDR with err saying what is wrong. */
int sk_http_resolve_parse(const char *text, struct sk_http_resolve *out,
			  char *err);

struct sk_http_get_opts {
	const struct sk_url *url; /* the first URL; must outlive the call */
	bool head;                /* HEAD instead of GET */
	/* The caller's headers ("Name: value", checked with
	 * sk_http_header_check).  Authorization, Cookie and Host go only to
	 * the first URL's origin; the URL's user:password is sent as Basic
	 * authentication to that origin unless Authorization is among them. */
	const char *const *headers;
	size_t nheaders;
	bool follow;         /* follow 301, 302, 303, 307 and 308 */
	unsigned max_redirs; /* more redirects than this fail */
	const struct sk_http_resolve *resolve; /* not owned; may be NULL */
	size_t nresolve;
	int family;          /* AF_UNSPEC, AF_INET, AF_INET6 */
	uint64_t timeout_ms; /* per connect, and longest wait for data; 0 none */
	const char *cafile;  /* https: trust these CAs instead of the system's */
	bool insecure;       /* https: no certificate check at all */
	void *ctx;
	/* Before each request (the first, and each redirect's).  May be NULL. */
	void (*on_request)(void *ctx, const struct sk_url *url);
	/* The head of every response; redirect: it will be followed and its
	 * body is not delivered.  Nonzero aborts (SK_EHTTPABORT).  May be NULL. */
	int (*on_head)(void *ctx, struct sk_http_parser *p, bool redirect);
	/* Body bytes of the last response.  Nonzero aborts.  May be NULL. */
	int (*on_body)(void *ctx, struct sk_http_parser *p, const uint8_t *data,
		       size_t len);
	/* As in struct sk_http_exchange_opts; may be NULL. */
	void (*on_connected)(void *ctx, const struct sockaddr *peer);
	void (*on_wire)(void *ctx, enum sk_http_dir dir, const uint8_t *data,
			size_t len);
};

/* Fetches o->url, following redirects when o->follow (the method changes
 * as sk_http_redirect_method says), each hop one sk_http_exchange.
 * Returns 0 with *out the last response's parser (its status, reason and
 * counters; the caller frees it), or a negative code with err: SK_ELIMIT
 * (more than max_redirs redirects), SK_EHTTPREDIRECT (a loop, or a
 * Location that is no URL), SK_EURL (a bad percent-escape in the URL's
 * user or password, found before anything is sent), SK_ETOOLONG (request
 * too large), SK_ETLS (the https context), or sk_http_exchange's codes.
 * *out is NULL on failure. */
int sk_http_get(const struct sk_http_get_opts *o, struct sk_http_parser **out,
		char *err);

/* One served request, for the log. */
struct sk_http_log {
	const char *peer;   /* "127.0.0.1:40112" */
	const char *method; /* as sent, "" when the request did not parse */
	const char *target;
	int version_minor;
	int status;
	uint64_t bytes; /* body bytes sent */
};

struct sk_http_serve_opts {
	const char *root;           /* the directory served */
	const struct sk_endpoint *bind;
	int family;
	uint64_t idle_timeout_ms;   /* keep-alive connections idle this long close */
	/* A request head (from a connection's start, or from the first byte
	 * of a later request) not complete this long gets 408 and the
	 * connection closes; 0: no deadline. */
	uint64_t header_timeout_ms;
	uint32_t max_per_addr; /* connections from one address; 0: no cap */
	void *ctx;
	/* Called for each bound address once listening.  May be NULL. */
	void (*on_listening)(void *ctx, const struct sockaddr *addr);
	/* Called once per answered request.  May be NULL. */
	void (*on_request)(void *ctx, const struct sk_http_log *entry);
	/* Something the operator should know that is not one request (out of
	 * file descriptors); msg has no newline.  May be NULL. */
	void (*on_notice)(void *ctx, const char *msg);
};

/* Serves GET and HEAD of the files under root until SIGINT or SIGTERM,
 * then returns 0.  A connection over max_per_addr, or one that arrives
 * when the process is out of descriptors, is answered 503 with
 * Retry-After and closed (one descriptor is held in reserve for that).  Nothing outside root is ever opened: ".." in any
 * spelling is refused (403) and symbolic links are followed only while
 * they stay beneath root.  Returns a negative code with err when it
 * cannot start (bad root, bind failure). */
int sk_http_serve(const struct sk_http_serve_opts *o, char *err);

#endif
