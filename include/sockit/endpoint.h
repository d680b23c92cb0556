/* Endpoints: the text forms HOST:PORT, [IPv6]:PORT, :PORT, PORT and
 * unix:PATH, and socket addresses printed back as text. */
#ifndef SOCKIT_ENDPOINT_H
#define SOCKIT_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define SK_HOSTLEN 256 /* a DNS name is at most 253 characters */
#define SK_PATHLEN 108 /* sizeof(sun_path) */
#define SK_ADDRSTRLEN 64 /* "[v6%scope]:port" fits */

enum sk_endpoint_kind { SK_ENDPOINT_INET, SK_ENDPOINT_UNIX };

struct sk_endpoint {
	enum sk_endpoint_kind kind;
	/* INET: the host as written, without brackets; "" for ":PORT" and
	 * "PORT" (all interfaces when listening, this host when connecting). */
	char host[SK_HOSTLEN];
	uint16_t port;
	char path[SK_PATHLEN]; /* UNIX */
};

/* Parses text into out.  Ports are numbers 0-65535 or service names from
 * /etc/services (proto "tcp" or "udp" chooses the table; NULL means tcp).
 * Returns 0 or SK_EBADENDPOINT / SK_EBADPORT / SK_EBADHOST / SK_ENOSERVICE /
 * SK_ETOOLONG with err (SK_ERRLEN, may be NULL) naming the problem. */
int sk_endpoint_parse(const char *text, const char *proto,
		      struct sk_endpoint *out, char *err);

/* Parses a port alone: decimal 0-65535 or a service name. */
int sk_port_parse(const char *text, const char *proto, uint16_t *out,
		  char *err);

/* Writes the endpoint back as text ("[::1]:80", ":80", "unix:/x").
 * Returns the length, or -ENOSPC when cap is too small. */
int sk_endpoint_format(const struct sk_endpoint *ep, char *buf, size_t cap);

/* Writes a socket address as "1.2.3.4:80", "[::1]:80" or "unix:PATH";
 * with port false the port is left out ("1.2.3.4", "::1").
 * Returns the length or a negative error. */
int sk_sockaddr_format(const struct sockaddr *sa, bool port, char *buf,
		       size_t cap);

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d, how a dual-stack socket
 * sees an IPv4 peer) becomes the plain IPv4 address a.b.c.d with the same
 * port, in place; any other address is left alone.  Returns the length of
 * the address now in ss (len when it was left alone). */
socklen_t sk_sockaddr_unmap(struct sockaddr_storage *ss, socklen_t len);

/* True when both addresses have the same family, address and port. */
bool sk_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
