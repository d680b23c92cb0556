/* rtnetlink plumbing shared by route.c and routes.c (internal). */
#ifndef SOCKIT_SCAN_ROUTE_NL_H
#define SOCKIT_SCAN_ROUTE_NL_H

#include <linux/netlink.h>

/* Sends req on a fresh NETLINK_ROUTE socket and feeds every answer message
 * to fn until NLMSG_DONE (dumps) or the first answer; waits at most a
 * second for each read.  Returns 0, fn's last result, the kernel's
 * negative error, or -ETIMEDOUT. */
int sk__nl_talk(struct nlmsghdr *req, int (*fn)(struct nlmsghdr *, void *), void *ctx);

#endif
