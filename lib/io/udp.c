/* UDP sockets: options, multicast, and batched receiving with true sizes. */
#include "sockit/udp.h"
#include "sockit/endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockit/error.h"

struct sk_udp {
	uv_loop_t *loop;
	uv_poll_t poll;
	bool polling, polled; /* poll active / poll handle initialised */
	int fd;
	int family;
	/* receiving */
	sk_udp_recv_cb cb;
	void *arg;
	bool stopped;
	size_t max_size;
	unsigned batch;
	uint8_t *bufs;
	struct mmsghdr *msgs;
	struct iovec *iovs;
	struct sockaddr_storage *addrs;
};

static int set_int(int fd, int level, int name, int value, const char *what,
		   char *err)
{
	if (setsockopt(fd, level, name, &value, sizeof value) < 0)
		return sk_err_set(err, -errno, "%s", what);
	return 0;
}

/* An interface given by name ("lo") or index ("1"). */
static unsigned ifindex_of(const char *name)
{
	unsigned idx = if_nametoindex(name);
	if (!idx) {
		char *end;
		unsigned long v = strtoul(name, &end, 10);
		if (*name && !*end && v > 0 && v < 1u << 31)
			idx = (unsigned)v;
	}
	return idx;
}

static int set_mcast_if(int fd, int family, const char *spec, char *err)
{
	if (family == AF_INET) {
		struct ip_mreqn m = { 0 };
		if (inet_pton(AF_INET, spec, &m.imr_address) != 1 &&
		    !(m.imr_ifindex = (int)ifindex_of(spec)))
			return sk_err_set(err, SK_EBADADDR,
					  "multicast interface %s: not an IPv4 "
					  "address or interface",
					  spec);
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) < 0)
			return sk_err_set(err, -errno, "multicast interface %s",
					  spec);
		return 0;
	}
	unsigned idx = ifindex_of(spec);
	if (!idx)
		return sk_err_set(err, SK_EBADADDR,
				  "multicast interface %s: IPv6 needs an "
				  "interface name or index",
				  spec);
	int v = (int)idx;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &v, sizeof v) < 0)
		return sk_err_set(err, -errno, "multicast interface %s", spec);
	return 0;
}

