/* Where raw probes go: the kernel's route to a target (interface, gateway)
 * and the next hop's MAC from the neighbour table, over rtnetlink. */
#include "core/ipint.h"
#include "sockit/scan.h"
#include "sockit/error.h"
#include "route_nl.h"

#include <errno.h>
#include <net/if_arp.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static size_t ip_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void add_attr(struct nlmsghdr *n, size_t cap, unsigned short type,
		     const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(n->nlmsg_len);
	struct rtattr *a = (struct rtattr *)((char *)n + off);
	if (off + RTA_SPACE(len) > cap)
		return;
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	n->nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
}

/* Sends one request and feeds every answer message to fn until DONE (or
 * the single answer of a non-dump request). */
int sk__nl_talk(struct nlmsghdr *req, int (*fn)(struct nlmsghdr *, void *),
		   void *ctx)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	req->nlmsg_seq = 1;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	static const int one_second = 1000;
	char buf[32768] __attribute__((aligned(8)));
	int rc = -ETIMEDOUT;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, one_second) <= 0)
			break;
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			rc = -errno;
			break;
		}
		bool done = false;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				rc = 0;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				rc = e->error;
				done = true;
				break;
			}
			rc = fn(h, ctx);
			if (!(req->nlmsg_flags & NLM_F_DUMP)) {
				done = true;
				break;
			}
		}
		if (done)
			break;
	}
	close(fd);
	return rc;
}

static int on_route(struct nlmsghdr *h, void *ctx)
{
	struct sk_route *r = ctx;
	if (h->nlmsg_type != RTM_NEWROUTE)
		return 0;
	struct rtmsg *rt = NLMSG_DATA(h);
	int len = (int)RTM_PAYLOAD(h);
	r->local = rt->rtm_type == RTN_LOCAL;
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t al = RTA_PAYLOAD(a);
		if (a->rta_type == RTA_OIF && al >= 4)
			memcpy(&r->ifindex, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_GATEWAY && al == ip_len(rt->rtm_family)) {
			r->nexthop.family = rt->rtm_family;
			memcpy(r->nexthop.bytes, RTA_DATA(a), al);
			r->has_gateway = true;
		} else if (a->rta_type == RTA_PREFSRC && al == ip_len(rt->rtm_family)) {
			r->src.family = rt->rtm_family;
			memcpy(r->src.bytes, RTA_DATA(a), al);
		}
	}
	return 0;
}

/* The source address the kernel would use: a UDP socket "connected" to
 * the target (no packet is sent). */
static int pick_source(const struct sk_ip *dst, struct sk_ip *src)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (dst->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(9);
		memcpy(&s->sin_addr, dst->bytes, 4);
		len = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(9);
		memcpy(&s->sin6_addr, dst->bytes, 16);
		len = sizeof *s;
	}
	int fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (connect(fd, (struct sockaddr *)&ss, len) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len))
		rc = -errno;
	close(fd);
	if (rc)
		return rc;
	sk__ip_from_sockaddr((const struct sockaddr *)&ss, src);
	return 0;
}

static int link_info(struct sk_route *r, char *err)
{
	struct ifreq ifr = { 0 };
	if (!if_indextoname((unsigned)r->ifindex, r->ifname))
		return sk_err_set(err, -errno, "interface %d", r->ifindex);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", r->ifname);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sk_err_set(err, -errno, "socket");
	int rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	int e = errno;
	struct ifreq fl = ifr;
	bool noarp = ioctl(fd, SIOCGIFFLAGS, &fl) == 0 && (fl.ifr_flags & (IFF_NOARP | IFF_LOOPBACK));
	close(fd);
	if (rc)
		return sk_err_set(err, -e, "%s: hardware address", r->ifname);
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER &&
	    ifr.ifr_hwaddr.sa_family != ARPHRD_LOOPBACK)
		return sk_err_set(err, SK_EUNSUPPORTED,
				  "%s: not an Ethernet interface (raw scans need Ethernet or loopback)",
				  r->ifname);
	memcpy(r->src_mac, ifr.ifr_hwaddr.sa_data, 6);
	r->loopback = ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK || noarp;
	return 0;
}

