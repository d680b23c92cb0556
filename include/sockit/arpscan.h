/* ARP on one Ethernet link: resolve one address the way arping does
 * (probes at an interval, every reply timed), or sweep many (paced sends,
 * rounds of retries for the silent ones with waits fitted to the answers,
 * duplicates flagged).  Needs an AF_PACKET socket: root or CAP_NET_RAW. */
#ifndef SOCKIT_ARPSCAN_H
#define SOCKIT_ARPSCAN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sk_arpscan {
	const char *ifname;
	/* IPv6: resolve target6 by neighbour solicitation (ping mode only):
	 * solicitations from the interface's link-local address to the
	 * target's solicited-node group, answered by neighbour advertisements. */
	bool ipv6;
	uint8_t target6[16];
	const uint32_t *targets; /* IPv4 addresses, host byte order */
	size_t n;
	bool ping;          /* arping mode: count probes to targets[0] */
	unsigned count;     /* ping mode: probes to send */
	uint64_t interval_us; /* between two requests (scan: 1e6 / rate) */
	unsigned retries;   /* scan mode: extra rounds for silent targets */
	/* Ping: the wait after the last probe.  Scan: the wait after the last
	 * request; a silent address is asked again once it has been silent
	 * 4x the slowest answer seen (10 ms at least, wait_ms at most), or,
	 * before any answer, wait_ms grown by backoff for each retry. */
	uint64_t wait_ms;
	double backoff;
	uint64_t deadline_ms; /* give up after this long (0: no limit) */
	const volatile sig_atomic_t *stop; /* set by a signal handler, or NULL */
};

struct sk_arp_result {
	uint8_t ip[4], mac[6];
	uint8_t ip6[16]; /* the IPv6 target, when ipv6 */
	double rtt_ms;   /* since the latest request to that address */
	unsigned probe;  /* which request (from 1) it answered, in ping mode */
	bool dup;        /* another MAC already answered for this address */
};

struct sk_arpscan_stats {
	unsigned long sent, received, answered; /* answered: distinct addresses */
	double elapsed_ms;
	uint8_t src_ip[4], src_mac[6]; /* what the requests carried */
	uint8_t src_ip6[16];
};

/* Appends to v[*n...] (host byte order) the IPv4 addresses of text: a
 * CIDR block (its usable hosts), a range A-B or A-N (N the last octet of
 * A), or one address.  At most max addresses in all: more is SK_ETOOMANY,
 * with nothing added.  Returns 0, or SK_EBADADDR / SK_ETOOMANY with err. */
int sk_arpscan_targets_add(const char *text, uint32_t *v, size_t *n, size_t max,
			   char *err);

typedef void (*sk_arp_cb)(const struct sk_arp_result *r, void *ctx);

/* Runs the resolve or the sweep; cb gets each reply as it arrives (in
 * scan mode the first reply per address and every reply from another
 * MAC, flagged dup; in ping mode every reply).  Returns 0, or a negative
 * code with err: SK_ENOPERM without CAP_NET_RAW, -ENODEV, SK_ENOIFACE for an
 * interface without Ethernet (or, for IPv6, without a link-local address),
 * -errno. */
int sk_arpscan_run(const struct sk_arpscan *o, sk_arp_cb cb, void *ctx,
		   struct sk_arpscan_stats *st, char *err);

#endif