static int apply_opts(int fd, const struct sk_udp_opts *o, char *err)
{
	int rc = 0;
	if (o->family == AF_INET6)
		rc = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, o->v6only, "IPV6_V6ONLY", err);
	if (!rc && o->reuse)
		rc = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", err);
	if (!rc && o->broadcast)
		rc = set_int(fd, SOL_SOCKET, SO_BROADCAST, 1, "SO_BROADCAST", err);
	if (!rc && o->ttl > 0) {
		if (o->family == AF_INET) {
			rc =
			    set_int(fd, IPPROTO_IP, IP_TTL, o->ttl, "TTL", err);
			if (!rc)
				rc = set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL,
					     o->ttl, "TTL", err);
		} else {
			rc = set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS,
				     o->ttl, "TTL", err);
			if (!rc)
				rc = set_int(fd, IPPROTO_IPV6,
					     IPV6_MULTICAST_HOPS, o->ttl, "TTL",
					     err);
		}
	}
	if (!rc && o->mcast_if)
		rc = set_mcast_if(fd, o->family, o->mcast_if, err);
	if (!rc && o->rcvbuf > 0) {
		/* SO_RCVBUFFORCE passes rmem_max when we may (root); otherwise the
		 * kernel caps SO_RCVBUF at rmem_max, which is still the most we
		 * can have. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o->rcvbuf, sizeof o->rcvbuf) < 0)
			rc = set_int(fd, SOL_SOCKET, SO_RCVBUF, o->rcvbuf, "SO_RCVBUF", err);
	}
	return rc;
}

int sk_udp_new(uv_loop_t *loop, const struct sk_udp_opts *o,
	       const struct sockaddr *bind_sa, socklen_t bind_len,
	       struct sk_udp **out, char *err)
{
	struct sk_udp *u = calloc(1, sizeof *u);
	if (!u)
		return sk_err_set(err, -ENOMEM, "udp socket");
	u->loop = loop;
	u->family = o->family;
	u->fd = socket(o->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u->fd < 0) {
		int rc = sk_err_set(err, -errno, "socket");
		free(u);
		return rc;
	}
	int rc = apply_opts(u->fd, o, err);
	if (!rc && bind_sa && bind(u->fd, bind_sa, bind_len) < 0) {
		char a[SK_ADDRSTRLEN];
		rc = -errno;
		sk_sockaddr_format(bind_sa, true, a, sizeof a);
		sk_err_set(err, rc, "bind %s", a);
	}
	if (rc) {
		close(u->fd);
		free(u);
		return rc;
	}
	*out = u;
	return 0;
}

size_t sk_udp_max_payload(int family)
{
	return family == AF_INET6 ? SK_UDP_MAX_V6 : SK_UDP_MAX_V4;
}

int sk_udp_family(const struct sk_udp *u)
{
	return u->family;
}

int sk_udp_local(const struct sk_udp *u, struct sockaddr_storage *ss,
		 socklen_t *len)
{
	*len = sizeof *ss;
	if (getsockname(u->fd, (struct sockaddr *)ss, len) < 0)
		return -errno;
	*len = sk_sockaddr_unmap(ss, *len);
	return 0;
}

int sk_udp_join(struct sk_udp *u, const char *group, const char *ifname,
		char *err)
{
	struct in_addr a4;
	struct in6_addr a6;
	unsigned idx = 0;
	if (ifname && !(idx = ifindex_of(ifname)))
		return sk_err_set(err, -ENODEV, "interface %s", ifname);
	if (inet_pton(AF_INET, group, &a4) == 1) {
		if (!IN_MULTICAST(ntohl(a4.s_addr)))
			return sk_err_set(
			    err, SK_EBADADDR,
			    "group %s: not a multicast group (224.0.0.0/4)",
			    group);
		struct ip_mreqn m = { .imr_multiaddr = a4, .imr_ifindex = (int)idx };
		/* A dual-stack IPv6 socket takes IPv4 memberships too (Linux
		 * passes SOL_IP options of UDPv6 sockets to IPv4). */
		if (setsockopt(u->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) < 0)
			return sk_err_set(err, -errno, "group %s", group);
		return 0;
	}
	if (inet_pton(AF_INET6, group, &a6) == 1) {
		if (!IN6_IS_ADDR_MULTICAST(&a6))
			return sk_err_set(
			    err, SK_EBADADDR,
			    "group %s: not a multicast group (ff00::/8)",
			    group);
		if (u->family != AF_INET6)
			return sk_err_set(
			    err, SK_EFAMILY,
			    "group %s: an IPv6 group needs an IPv6 socket",
			    group);
		struct ipv6_mreq m = { .ipv6mr_multiaddr = a6, .ipv6mr_interface = idx };
		if (setsockopt(u->fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof m) < 0)
			return sk_err_set(err, -errno, "group %s", group);
		return 0;
	}
	return sk_err_set(err, SK_EBADADDR, "group %s: not an IP address",
			  group);
}

/* Maps an AF_INET destination for a dual-stack socket; NULL when the
 * families cannot meet. */
static const struct sockaddr *dest_for(const struct sk_udp *u,
				       const struct sockaddr *to,
				       socklen_t *tolen,
				       struct sockaddr_in6 *mapped)
{
	if (u->family == AF_INET6 && to->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)to;
		memset(mapped, 0, sizeof *mapped);
		mapped->sin6_family = AF_INET6;
		mapped->sin6_port = s4->sin_port;
		mapped->sin6_addr.s6_addr[10] = 0xff;
		mapped->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&mapped->sin6_addr.s6_addr[12], &s4->sin_addr, 4);
		*tolen = sizeof *mapped;
		return (const struct sockaddr *)mapped;
	}
	if (u->family == AF_INET && to->sa_family == AF_INET6)
		return NULL;
	return to;
}

