/* UDP sockets on a libuv loop, received in batches.
 *
 * Receiving uses its own recvmmsg(2) on a uv_poll_t rather than uv_udp_t:
 * libuv 1.44's UV_UDP_RECVMMSG path reads at most 20 datagrams a call into
 * 64 KiB slots (measured: with a buffer below 64 KiB it delivers nothing),
 * and its plain path reports a cut datagram only as cut (UV_UDP_PARTIAL),
 * never its true size, because neither passes MSG_TRUNC.  Passing MSG_TRUNC
 * to recvmmsg makes the kernel return each datagram's real length, so a
 * datagram longer than --max-size is reported with its size on the wire,
 * and 64 datagrams are read per call.
 *
 * Addresses handed to callbacks are normalised: an IPv4 sender seen by a
 * dual-stack IPv6 socket comes back as AF_INET (127.0.0.1, not
 * ::ffff:127.0.0.1), and sk_udp_send maps AF_INET destinations back.
 */
#ifndef SOCKIT_UDP_H
#define SOCKIT_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <uv.h>

#include "sockit/endpoint.h"
#include "sockit/resolve.h"

/* The largest payload one datagram can carry: 65,535 minus the UDP header
 * (8) and, for IPv4, the minimal IP header (20).  IPv6's header is not in
 * its payload length, so 65,527 (jumbograms aside). */
#define SK_UDP_MAX_V4 65507
#define SK_UDP_MAX_V6 65527

/* SK_UDP_MAX_V6 for AF_INET6, else SK_UDP_MAX_V4. */
size_t sk_udp_max_payload(int family);

struct sk_udp_opts {
	int family;          /* AF_INET or AF_INET6 (the socket's family) */
	bool v6only;         /* AF_INET6: refuse IPv4 (no dual stack) */
	bool reuse;          /* SO_REUSEADDR before bind */
	bool broadcast;      /* SO_BROADCAST */
	int ttl;             /* > 0: unicast TTL / hop limit and multicast TTL */
	const char *mcast_if; /* outgoing multicast: an address or interface name */
	int rcvbuf;          /* > 0: SO_RCVBUF (forced up to it when root) */
};

struct sk_udp;

/* One received datagram.  data[0..len) is valid during the callback only;
 * size is its true length (size > len means it was cut to the buffer).
 * ts is the time the batch was read (CLOCK_REALTIME). */
struct sk_dgram {
	const uint8_t *data;
	size_t len;
	size_t size;
	const struct sockaddr *from;
	socklen_t fromlen;
	struct timespec ts;
};

/* Called once per datagram, in arrival order. */
typedef void (*sk_udp_recv_cb)(void *arg, const struct sk_dgram *d);

/* Opens a socket with the options, bound to bind_sa when not NULL (else
 * the kernel picks a port at the first send).  loop may be NULL for a
 * socket that only sends.  Returns 0 or a negative code with err filled
 * ("bind 127.0.0.1:53: address in use"); an error of an option starts
 * with its name: "TTL: ...", "multicast interface eth9: ...". */
int sk_udp_new(uv_loop_t *loop, const struct sk_udp_opts *o,
	       const struct sockaddr *bind_sa, socklen_t bind_len,
	       struct sk_udp **out, char *err);

int sk_udp_family(const struct sk_udp *u);

/* The bound address (normalised as above). */
int sk_udp_local(const struct sk_udp *u, struct sockaddr_storage *ss,
		 socklen_t *len);

/* Joins a multicast group given as text (IPv4 or IPv6), on the interface
 * named ifname (NULL: the kernel's choice by route).  Returns 0, or
 * SK_EBADADDR (not an address / not multicast), SK_EFAMILY, or -errno,
 * with err filled: "group 10.0.0.1: not a multicast group (224.0.0.0/4)",
 * "source S: ..." for sk_udp_join_source's source. */
int sk_udp_join(struct sk_udp *u, const char *group, const char *ifname,
		char *err);

