/* HTTP/1.1 pieces that never do I/O: URLs, request text, a message parser
 * on llhttp (responses for the client, requests for the server), and the
 * server's path, Range and Content-Type rules.  Sockets live in lib/io
 * (sockit/http_io.h). */
#ifndef SOCKIT_HTTP_H
#define SOCKIT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockit/endpoint.h"
#include "sockit/output.h"

#define SK_URL_TARGETLEN 8192 /* request target (path + query) */
#define SK_URL_MAXLEN (SK_URL_TARGETLEN + SK_HOSTLEN + 32)

struct sk_url {
	bool https;
	char host[SK_HOSTLEN]; /* name or address, IPv6 without brackets */
	bool ipv6;             /* host is an IPv6 literal */
	uint16_t port;         /* the scheme's default when none was given */
	char target[SK_URL_TARGETLEN]; /* "/path?query" as written, "/" if empty */
	/* "user:password" as written before '@' (percent-encoded), "" when
	 * none.  sk_url_format never writes it, so it stays out of messages. */
	char userinfo[256];
};

/* Parses an absolute http:// or https:// URL (no scheme means http://).
 * The path and query are kept byte for byte (percent-encoding untouched);
 * a fragment is dropped, as it is never sent.  Userinfo ("user:pw@") goes
 * to out->userinfo.  Returns 0 or SK_EURL with err (SK_ERRLEN, may be NULL)
 * saying what is wrong. */
int sk_url_parse(const char *text, struct sk_url *out, char *err);

/* Writes the URL back as text ("http://[::1]:8080/x").  Returns the length
 * or -ENOSPC. */
int sk_url_format(const struct sk_url *url, char *buf, size_t cap);

/* The Host header value: the host, bracketed when IPv6, with ":PORT" when
 * the port is not the scheme's default.  Returns the length or -ENOSPC. */
int sk_url_authority(const struct sk_url *url, char *buf, size_t cap);

/* Resolves a Location header value against base (RFC 3986 section 5:
 * absolute, "//host/p", "/p", "p", "?q"), dot segments removed.
 * Returns 0 or SK_EURL. */
int sk_url_resolve(const struct sk_url *base, const char *ref,
		   struct sk_url *out, char *err);

/* True when both URLs have the same scheme, host and port. */
bool sk_url_same_origin(const struct sk_url *a, const struct sk_url *b);

/* Checks one user header "Name: value": a token name, a colon, no CR, LF
 * or NUL.  "Name:" with nothing after it is allowed (it removes a default
 * header).  Returns 0 or SK_EHTTPHEADER. */
int sk_http_header_check(const char *line, char *err);

/* Appends a request to out:
 *   METHOD TARGET HTTP/1.1, Host, User-Agent: sockit/VERSION, Accept: * / *,
 *   then each of headers ("Name: value").
 * A user header replaces the default of the same name (case-insensitive);
 * "Name:" with an empty value removes it.  Returns 0 or SK_ELIMIT. */
int sk_http_request_build(struct sk_str *out, const char *method,
			  const struct sk_url *url, const char *const *headers,
			  size_t nheaders);

/* Appends the value of an Authorization header for a URL's userinfo:
 * "Basic " and the base64 of "user:password" percent-decoded (a user
 * without a password gets an empty one).  Returns 0, SK_EURL for a bad
 * percent-escape, or SK_ELIMIT. */
int sk_http_basic_auth(struct sk_str *out, const char *userinfo);

/* The method of a request that follows a redirect: 301, 302 and 303 turn
 * anything but GET and HEAD into GET (303 always, except HEAD); 307 and
 * 308 keep it.  Returns NULL when status is not a redirect. */
const char *sk_http_redirect_method(int status, const char *method);

/* ---- message parser (llhttp) ---- */

enum sk_http_kind { SK_HTTP_RESPONSE, SK_HTTP_REQUEST };