int sk_udp_send_repeat(struct sk_udp *u, const struct iovec *iov, int iovcnt,
		       const struct sockaddr *to, socklen_t tolen,
		       unsigned count)
{
	struct sockaddr_in6 mapped;
	if (!(to = dest_for(u, to, &tolen, &mapped)))
		return -EAFNOSUPPORT;
	struct mmsghdr m[64];
	unsigned done = 0;
	while (done < count) {
		unsigned n = count - done < 64 ? count - done : 64;
		for (unsigned i = 0; i < n; i++) {
			memset(&m[i], 0, sizeof m[i]);
			m[i].msg_hdr.msg_name = (void *)to;
			m[i].msg_hdr.msg_namelen = tolen;
			m[i].msg_hdr.msg_iov = (struct iovec *)iov;
			m[i].msg_hdr.msg_iovlen = (size_t)iovcnt;
		}
		int r = sendmmsg(u->fd, m, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return done ? (int)done : -errno;
		}
		done += (unsigned)r;
	}
	return (int)done;
}

int sk_udp_join_source(struct sk_udp *u, const char *group,
		       const char *source, const char *ifname, char *err)
{
	if (!source)
		return sk_udp_join(u, group, ifname, err);
	struct group_source_req g = { 0 };
	if (ifname && !(g.gsr_interface = ifindex_of(ifname)))
		return sk_err_set(err, -ENODEV, "interface %s", ifname);
	struct sockaddr_in *g4 = (void *)&g.gsr_group, *s4 = (void *)&g.gsr_source;
	struct sockaddr_in6 *g6 = (void *)&g.gsr_group, *s6 = (void *)&g.gsr_source;
	int level;
	if (inet_pton(AF_INET, group, &g4->sin_addr) == 1) {
		if (!IN_MULTICAST(ntohl(g4->sin_addr.s_addr)))
			return sk_err_set(
			    err, SK_EBADADDR,
			    "group %s: not a multicast group (224.0.0.0/4)",
			    group);
		if (inet_pton(AF_INET, source, &s4->sin_addr) != 1)
			return sk_err_set(err, SK_EBADADDR,
					  "source %s: not an IPv4 address",
					  source);
		g4->sin_family = s4->sin_family = AF_INET;
		level = IPPROTO_IP;
	} else if (inet_pton(AF_INET6, group, &g6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_MULTICAST(&g6->sin6_addr))
			return sk_err_set(
			    err, SK_EBADADDR,
			    "group %s: not a multicast group (ff00::/8)",
			    group);
		if (u->family != AF_INET6)
			return sk_err_set(
			    err, SK_EFAMILY,
			    "group %s: an IPv6 group needs an IPv6 socket",
			    group);
		if (inet_pton(AF_INET6, source, &s6->sin6_addr) != 1)
			return sk_err_set(err, SK_EBADADDR,
					  "source %s: not an IPv6 address",
					  source);
		g6->sin6_family = s6->sin6_family = AF_INET6;
		level = IPPROTO_IPV6;
	} else {
		return sk_err_set(err, SK_EBADADDR,
				  "group %s: not an IP address", group);
	}
	if (setsockopt(u->fd, level, MCAST_JOIN_SOURCE_GROUP, &g, sizeof g) < 0)
		return sk_err_set(err, -errno, "group %s from %s", group,
				  source);
	return 0;
}

int sk_udp_send(struct sk_udp *u, const struct iovec *iov, int iovcnt,
		const struct sockaddr *to, socklen_t tolen)
{
	struct sockaddr_in6 mapped;
	if (!(to = dest_for(u, to, &tolen, &mapped)))
		return -EAFNOSUPPORT;
	struct msghdr m = {
		.msg_name = (void *)to,
		.msg_namelen = tolen,
		.msg_iov = (struct iovec *)iov,
		.msg_iovlen = (size_t)iovcnt,
	};
	for (;;) {
		ssize_t n = sendmsg(u->fd, &m, 0);
		if (n >= 0)
			return (int)n;
		if (errno != EINTR)
			return -errno;
	}
}

/* Reads what is queued, batch by batch.  The number of batches per wakeup
 * is bounded so that a flood cannot starve stdin and timers. */