/* Like sk_udp_join, but source-specific when source is not NULL: only
 * datagrams from that address are delivered (MCAST_JOIN_SOURCE_GROUP). */
int sk_udp_join_source(struct sk_udp *u, const char *group,
		       const char *source, const char *ifname, char *err);

/* Sends the iovecs as one datagram.  Returns the bytes sent or -errno
 * (-EMSGSIZE when too large, -EACCES for broadcast without SO_BROADCAST). */
int sk_udp_send(struct sk_udp *u, const struct iovec *iov, int iovcnt,
		const struct sockaddr *to, socklen_t tolen);

/* Sends the same datagram count times with sendmmsg (up to 64 a call).
 * Returns how many were sent (> 0), or -errno when none could be. */
int sk_udp_send_repeat(struct sk_udp *u, const struct iovec *iov, int iovcnt,
		       const struct sockaddr *to, socklen_t tolen,
		       unsigned count);

/* Starts receiving: up to batch datagrams per recvmmsg call, each in a
 * buffer of max_size bytes.  Returns 0 or a negative code with err. */
int sk_udp_recv_start(struct sk_udp *u, size_t max_size, unsigned batch,
		      sk_udp_recv_cb cb, void *arg, char *err);

/* Stops receiving; callbacks stop at once, even mid-batch. */
void sk_udp_recv_stop(struct sk_udp *u);

/* Closes the socket and frees u (through the loop when it has one: run the
 * loop once more before uv_loop_close). */
void sk_udp_close(struct sk_udp *u);

/* The address to bind for a listening endpoint: "" is every interface,
 * [::] dual-stack unless family is AF_INET (0.0.0.0) or AF_INET6
 * (IPv6 only, *v6only set).  A host is resolved (passive) and its first
 * address in family is used.  Returns 0 or a negative code with err. */
int sk_udp_listen_addr(const struct sk_endpoint *ep, int family,
		       struct sk_addr *out, bool *v6only, char *err);

/* The first address of a destination endpoint ("" is this host).
 * Returns 0 or a negative code with err. */
int sk_udp_dest_addr(const struct sk_endpoint *ep, int family,
		     struct sk_addr *out, char *err);

/* Both ends of a socket that talks to one peer, from what a user typed. */
struct sk_udp_ends {
	struct sk_addr peer;  /* len 0 without a peer */
	struct sk_addr local; /* what to bind */
	bool v6only;          /* bind local IPv6-only */
	/* Which end a failure concerns: the peer (true) or the local end. */
	bool peer_failed;
};

/* Resolves the peer (NULL: none; port 0 refused, SK_EBADPORT) and the
 * local end (NULL: any address, a port the kernel picks).  The local end
 * follows the peer's family unless it names an address of its own, and
 * the two must then agree (SK_EFAMILY: "IPv4 but ... is IPv6").  family
 * (AF_UNSPEC, AF_INET, AF_INET6) restricts both.  Returns 0 or a negative
 * code with err, which does not repeat the failing end's name. */
int sk_udp_ends_resolve(const struct sk_endpoint *peer, const struct sk_endpoint *local,
			int family, struct sk_udp_ends *out, char *err);

/* The same from text: peer "HOST:PORT" and local "[ADDR]:PORT" as typed
 * (NULL or "": none, any).  Returns 0 or a negative code with err naming
 * the text at fault ("unix:/x: UDP needs HOST:PORT", "127.0.0.1:0: port 0
 * is not a destination", "127.0.0.1:0 is IPv4 but [::1]:9 is IPv6") and
 * out->peer_failed telling which end.  Codes of text that cannot be
 * right whatever the network says: SK_EBADENDPOINT, SK_EBADPORT,
 * SK_EBADHOST, SK_ENOSERVICE, SK_ETOOLONG (sockit/endpoint.h) and
 * SK_EFAMILY; others come from resolving or binding. */
int sk_udp_ends_parse(const char *peer, const char *local, int family,
		      struct sk_udp_ends *out, char *err);

#endif
