/* rtnetlink plumbing shared by route.c and routes.c (internal). */
#ifndef SOCKIT_SCAN_ROUTE_NL_H
#define SOCKIT_SCAN_ROUTE_NL_H

#include <linux/netlink.h>
#include <stdint.h>

/* Sends req on a fresh NETLINK_ROUTE socket and feeds every answer message
 * to fn until NLMSG_DONE (dumps) or the first answer; waits at most a
 * second for each read.  Returns 0, fn's last result, the kernel's
 * negative error, or -ETIMEDOUT. */
int sk__nl_talk(struct nlmsghdr *req, int (*fn)(struct nlmsghdr *, void *), void *ctx);

/* One usable entry of the kernel's neighbour table (not incomplete, failed
 * or NOARP); dst holds 4 or 16 bytes by family.  Valid during the call. */
struct sk__neigh {
	int ifindex;
	const uint8_t *dst;
	const uint8_t *mac;
};

/* Dumps the neighbour table of family (AF_INET or AF_INET6) and calls fn
 * for every usable entry with an address and a 6-byte MAC.  Returns as
 * sk__nl_talk. */
int sk__nl_neigh_dump(int family, void (*fn)(const struct sk__neigh *, void *), void *ctx);

#endif
