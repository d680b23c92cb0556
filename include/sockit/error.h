/* sockit error codes.
 *
 * Every library function that can fail returns a negative int: either -errno
 * (system errors pass through unchanged, as libuv's codes do) or one of the
 * SK_E* codes below, which live far below any errno value.  Setup calls may
 * also fill a caller's char err[SK_ERRLEN] with "what: why" (never a newline).
 */
#ifndef SOCKIT_ERROR_H
#define SOCKIT_ERROR_H

#include <stddef.h>

#define SK_ERRLEN 256

/* One table per module, so that modules add codes without touching each
 * other's lines.  X(NAME, "message") becomes SK_ENAME. */
#define SK_ERRORS_CORE(X)                                                      \
	X(BADPORT, "invalid port")                                             \
	X(BADHOST, "invalid host")                                             \
	X(BADENDPOINT, "invalid endpoint")                                     \
	X(BADADDR, "invalid address")                                          \
	X(BADPREFIX, "invalid prefix length")                                  \
	X(BADMASK, "invalid netmask")                                          \
	X(BADESCAPE, "invalid escape sequence")                                \
	X(BADHEX, "invalid hex input")                                         \
	X(BADDURATION, "invalid duration")                                     \
	X(BADNUMBER, "invalid number")                                         \
	X(RANGE, "value out of range")                                         \
	X(TOOLONG, "input too long")                                           \
	X(NOSERVICE, "unknown service name")                                   \
	X(NONAME, "name does not resolve")                                     \
	X(DNSAGAIN, "temporary failure in name resolution")                    \
	X(DNSFAIL, "name resolution failed")                                   \
	X(NOFAMILY, "no address in the requested family")                      \
	X(FAMILY, "address family mismatch")                                   \
	X(LIMIT, "limit exceeded")

#define SK_ERRORS_IO(X)                                                        \
	X(BADRULE, "invalid rule")                                             \
	X(BADCOMMAND, "unknown console command")                               \
	X(TOOBIG, "datagram too large")                                        \
	X(TLS, "TLS error")                                                    \
	X(TLSVERIFY, "certificate verification failed")                        \
	X(TLSCLOSED, "TLS session closed by peer")                             \
	X(TIMEDOUT, "timed out")                                               \
	X(SELFCONNECT, "connected to itself (local and remote address equal)") \
	X(SLOWPEER, "peer reads too slowly (output buffer full)")

#define SK_ERRORS_PACKET(X)                                                    \
	X(TRUNCATED, "truncated")                                              \
	X(MALFORMED, "malformed")                                              \
	X(UNSUPPORTED, "unsupported")                                          \
	X(BADFILTER, "invalid filter expression")                              \
	X(NOIFACE, "no usable network interface")                              \
	X(NOPERM, "operation needs root or CAP_NET_RAW")                       \
	X(CAPTURE, "capture failed")

#define SK_ERRORS_HTTP(X)                                                      \
	X(URL, "invalid URL")                                                  \
	X(HTTPHEADER, "invalid header")                                        \
	X(HTTPPARSE, "malformed HTTP message")                                 \
	X(HTTPTOOBIG, "HTTP header too large")                                 \
	X(HTTPABORT, "HTTP parse stopped")                                     \
	X(HTTPSHORT, "connection closed before the end of the message")        \
	X(HTTPFORBIDDEN, "path leaves the served directory")                   \
	X(HTTPRANGE, "range not satisfiable")                                  \
	X(HTTPSTATUS, "HTTP error status")                                     \
	X(HTTPREDIRECT, "redirect failed")

#define SK_ERRORS_SCAN(X)                                                      \
	X(BADTARGET, "invalid target")                                         \
	X(NOTARGETS, "no targets left to scan")                                \
	X(TOOMANY, "too many addresses")                                       \
	X(BADPORTS, "invalid port list")                                       \
	X(NOPORTS, "no ports to scan")                                         \
	X(BADSHARD, "invalid shard")                                           \
	X(BADCHECKPOINT, "invalid checkpoint")                                 \
	X(NOROUTE, "no route to the target")                                   \
	X(NOMAC, "no MAC address for the next hop")                            \
	X(TOOMANYHOPS, "too many next hops on a connected network")

#define SK_ERRORS_XFER(X)                                                      \
	X(FRAMESHORT, "incomplete frame")                                      \
	X(FRAMEBAD, "malformed frame")                                         \
	X(FRAMEBIG, "frame length over its bound")                             \
	X(NAMEBAD, "unsafe file name")                                         \
	X(XFERREFUSED, "refused by the receiver")                              \
	X(XFERPROTO, "protocol violation by the peer")                         \
	X(XFERCUT, "connection closed before the end of the session")           \
	X(XFEROLD, "the receiver speaks only an older protocol version")

#define SK_ERRORS(X)                                                           \
	SK_ERRORS_CORE(X)                                                      \
	SK_ERRORS_IO(X)                                                        \
	SK_ERRORS_PACKET(X)                                                    \
	SK_ERRORS_HTTP(X)                                                      \
	SK_ERRORS_SCAN(X)                                                      \
	SK_ERRORS_XFER(X)

enum sk_error {
	SK__EBASE = -10000, /* below every errno value */
#define SK__ENUM(name, msg) SK_E##name,
	SK_ERRORS(SK__ENUM)
#undef SK__ENUM
	SK__ELAST
};

/* A static message for any code: SK_E*, -errno, or 0 ("success"). */
const char *sk_strerror(int err);

/* The symbolic name ("SK_EBADPORT", "ECONNREFUSED"); "UNKNOWN" otherwise. */
const char *sk_err_name(int err);

/* Formats "what: why" into err (size SK_ERRLEN) and returns code, so that
 * callers can write `return sk_err_set(err, SK_EBADPORT, "port %s", s);`.
 * err may be NULL. */
int sk_err_set(char *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