#define SK_HTTP_MAXHEADERS 128
#define SK_HTTP_HEADBYTES 65536 /* names + values of one message */

struct sk_http_header {
	const char *name, *value; /* NUL-terminated, owned by the parser */
	size_t name_len, value_len;
};

/* Callbacks; any may be NULL.  Returning nonzero stops parsing with
 * SK_EHTTPABORT. */
struct sk_http_callbacks {
	/* Status line and headers of the final (non-1xx) response, or of a
	 * request, are complete: the accessors below are valid. */
	int (*on_head)(void *ctx);
	/* Body bytes, after chunked decoding; data points into the input. */
	int (*on_body)(void *ctx, const uint8_t *data, size_t len);
};

struct sk_http_parser;

/* Allocates a parser.  With head_request, a response carries no body
 * whatever its headers say.  Returns NULL when out of memory. */
struct sk_http_parser *sk_http_parser_new(enum sk_http_kind kind,
					  bool head_request,
					  const struct sk_http_callbacks *cb,
					  void *ctx);
void sk_http_parser_free(struct sk_http_parser *p);

/* Feeds bytes.  *used (may be NULL) gets the number of bytes consumed.
 * Returns 0 when more bytes are needed, 1 when the message is complete
 * (bytes after *used belong to the next message), or SK_EHTTPPARSE /
 * SK_EHTTPTOOBIG / SK_EHTTPABORT with sk_http_parser_error() saying why.
 * 1xx interim responses are skipped; a 101 is final and ends the parse. */
int sk_http_parser_feed(struct sk_http_parser *p, const uint8_t *data,
			size_t len, size_t *used);

/* The peer closed the connection.  Returns 1 when that completes the
 * message (a body delimited by close), SK_EHTTPSHORT when the message was
 * cut short, or 0 when nothing at all had arrived. */
int sk_http_parser_finish(struct sk_http_parser *p);

/* Ready for the next message on the same connection (server keep-alive). */
void sk_http_parser_reset(struct sk_http_parser *p);

/* The last error, "what: why" without a newline. */
const char *sk_http_parser_error(const struct sk_http_parser *p);

/* Bytes of the current message's head (status line or request line and
 * headers, through the blank line) seen so far; valid after on_head. */
uint64_t sk_http_head_bytes(const struct sk_http_parser *p);
/* Body bytes delivered so far (decoded). */
uint64_t sk_http_body_bytes(const struct sk_http_parser *p);
/* Wire bytes of the current message consumed so far. */
uint64_t sk_http_wire_bytes(const struct sk_http_parser *p);

int sk_http_status(const struct sk_http_parser *p);
/* Reason phrase as sent ("" if none). */
const char *sk_http_reason(const struct sk_http_parser *p);
int sk_http_version_major(const struct sk_http_parser *p);
int sk_http_version_minor(const struct sk_http_parser *p);
/* Request method ("GET") and target as sent. */
const char *sk_http_method(const struct sk_http_parser *p);
const char *sk_http_target(const struct sk_http_parser *p);
/* Content-Length when the message has one, else -1. */
int64_t sk_http_content_length(const struct sk_http_parser *p);
bool sk_http_chunked(const struct sk_http_parser *p);
/* Whether the connection may carry another message after this one. */
bool sk_http_keep_alive(const struct sk_http_parser *p);

/* Headers of the head, then trailers of a chunked body (index >=
 * sk_http_trailer_start()).  Returns the count. */
size_t sk_http_header_count(const struct sk_http_parser *p);
const struct sk_http_header *sk_http_header_at(const struct sk_http_parser *p,
					       size_t i);
size_t sk_http_trailer_start(const struct sk_http_parser *p);
/* The first head header named name (case-insensitive), or NULL. */
const char *sk_http_header_get(const struct sk_http_parser *p,
			       const char *name);

/* ---- server rules ---- */

