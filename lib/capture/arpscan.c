/* The ARP engine: one AF_PACKET socket bound to the link for ARP frames,
 * requests built by sk_build_arp, replies decoded by sk_eth_decode and
 * sk_arp_decode; poll() waits for whichever comes first, the next send or a
 * reply.  Targets are found by an open-addressing table keyed by address. */
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockit/clock.h"
#include "sockit/arpscan.h"
#include "sockit/capture.h"
#include "sockit/dissect.h"
#include "sockit/error.h"
#include "sockit/pktbuild.h"

struct target {
	uint32_t ip;
	bool answered;
	uint8_t mac[6];
	uint64_t sent_us; /* the latest request */
	unsigned probes;
};

struct run {
	const struct sk_arpscan *o;
	struct target *t;
	size_t *slot; /* hash table of indices + 1, 0 empty */
	size_t mask;
	int fd, ifindex;
	uint8_t mac[6], ip[4], ip6[16];
	sk_arp_cb cb;
	void *ctx;
	struct sk_arpscan_stats *st;
	uint64_t start_us;
	uint64_t rtt_max_us; /* the slowest first answer so far; 0 none yet */
};

static size_t hash(uint32_t ip)
{
	return (size_t)(ip * 2654435761u);
}

static struct target *find(struct run *r, uint32_t ip)
{
	for (size_t i = hash(ip) & r->mask;; i = (i + 1) & r->mask) {
		if (!r->slot[i])
			return NULL;
		if (r->t[r->slot[i] - 1].ip == ip)
			return &r->t[r->slot[i] - 1];
	}
}

static bool stopped(const struct run *r)
{
	if (r->o->stop && *r->o->stop)
		return true;
	return r->o->deadline_ms && (sk_clock_ns() / 1000) - r->start_us >= r->o->deadline_ms * 1000;
}

static int send_request(struct run *r, struct target *t)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6] = { 0 };
	uint8_t tpa[4] = { (uint8_t)(t->ip >> 24), (uint8_t)(t->ip >> 16),
			   (uint8_t)(t->ip >> 8), (uint8_t)t->ip };
	uint8_t f[SK_BUILD_MAX];
	int n = r->o->ipv6 ? sk_build_ns(f, sizeof f, r->mac, r->ip6, r->o->target6)
			   : sk_build_arp(f, sizeof f, SK_ARP_REQUEST, bcast, r->mac, r->ip,
					  zero, tpa, true);
	if (n < 0)
		return n;
	/* The time before the send: on veth the reply can be queued before
	 * sendto returns. */
	uint64_t at = (sk_clock_ns() / 1000);
	int rc = sk_packet_send(r->fd, r->ifindex, f, (size_t)n);
	/* A full send queue is back-pressure, not failure: the retry rounds
	 * cover it. */
	if (rc == -EAGAIN || rc == -ENOBUFS)
		return 0;
	if (rc)
		return rc;
	t->sent_us = at;
	t->probes++;
	r->st->sent++;
	return 0;
}

/* A neighbour advertisement for our target: the target's MAC from its
 * link-layer option, else the frame's source. */
static bool advert(const struct run *r, const uint8_t *buf, size_t n, uint8_t mac[6])
{
	struct sk_dissection d;
	sk_dissect(SK_LINK_ETHERNET, buf, n, n, &d);
	const struct sk_layer *l = sk_dissect_find(&d, SK_P_ICMP6);
	if (!l || l->status || l->u.icmp.type != 136 || l->csum_bad)
		return false;
	struct sk_nd nd;
	if (sk_nd_decode(buf + l->offset, l->hdr_len, &nd) < 0 || !nd.target ||
	    memcmp(nd.target, r->o->target6, 16))
		return false;
	memcpy(mac, nd.tgt_lladdr ? nd.tgt_lladdr : buf + 6, 6);
	return true;
}