static void poll_cb(uv_poll_t *h, int status, int events)
{
	(void)events;
	struct sk_udp *u = h->data;
	if (status < 0)
		return;
	for (int round = 0; round < 64 && !u->stopped; round++) {
		for (unsigned i = 0; i < u->batch; i++) {
			u->iovs[i].iov_base = u->bufs + (size_t)i * u->max_size;
			u->iovs[i].iov_len = u->max_size;
			memset(&u->msgs[i].msg_hdr, 0, sizeof u->msgs[i].msg_hdr);
			u->msgs[i].msg_hdr.msg_iov = &u->iovs[i];
			u->msgs[i].msg_hdr.msg_iovlen = 1;
			u->msgs[i].msg_hdr.msg_name = &u->addrs[i];
			u->msgs[i].msg_hdr.msg_namelen = sizeof u->addrs[i];
		}
		/* MSG_TRUNC: each msg_len is the datagram's real length. */
		int n = recvmmsg(u->fd, u->msgs, u->batch, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (n <= 0)
			return; /* EAGAIN, or an error poll will report again */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (int i = 0; i < n && !u->stopped; i++) {
			struct msghdr *mh = &u->msgs[i].msg_hdr;
			size_t size = u->msgs[i].msg_len;
			struct sk_dgram d = {
				.data = u->iovs[i].iov_base,
				.len = size < u->max_size ? size : u->max_size,
				.size = size,
				.from = (const struct sockaddr *)&u->addrs[i],
				.fromlen = sk_sockaddr_unmap(&u->addrs[i], mh->msg_namelen),
				.ts = ts,
			};
			u->cb(u->arg, &d);
		}
		if ((unsigned)n < u->batch)
			return;
	}
}

int sk_udp_recv_start(struct sk_udp *u, size_t max_size, unsigned batch,
		      sk_udp_recv_cb cb, void *arg, char *err)
{
	if (!u->loop)
		return sk_err_set(err, -EINVAL, "udp receive without a loop");
	u->max_size = max_size ? max_size : 65536;
	u->batch = batch ? batch : 64;
	u->cb = cb;
	u->arg = arg;
	u->stopped = false;
	if (!u->bufs) {
		u->bufs = malloc(u->max_size * u->batch);
		u->msgs = calloc(u->batch, sizeof *u->msgs);
		u->iovs = calloc(u->batch, sizeof *u->iovs);
		u->addrs = calloc(u->batch, sizeof *u->addrs);
		if (!u->bufs || !u->msgs || !u->iovs || !u->addrs)
			return sk_err_set(err, -ENOMEM, "receive buffers");
	}
	if (!u->polled) {
		int rc = uv_poll_init_socket(u->loop, &u->poll, u->fd);
		if (rc < 0)
			return sk_err_set(err, rc, "poll");
		u->poll.data = u;
		u->polled = true;
	}
	int rc = uv_poll_start(&u->poll, UV_READABLE, poll_cb);
	if (rc < 0)
		return sk_err_set(err, rc, "poll");
	u->polling = true;
	return 0;
}

void sk_udp_recv_stop(struct sk_udp *u)
{
	u->stopped = true;
	if (u->polling) {
		uv_poll_stop(&u->poll);
		u->polling = false;
	}
}

static void free_udp(struct sk_udp *u)
{
	close(u->fd);
	free(u->bufs);
	free(u->msgs);
	free(u->iovs);
	free(u->addrs);
	free(u);
}

static void close_cb(uv_handle_t *h)
{
	free_udp(h->data);
}

void sk_udp_close(struct sk_udp *u)
{
	if (!u)
		return;
	sk_udp_recv_stop(u);
	if (u->polled)
		uv_close((uv_handle_t *)&u->poll, close_cb);
	else
		free_udp(u);
}

int sk_udp_listen_addr(const struct sk_endpoint *ep, int family,
		       struct sk_addr *out, bool *v6only, char *err)
{
	memset(out, 0, sizeof *out);
	*v6only = false;
	if (ep->kind != SK_ENDPOINT_INET)
		return sk_err_set(err, SK_EBADENDPOINT, "UDP needs HOST:PORT, not unix:");
	if (!ep->host[0]) {
		if (family == AF_INET) {
			struct sockaddr_in *s4 = (void *)&out->ss;
			s4->sin_family = AF_INET;
			s4->sin_port = htons(ep->port);
			out->len = sizeof *s4;
		} else {
			struct sockaddr_in6 *s6 = (void *)&out->ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(ep->port);
			s6->sin6_addr = in6addr_any;
			out->len = sizeof *s6;
			*v6only = family == AF_INET6;
		}
		return 0;
	}
	struct sk_addrlist l;
	int rc = sk_resolve_endpoint(ep, family, SOCK_DGRAM, SK_RESOLVE_PASSIVE, &l, err);
	if (rc < 0)
		return rc;
	*out = l.addrs[0];
	*v6only = out->ss.ss_family == AF_INET6;
	sk_addrlist_free(&l);
	return 0;
}

int sk_udp_dest_addr(const struct sk_endpoint *ep, int family,
		     struct sk_addr *out, char *err)
{
	if (ep->kind != SK_ENDPOINT_INET)
		return sk_err_set(err, SK_EBADENDPOINT, "UDP needs HOST:PORT, not unix:");
	struct sk_addrlist l;
	int rc = sk_resolve_endpoint(ep, family, SOCK_DGRAM, 0, &l, err);
	if (rc < 0)
		return rc;
	*out = l.addrs[0];
	sk_addrlist_free(&l);
	return 0;
}

/* err as the user reads it, without sk_err_set's ": reason" (the text
 * says it already). */
__attribute__((format(printf, 3, 4))) static int say(char *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err)
		vsnprintf(err, SK_ERRLEN, fmt, ap);
	va_end(ap);
	return code;
}