int sk_route_lookup(const struct sk_ip *dst, const char *ifname, struct sk_route *out,
		    char *err)
{
	char dstr[SK_IPSTRLEN];
	sk_ip_format(dst, dstr);
	memset(out, 0, sizeof *out);
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
		char attrs[64];
	} req = { 0 };
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.r);
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.r.rtm_family = (unsigned char)dst->family;
	req.r.rtm_dst_len = (unsigned char)(ip_len(dst->family) * 8);
	add_attr(&req.h, sizeof req, RTA_DST, dst->bytes, ip_len(dst->family));
	if (ifname) {
		int idx = (int)if_nametoindex(ifname);
		if (!idx)
			return sk_err_set(err, SK_ENOROUTE, "interface %s: no such interface", ifname);
		add_attr(&req.h, sizeof req, RTA_OIF, &idx, 4);
	}
	int rc = sk__nl_talk(&req.h, on_route, out);
	if (rc < 0 || !out->ifindex)
		return sk_err_set(err, SK_ENOROUTE, "%s%s%s", dstr,
				  rc < 0 ? ": " : "", rc < 0 ? sk_strerror(rc) : "");
	if (out->local)
		out->ifindex = (int)if_nametoindex("lo");
	if (!out->src.family && (rc = pick_source(dst, &out->src)))
		return sk_err_set(err, SK_ENOROUTE, "%s: no source address: %s", dstr,
				  sk_strerror(rc));
	if (!out->has_gateway)
		out->nexthop = *dst;
	return link_info(out, err);
}

struct neigh_walk {
	int family;
	void (*fn)(const struct sk__neigh *, void *);
	void *ctx;
};

static int on_neigh(struct nlmsghdr *h, void *ctx)
{
	struct neigh_walk *w = ctx;
	if (h->nlmsg_type != RTM_NEWNEIGH)
		return 0;
	struct ndmsg *nd = NLMSG_DATA(h);
	if (nd->ndm_family != w->family || (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP)))
		return 0;
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *nd));
	struct sk__neigh n = { .ifindex = nd->ndm_ifindex };
	for (struct rtattr *a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof *nd));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == ip_len(w->family))
			n.dst = RTA_DATA(a);
		else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
			n.mac = RTA_DATA(a);
	}
	if (n.dst && n.mac)
		w->fn(&n, w->ctx);
	return 0;
}

int sk__nl_neigh_dump(int family, void (*fn)(const struct sk__neigh *, void *), void *ctx)
{
	struct {
		struct nlmsghdr h;
		struct ndmsg n;
	} req = { 0 };
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.n);
	req.h.nlmsg_type = RTM_GETNEIGH;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.n.ndm_family = (unsigned char)family;
	struct neigh_walk w = { family, fn, ctx };
	return sk__nl_talk(&req.h, on_neigh, &w);
}

struct neigh_ctx {
	struct sk_route *r;
	bool found;
};

static void on_nexthop(const struct sk__neigh *n, void *ctx)
{
	struct neigh_ctx *c = ctx;
	if (n->ifindex == c->r->ifindex &&
	    !memcmp(n->dst, c->r->nexthop.bytes, ip_len(c->r->nexthop.family))) {
		memcpy(c->r->dst_mac, n->mac, 6);
		c->found = true;
	}
}

static int neigh_dump(struct sk_route *r, bool *found)
{
	struct neigh_ctx c = { r, false };
	int rc = sk__nl_neigh_dump(r->nexthop.family, on_nexthop, &c);
	*found = c.found;
	return rc;
}

/* Makes the kernel resolve the next hop: one empty datagram to its discard
 * port sends an ARP request or neighbour solicitation first. */
static void poke(const struct sk_route *r)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (r->nexthop.family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(9);
		memcpy(&s->sin_addr, r->nexthop.bytes, 4);
		len = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(9);
		s->sin6_scope_id = (uint32_t)r->ifindex;
		memcpy(&s->sin6_addr, r->nexthop.bytes, 16);
		len = sizeof *s;
	}
	int fd = socket(r->nexthop.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&ss, len);
	close(fd);
}

int sk_route_neighbour(struct sk_route *r, unsigned wait_ms, char *err)
{
	if (r->loopback) {
		memset(r->dst_mac, 0, 6);
		return 0;
	}
	char hop[SK_IPSTRLEN];
	sk_ip_format(&r->nexthop, hop);
	bool found = false;
	for (unsigned waited = 0;; waited += 50) {
		int rc = neigh_dump(r, &found);
		if (rc < 0)
			return sk_err_set(err, rc, "neighbour table");
		if (found)
			return 0;
		if (waited >= wait_ms)
			break;
		if (waited == 0 || waited % 500 == 0)
			poke(r);
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
	}
	return sk_err_set(err, SK_ENOMAC, "%s on %s", hop, r->ifname);
}