/* Reads every waiting frame; returns 0 or -errno. */
static int receive(struct run *r)
{
	for (;;) {
		uint8_t buf[256];
		struct sockaddr_ll from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(r->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		uint64_t at = (sk_clock_ns() / 1000);
		if (r->o->ipv6) {
			uint8_t mac[6];
			if (!advert(r, buf, (size_t)n, mac))
				continue;
			r->st->received++;
			struct target *t = &r->t[0];
			if (!t->probes)
				continue;
			struct sk_arp_result res = { .rtt_ms = (double)(at - t->sent_us) / 1000.0,
						     .probe = t->probes };
			memcpy(res.ip6, r->o->target6, 16);
			memcpy(res.mac, mac, 6);
			if (!t->answered) {
				t->answered = true;
				memcpy(t->mac, mac, 6);
				r->st->answered++;
			} else if (memcmp(t->mac, mac, 6)) {
				res.dup = true;
			}
			r->cb(&res, r->ctx);
			continue;
		}
		struct sk_eth eth;
		struct sk_arp a;
		if (sk_eth_decode(buf, (size_t)n, &eth) < 0 || eth.type != SK_ETH_ARP ||
		    sk_arp_decode(buf + 14, (size_t)n - 14, &a) < 0 || !sk_arp_is_eth_ipv4(&a) ||
		    a.op != SK_ARP_REPLY)
			continue;
		r->st->received++;
		struct target *t = find(r, sk_be32(a.spa));
		if (!t || !t->probes)
			continue;
		struct sk_arp_result res = { .rtt_ms = (double)(at - t->sent_us) / 1000.0,
					     .probe = t->probes };
		memcpy(res.ip, a.spa, 4);
		memcpy(res.mac, a.sha, 6);
		if (!t->answered) {
			t->answered = true;
			memcpy(t->mac, a.sha, 6);
			r->st->answered++;
			if (at - t->sent_us > r->rtt_max_us)
				r->rtt_max_us = at - t->sent_us ? at - t->sent_us : 1;
		} else if (memcmp(t->mac, a.sha, 6)) {
			res.dup = true;
		} else if (!r->o->ping) {
			continue; /* the same host answering a retry */
		}
		r->cb(&res, r->ctx);
	}
}

/* Waits until `until` (µs) or a stop, taking replies as they come. */
static int wait_until(struct run *r, uint64_t until, bool stop_when_all)
{
	for (;;) {
		int rc = receive(r);
		if (rc)
			return rc;
		uint64_t now = (sk_clock_ns() / 1000);
		if (now >= until || stopped(r) || (stop_when_all && r->st->answered == r->o->n))
			return 0;
		uint64_t left = until - now;
		if (r->o->deadline_ms) {
			uint64_t end = r->start_us + r->o->deadline_ms * 1000;
			if (end > now && end - now < left)
				left = end - now;
		}
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		int ms = (int)((left + 999) / 1000);
		if (poll(&p, 1, ms > 1000 ? 1000 : ms) < 0 && errno != EINTR)
			return -errno;
	}
}

static int ping(struct run *r)
{
	struct target *t = &r->t[0];
	uint64_t next = (sk_clock_ns() / 1000);
	for (unsigned i = 0; i < r->o->count && !stopped(r); i++) {
		int rc = wait_until(r, next, false);
		if (rc || stopped(r))
			return rc;
		if ((rc = send_request(r, t)))
			return rc;
		next = t->sent_us + r->o->interval_us;
	}
	/* The last probe gets the wait time (or the interval if longer). */
	uint64_t wait = r->o->wait_ms * 1000;
	if (wait < r->o->interval_us)
		wait = r->o->interval_us;
	return stopped(r) ? 0 : wait_until(r, t->sent_us + wait, false);
}

/* How long an address stays silent before it is asked again.  Once hosts
 * have answered, four times the slowest answer seen (at least 10 ms, at
 * most the configured wait), as nmap fits its timeouts to measured round
 * trips: on a LAN that is milliseconds, not the 100 ms a fixed wait spends
 * on every address nobody holds.  Before any answer, the configured wait,
 * backoff times longer for each retry. */
static uint64_t silence_us(const struct run *r, double *wait_ms)
{
	uint64_t full = (uint64_t)(*wait_ms * 1000);
	if (!r->rtt_max_us) {
		*wait_ms *= r->o->backoff > 1 ? r->o->backoff : 1;
		return full;
	}
	uint64_t adaptive = 4 * r->rtt_max_us;
	if (adaptive < 10000)
		adaptive = 10000;
	return adaptive < full ? adaptive : full;
}

/* Each address is asked again as soon as it has been silent long enough,
 * not after a whole round: by the end of the first pass the addresses
 * asked first are already due.  The end waits the whole configured time
 * (grown by backoff if nothing ever answered), so a host slower than its
 * neighbours is still heard. */
static int sweep(struct run *r)
{
	double wait_ms = (double)r->o->wait_ms;
	for (unsigned round = 0; round <= r->o->retries && !stopped(r); round++) {
		uint64_t silence = round ? silence_us(r, &wait_ms) : 0;
		uint64_t next = sk_clock_ns() / 1000;
		for (size_t i = 0; i < r->o->n && !stopped(r); i++) {
			struct target *t = &r->t[i];
			if (r->st->answered == r->o->n)
				return 0;
			if (t->answered)
				continue;
			uint64_t due = t->sent_us + silence > next ? t->sent_us + silence : next;
			int rc = wait_until(r, due, false);
			if (rc)
				return rc;
			if (t->answered)
				continue;
			if ((rc = send_request(r, t)))
				return rc;
			next += r->o->interval_us;
			uint64_t now = sk_clock_ns() / 1000;
			if (next < now)
				next = now;
		}
	}
	uint64_t end = r->rtt_max_us ? r->o->wait_ms * 1000 : (uint64_t)(wait_ms * 1000);
	return stopped(r) ? 0 : wait_until(r, sk_clock_ns() / 1000 + end, true);
}

int sk_arpscan_run(const struct sk_arpscan *o, sk_arp_cb cb, void *ctx,
		   struct sk_arpscan_stats *st, char *err)
{
	memset(st, 0, sizeof *st);
	if (o->ipv6 && !o->ping)
		return sk_err_set(err, SK_EUNSUPPORTED, "IPv6 sweeps");
	if (!o->n)
		return sk_err_set(err, SK_EBADADDR, "no address to ask for");
	struct sk_link_info li;
	int rc = sk_link_info(o->ifname, &li, err);
	if (rc)
		return rc;
	if (!li.has_mac)
		return sk_err_set(err, SK_ENOIFACE, "%s: not an Ethernet interface", o->ifname);
	struct run r = { .o = o, .cb = cb, .ctx = ctx, .st = st, .ifindex = li.ifindex };
	memcpy(r.mac, li.mac, 6);
	if (li.has_ipv4)
		memcpy(r.ip, li.ipv4, 4); /* else 0.0.0.0: an ARP probe (RFC 5227) */
	if (o->ipv6) {
		if (!li.has_ipv6_ll)
			return sk_err_set(err, SK_ENOIFACE, "%s: no IPv6 link-local address",
					  o->ifname);
		memcpy(r.ip6, li.ipv6_ll, 16);
		memcpy(st->src_ip6, r.ip6, 16);
	}
	memcpy(st->src_ip, r.ip, 4);
	memcpy(st->src_mac, r.mac, 6);
	size_t size = 16;
	while (size < o->n * 2)
		size *= 2;
	r.mask = size - 1;
	r.t = calloc(o->n, sizeof *r.t);
	r.slot = calloc(size, sizeof *r.slot);
	if (!r.t || !r.slot) {
		free(r.t);
		free(r.slot);
		return sk_err_set(err, -ENOMEM, "%zu targets", o->n);
	}
	size_t used = 0;
	for (size_t i = 0; i < o->n; i++) {
		if (find(&r, o->targets[i]))
			continue; /* listed twice: asked once */
		r.t[used].ip = o->targets[i];
		size_t h = hash(o->targets[i]) & r.mask;
		while (r.slot[h])
			h = (h + 1) & r.mask;
		r.slot[h] = ++used;
	}
	struct sk_arpscan copy = *o;
	copy.n = used;
	r.o = &copy;
	r.fd = sk_packet_socket(li.ifindex, o->ipv6 ? SK_ETH_IPV6 : SK_ETH_ARP, err);
	if (r.fd < 0) {
		free(r.t);
		free(r.slot);
		return r.fd;
	}
	r.start_us = (sk_clock_ns() / 1000);
	rc = o->ping ? ping(&r) : sweep(&r);
	if (rc)
		sk_err_set(err, rc, "%s", o->ifname);
	st->elapsed_ms = (double)((sk_clock_ns() / 1000) - r.start_us) / 1000.0;
	close(r.fd);
	free(r.t);
	free(r.slot);
	return rc;
}