int sk_udp_ends_resolve(const struct sk_endpoint *peer, const struct sk_endpoint *local,
			int family, struct sk_udp_ends *out, char *err)
{
	static const struct sk_endpoint any = { .kind = SK_ENDPOINT_INET };
	memset(out, 0, sizeof *out);
	out->peer_failed = true;
	if (peer && peer->kind == SK_ENDPOINT_INET && peer->port == 0)
		return say(err, SK_EBADPORT, "port 0 is not a destination");
	int rc;
	if (peer && (rc = sk_udp_dest_addr(peer, family, &out->peer, err)))
		return rc;
	if (!local)
		local = &any;
	if (family == AF_UNSPEC && !local->host[0] && out->peer.len)
		family = out->peer.ss.ss_family;
	out->peer_failed = false;
	if ((rc = sk_udp_listen_addr(local, family, &out->local, &out->v6only, err)))
		return rc;
	if (!out->peer.len)
		return 0;
	int lf = out->local.ss.ss_family, pf = out->peer.ss.ss_family;
	char who[SK_ADDRSTRLEN];
	sk_sockaddr_format((const struct sockaddr *)&out->peer.ss, true, who, sizeof who);
	if (lf == AF_INET && pf == AF_INET6)
		return say(err, SK_EFAMILY, "is IPv4 but %s is IPv6", who);
	if (out->v6only && pf == AF_INET)
		return say(err, SK_EFAMILY, "is IPv6 only but %s is IPv4", who);
	return 0;
}

/* An endpoint typed for UDP: "" and NULL are none (0 with *given false). */
static int parse_inet(const char *text, const char *form, struct sk_endpoint *ep,
		      bool *given, char *err)
{
	*given = text && text[0];
	if (!*given)
		return 0;
	int rc = sk_endpoint_parse(text, "udp", ep, err);
	if (rc == 0 && ep->kind != SK_ENDPOINT_INET)
		rc = say(err, SK_EBADENDPOINT, "%s: UDP needs %s", text, form);
	return rc;
}

int sk_udp_ends_parse(const char *peer, const char *local, int family,
		      struct sk_udp_ends *out, char *err)
{
	struct sk_endpoint pep, lep;
	bool has_peer, has_local;
	memset(out, 0, sizeof *out);
	int rc = parse_inet(local, "[ADDR]:PORT", &lep, &has_local, err);
	if (rc)
		return rc;
	out->peer_failed = true;
	if ((rc = parse_inet(peer, "HOST:PORT", &pep, &has_peer, err)))
		return rc;
	rc = sk_udp_ends_resolve(has_peer ? &pep : NULL, has_local ? &lep : NULL, family, out,
				 err);
	/* Both name what they are about: the text the user typed leads. */
	char why[SK_ERRLEN];
	if (err && (rc == SK_EBADPORT || (rc == SK_EFAMILY && has_local))) {
		snprintf(why, sizeof why, "%s", err);
		say(err, rc, "%s%s %s", rc == SK_EBADPORT ? peer : local,
		    rc == SK_EBADPORT ? ":" : "", why);
	}
	return rc;
}
