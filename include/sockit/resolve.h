/* Name resolution with getaddrinfo: every address of every family. */
#ifndef SOCKIT_RESOLVE_H
#define SOCKIT_RESOLVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sockit/endpoint.h"

struct sk_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* An owned list of addresses; free with sk_addrlist_free. */
struct sk_addrlist {
	struct sk_addr *addrs;
	size_t count;
	char *canonical; /* canonical name, or NULL */
};

enum {
	SK_RESOLVE_PASSIVE = 1 << 0, /* empty host: the wildcard addresses */
	SK_RESOLVE_NUMERIC = 1 << 1, /* never ask DNS */
	SK_RESOLVE_CANON = 1 << 2,   /* fill canonical */
};

/* Resolves host (NULL or "" means "all interfaces" with PASSIVE and "this
 * host" without) for port, limited to family (AF_UNSPEC, AF_INET, AF_INET6)
 * and socktype (SOCK_STREAM / SOCK_DGRAM).  Addresses come back in the
 * resolver's order, duplicates removed.  Returns the count (> 0) or
 * SK_ENONAME / SK_EDNSAGAIN / SK_EDNSFAIL / SK_ENOFAMILY / -ENOMEM with err
 * naming the host. */
int sk_resolve(const char *host, uint16_t port, int family, int socktype,
	       int flags, struct sk_addrlist *out, char *err);

/* Resolves an INET endpoint (see sk_resolve). */
int sk_resolve_endpoint(const struct sk_endpoint *ep, int family,
			int socktype, int flags, struct sk_addrlist *out,
			char *err);

void sk_addrlist_free(struct sk_addrlist *list);

/* Maps a getaddrinfo EAI_* code to an SK_E* code. */
int sk_resolve_error(int eai);

#endif