/* Turns a request target into a path relative to the served directory:
 * the query is dropped, percent-escapes are decoded, "." and empty
 * segments are dropped, and any ".." segment (however it was written) or
 * a NUL byte is refused with SK_EHTTPFORBIDDEN.  "" names the directory
 * itself.  *dir_slash tells whether the target ended in '/'.
 * Returns 0, SK_EHTTPFORBIDDEN, SK_EURL (not an origin-form path) or
 * -ENOSPC. */
int sk_http_path_clean(const char *target, char *out, size_t cap,
		       bool *dir_slash);

/* Looks at the request line at the start of buf (after any empty lines)
 * before llhttp does.  Returns 0 when no whole line is there yet, 505 for
 * a version other than 1.x (a line without one is HTTP/0.9), or 200 to go
 * on, after rewriting a version "HTTP/1.N" with N > 1 to "HTTP/1.1" in
 * place: RFC 9112 has a server answer an unknown minor version as the
 * highest it knows. */
int sk_http_request_line_check(char *buf, size_t len);

/* The rules of RFC 9112 a parsed request must meet: header names are
 * tokens (no whitespace before the colon), exactly one Host (none is
 * allowed in HTTP/1.0).  Returns 0, or 400 when one is broken. */
int sk_http_request_verdict(const struct sk_http_parser *p);

/* True once the head of the current message is complete (its headers are
 * readable), even while its body is still to come. */
bool sk_http_head_done(const struct sk_http_parser *p);

/* Parses a Range header against a resource of size bytes.  Only a single
 * "bytes=" range is honoured.  Returns 1 with [*first, *last] set, 0 when
 * the header is to be ignored (absent, another unit, several ranges,
 * malformed: the whole resource is sent), or SK_EHTTPRANGE when the
 * range cannot be satisfied (416). */
int sk_http_range_parse(const char *value, uint64_t size, uint64_t *first,
			uint64_t *last);

/* ---- validators and conditional requests (RFC 9110 section 13) ---- */

/* Writes the strong ETag http serve gives a file, quoted, from its size
 * and modification time.  Returns the length or -ENOSPC. */
int sk_http_etag(char *buf, size_t cap, uint64_t size, int64_t mtime_s, long mtime_ns);

/* Parses an HTTP date (IMF-fixdate, RFC 850 or asctime form) into seconds
 * since the epoch.  Returns 0 or SK_EHTTPHEADER. */
int sk_http_date_parse(const char *s, int64_t *t);

/* Whether a list of entity-tags ("*", or '"a", W/"b"') holds etag; weak
 * comparison ignores "W/", strong comparison never matches a weak tag. */
bool sk_http_etag_match(const char *list, const char *etag, bool weak);

/* The status of a GET or HEAD given its If-None-Match and
 * If-Modified-Since values (each may be NULL): 304 when the client's copy
 * is current, else 200.  An unparsable date is ignored. */
int sk_http_conditional(const char *if_none_match, const char *if_modified_since,
			const char *etag, int64_t mtime);

/* Whether a Range may be honoured: true without If-Range, or when its
 * value is exactly etag (strong) or exactly the Last-Modified date. */
bool sk_http_if_range(const char *if_range, const char *etag, int64_t mtime);

/* Content-Type for a file name by its extension; octet-stream otherwise. */
const char *sk_http_mime_type(const char *name);

/* Standard reason phrase for a status code ("Not Found"); "" if unknown. */
const char *sk_http_reason_phrase(int status);

/* Appends an HTML directory listing: title from the request path, one link
 * per name (names ending in '/' are directories), names HTML-escaped and
 * hrefs percent-encoded.  Returns 0 or SK_ELIMIT. */
int sk_http_listing_html(struct sk_str *out, const char *path,
			 const char *const *names, size_t count);

/* Appends name with every byte outside the unreserved set and '/'
 * percent-encoded. */
int sk_http_percent_encode(struct sk_str *out, const char *name);

#endif
