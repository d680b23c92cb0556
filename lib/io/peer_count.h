/* Connections counted per peer address (internal), for http serve's cap
 * on connections from one address.  Ports are ignored; an IPv4-mapped
 * IPv6 address counts as the IPv4 address it maps. */
#ifndef SOCKIT_IO_PEER_COUNT_H
#define SOCKIT_IO_PEER_COUNT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sk__peer;

struct sk__peer_count {
	struct sk__peer **bucket; /* SK__PEER_BUCKETS chains; NULL until first use */
};

/* Adds one connection from addr unless it already has limit (0: no
 * limit).  Returns the new count, SK_ELIMIT when at the limit, or -ENOMEM.
 * Each success is matched by one sk__peer_count_del. */
int sk__peer_count_add(struct sk__peer_count *t, const struct sockaddr *addr, uint32_t limit);

/* Removes one connection from addr; an address whose count reaches 0 is
 * forgotten. */
void sk__peer_count_del(struct sk__peer_count *t, const struct sockaddr *addr);

/* Frees the table (counts and all). */
void sk__peer_count_free(struct sk__peer_count *t);

#endif
