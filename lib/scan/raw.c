/* The raw scans (--syn, --udp): frames built by lib/packet, sent on an
 * AF_PACKET socket at a set rate, and replies read by a thread of their
 * own from another AF_PACKET socket with a large buffer.
 *
 * Stateless: a SYN's sequence number is a SipHash cookie of its 4-tuple,
 * so a SYN-ACK or RST proves which probe it answers with no table of sent
 * probes.  The only state is one bit per probe of the plan ("answered"),
 * which removes duplicates and tells the retry passes what to send again;
 * it is a sparse mapping, so untouched parts cost no memory. */
#include "sockit/array.h"
#include "sockit/clock.h"
#include "sockit/scan.h"
#include "sockit/error.h"
#include "sockit/packet.h"
#include "sockit/pktbuild.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define FRAME_MAX 256

struct raw {
	const struct sk_raw_opts *o;
	const struct sk_plan *plan;
	int send_ll, send4, send6, recv_fd; /* AF_PACKET; raw IP for loopback */
	_Atomic uint8_t *answered; /* one bit per index */
	size_t answered_len;
	_Atomic uint8_t *icmp_from; /* UDP: one bit per target that sent an unreachable */
	size_t icmp_from_len;
	int32_t *port_pos; /* [proto][port] -> position in the port list, -1 */
	pthread_mutex_t lock;
	_Atomic int stop_recv;
	_Atomic uint64_t sent, received, done, icmp_late;
	_Atomic unsigned pass; /* which pass the sender is in */
	_Atomic uint64_t drained_ns; /* the receiver had read everything up to here */
};

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	nanosleep(&ts, NULL);
}

static bool test_and_set(struct raw *r, uint64_t index)
{
	uint8_t bit = (uint8_t)(1u << (index & 7));
	return atomic_fetch_or(&r->answered[index >> 3], bit) & bit;
}

static bool is_set(struct raw *r, uint64_t index)
{
	return atomic_load(&r->answered[index >> 3]) & (1u << (index & 7));
}

static const struct sk_route *route_for(const struct raw *r, const struct sk_ip *ip)
{
	const uint8_t *mac;
	return sk_routes_find(r->o->routes, ip, &mac);
}

static bool same_ip(const struct sk_ip *a, const struct sk_ip *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16);
}

static void report(struct raw *r, uint64_t index, enum sk_port_state state,
		   const char *reason, int ttl)
{
	struct sk_scan_result res = {
		.index = index,
		.state = state,
		.reason = reason,
		.rtt_us = -1,
		.ttl = ttl,
	};
	sk_plan_probe(r->plan, index, &res.ip, &res.proto, &res.port);
	pthread_mutex_lock(&r->lock);
	r->o->on_result(&res, r->o->ctx);
	pthread_mutex_unlock(&r->lock);
	atomic_fetch_add(&r->done, 1);
}

/* The index of the probe to (ip, proto, port), or -1. */
static int64_t index_of(struct raw *r, const struct sk_ip *ip, unsigned proto, uint16_t port)
{
	uint64_t t;
	int32_t pos = r->port_pos[proto * 65536u + port];
	if (pos < 0 || sk_targets_find(r->plan->targets, ip, &t))
		return -1;
	return (int64_t)(t * r->plan->ports->count + (uint64_t)pos);
}

static const char *unreach_reason(bool v6, uint8_t code, enum sk_port_state *state,
				  bool udp)
{
	*state = SK_STATE_FILTERED;
	if (!v6) {
		switch (code) {
		case 3:
			if (udp) {
				*state = SK_STATE_CLOSED;
				return "port-unreach";
			}
			return "port-unreach";
		case 0: return "net-unreach";
		case 1: return "host-unreach";
		case 2: return "proto-unreach";
		case 9:
		case 10:
		case 13: return "admin-prohibited";
		default: return "icmp-unreach";
		}
	}
	switch (code) {
	case 4:
		if (udp)
			*state = SK_STATE_CLOSED;
		return "port-unreach";
	case 0: return "net-unreach";
	case 1: return "admin-prohibited";
	case 3: return "host-unreach";
	default: return "icmp-unreach";
	}
}

static void on_frame(struct raw *r, const uint8_t *p, size_t len)
{
	struct sk_reply rep;
	if (sk_scan_decode_reply(p, len, &rep))
		return;
	const struct sk_raw_opts *o = r->o;
	bool udp = o->proto == SK_SCAN_UDP;
	if (rep.kind == SK_REPLY_ICMP) {
		const struct sk_route *rt = route_for(r, &rep.probe_dst);
		if (!rt || !same_ip(&rep.probe_src, &rt->src) || rep.sport != o->sport ||
		    rep.probe_proto != (udp ? SK_IPPROTO_UDP : SK_IPPROTO_TCP))
			return;
		if (!udp && rep.seq != sk_scan_cookie(o->key, &rt->src, &rep.probe_dst, o->sport,
						      rep.dport))
			return;
		int64_t idx = index_of(r, &rep.probe_dst, o->proto, rep.dport);
		if (idx < 0)
			return;
		atomic_fetch_add(&r->received, 1);
		if (test_and_set(r, (uint64_t)idx))
			return;
		if (atomic_load(&r->pass) > 0)
			atomic_fetch_add(&r->icmp_late, 1);
		if (udp) {
			uint64_t t = (uint64_t)idx / r->plan->ports->count;
			atomic_fetch_or(&r->icmp_from[t >> 3], (uint8_t)(1u << (t & 7)));
		}
		enum sk_port_state st;
		const char *why = unreach_reason(rep.icmp6, rep.icmp_code, &st, udp);
		report(r, (uint64_t)idx, st, why, rep.ttl);
		return;
	}
	const struct sk_route *rt = route_for(r, &rep.from);
	if (!rt || !same_ip(&rep.to, &rt->src) || rep.dport != o->sport)
		return;
	if ((rep.kind == SK_REPLY_TCP) == udp)
		return;
	enum sk_port_state st;
	const char *why;
	if (rep.kind == SK_REPLY_TCP) {
		uint32_t cookie = sk_scan_cookie(o->key, &rt->src, &rep.from, o->sport, rep.sport);
		if (!(rep.flags & SK_TCP_ACK) || rep.ack != cookie + 1)
			return;
		if ((rep.flags & (SK_TCP_SYN | SK_TCP_RST)) == SK_TCP_SYN) {
			st = SK_STATE_OPEN;
			why = "syn-ack";
		} else if (rep.flags & SK_TCP_RST) {
			st = SK_STATE_CLOSED;
			why = "rst";
		} else {
			return;
		}
	} else {
		st = SK_STATE_OPEN;
		why = "udp-response";
	}
	int64_t idx = index_of(r, &rep.from, o->proto, rep.sport);
	if (idx < 0)
		return;
	atomic_fetch_add(&r->received, 1);
	if (test_and_set(r, (uint64_t)idx))
		return;
	report(r, (uint64_t)idx, st, why, rep.ttl);
}

static void *receiver(void *arg)
{
	struct raw *r = arg;
	static const unsigned n = BATCH;
	uint8_t (*bufs)[2048] = malloc(n * sizeof *bufs);
	struct mmsghdr *msgs = calloc(n, sizeof *msgs);
	struct iovec *iov = calloc(n, sizeof *iov);
	struct sockaddr_ll *from = calloc(n, sizeof *from);
	if (!bufs || !msgs || !iov || !from)
		goto out;
	while (!atomic_load(&r->stop_recv)) {
		for (unsigned i = 0; i < n; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
			msgs[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
							   .msg_namelen = sizeof from[i],
							   .msg_iov = &iov[i],
							   .msg_iovlen = 1 };
		}
		/* Taken before the read: when the read comes back short,
		 * every frame that had arrived by then has been handled. */
		uint64_t before = sk_clock_ns();
		int got = recvmmsg(r->recv_fd, msgs, n, MSG_WAITFORONE, NULL);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				atomic_store(&r->drained_ns, before);
			continue; /* the 100 ms receive timeout, or EINTR */
		}
		for (int i = 0; i < got; i++) {
			/* Our own frames come back to us as "outgoing". */
			if (from[i].sll_pkttype == PACKET_OUTGOING)
				continue;
			on_frame(r, bufs[i], msgs[i].msg_len);
		}
		if ((unsigned)got < n)
			atomic_store(&r->drained_ns, before);
	}
out:
	free(bufs);
	free(msgs);
	free(iov);
	free(from);
	return NULL;
}

/* Frames for loopback go through a raw IP socket instead: a packet
 * injected on lo with AF_PACKET has no route attached, so the kernel takes
 * 127.0.0.1 arriving on it for a martian and drops it.  A raw IP socket
 * takes the normal output path (as nmap does on loopback). */
static int open_send(int family, bool loopback, char *err)
{
	int fd;
	if (loopback) {
		fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (fd < 0)
			return sk_err_set(err, -errno,
					  "raw IP socket (raw scans need root or CAP_NET_RAW)");
		int big = 4 << 20;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
		return fd;
	}
	/* Not bound: each frame names its interface (sockaddr_ll). */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sk_err_set(err, -errno, "AF_PACKET socket (raw scans need root or CAP_NET_RAW)");
	int big = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	return fd;
}

static int open_recv(struct raw *r, int ifindex, char *err)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return sk_err_set(err, -errno, "AF_PACKET socket (raw scans need root or CAP_NET_RAW)");
	/* Only what can answer us reaches user space. */
	char expr[96];
	snprintf(expr, sizeof expr, "%s dst port %u or icmp or icmp6",
		 r->o->proto == SK_SCAN_UDP ? "udp" : "tcp", r->o->sport);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 2048);
	struct bpf_program prog;
	if (!dead || pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		if (dead)
			pcap_close(dead);
		close(fd);
		return sk_err_set(err, SK_EUNSUPPORTED, "filter '%s'", expr);
	}
	struct sock_fprog fp = { (unsigned short)prog.bf_len, (struct sock_filter *)prog.bf_insns };
	int rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp);
	pcap_freecode(&prog);
	pcap_close(dead);
	if (rc) {
		rc = -errno;
		close(fd);
		return sk_err_set(err, rc, "attach filter");
	}
	/* A large buffer: replies arrive in bursts at high rates (masscan
	 * loses up to 45% of them here with a small one). */
	int big = 64 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	struct timeval tv = { 0, 100000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll)) {
		rc = -errno;
		close(fd);
		return sk_err_set(err, rc, "bind receive socket");
	}
	return fd;
}

static int build(struct raw *r, uint64_t index, uint8_t *out, int *fd,
		 struct sockaddr_storage *to, socklen_t *tolen)
{
	struct sk_ip ip;
	enum sk_scan_proto proto;
	uint16_t port;
	sk_plan_probe(r->plan, index, &ip, &proto, &port);
	const uint8_t *mac;
	const struct sk_route *rt = sk_routes_find(r->o->routes, &ip, &mac);
	if (!rt || !mac)
		return -1;
	memset(to, 0, sizeof *to);
	if (!rt->loopback) {
		struct sockaddr_ll *sll = (struct sockaddr_ll *)to;
		sll->sll_family = AF_PACKET;
		sll->sll_protocol = htons(ip.family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
		sll->sll_ifindex = rt->ifindex;
		sll->sll_halen = 6;
		memcpy(sll->sll_addr, mac, 6);
		*tolen = sizeof *sll;
		*fd = r->send_ll;
	} else {
		*fd = ip.family == AF_INET ? r->send4 : r->send6;
		if (ip.family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)to;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, ip.bytes, 4);
			*tolen = sizeof *sin;
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)to;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, ip.bytes, 16);
			*tolen = sizeof *sin6;
		}
	}
	struct sk_l4_build b = {
		.eth_src = rt->loopback ? NULL : rt->src_mac,
		.eth_dst = rt->loopback ? NULL : mac,
		.family = ip.family == AF_INET ? 4 : 6,
		.src = rt->src.bytes,
		.dst = ip.bytes,
		.sport = r->o->sport,
		.dport = port,
		.ttl = 64,
		.ip_id = (uint16_t)index,
	};
	if (proto == SK_SCAN_TCP) {
		b.seq = sk_scan_cookie(r->o->key, &rt->src, &ip, r->o->sport, port);
		b.flags = SK_TCP_SYN;
		b.mss = 1460;
		return sk_build_tcp(out, FRAME_MAX, &b);
	}
	sk_udp_payload(port, &b.payload, &b.payload_len);
	return sk_build_udp(out, FRAME_MAX, &b);
}

static void fill_stats(struct raw *r, struct sk_scan_stats *st, uint64_t resume)
{
	memset(st, 0, sizeof *st);
	st->sent = atomic_load(&r->sent);
	st->received = atomic_load(&r->received);
	st->done = atomic_load(&r->done);
	st->icmp_limited = atomic_load(&r->icmp_late);
	st->resume = resume;
}

/* One pass over the steps [from, to): the probes not yet answered, at the
 * rate asked.  Returns 1 when stopped. */
static int pass(struct raw *r, uint64_t from, uint64_t to, uint64_t *resume_out)
{
	const struct sk_raw_opts *o = r->o;
	uint8_t frames[BATCH][FRAME_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int fds[BATCH];
	struct sockaddr_storage tos[BATCH];
	socklen_t tolens[BATCH];
	uint64_t t0 = sk_clock_ns(), sent = 0, last_progress = t0;
	uint64_t step = from;
	/* The resume point: the step sent one wait before the last moment
	 * the receiver had read everything.  Probes sent before it have had
	 * their wait, and their answers are reported.  A ring of (time,
	 * step) samples finds it. */
	enum { SAMPLES = 256 };
	uint64_t st_t[SAMPLES], st_s[SAMPLES];
	unsigned ns = 0;
	uint64_t every = o->wait_ms * 1000000u / (SAMPLES / 4);
	if (every < 5000000u)
		every = 5000000u;
	while (step < to) {
		if (o->stop && *o->stop)
			return 1;
		uint64_t now = sk_clock_ns();
		uint64_t allowed = o->rate ? (now - t0) / 1000000000.0 * (double)o->rate : UINT64_MAX;
		if (allowed <= sent) {
			uint64_t gap = o->rate ? 1000000000u / o->rate : 0;
			sleep_ns(gap > 1000000 ? 1000000 : (gap ? gap : 1000));
			continue;
		}
		uint64_t can = allowed - sent;
		uint64_t batch_from = step; /* every step before it went out before now */
		unsigned n = 0;
		while (n < BATCH && n < can && step < to) {
			uint64_t index = sk_plan_index(r->plan, step++);
			if (is_set(r, index))
				continue;
			int len = build(r, index, frames[n], &fds[n], &tos[n], &tolens[n]);
			if (len <= 0)
				continue;
			iov[n] = (struct iovec){ frames[n], (size_t)len };
			msgs[n].msg_hdr = (struct msghdr){ .msg_name = &tos[n],
							   .msg_namelen = tolens[n],
							   .msg_iov = &iov[n],
							   .msg_iovlen = 1 };
			n++;
		}
		/* Frames of one family go together; split where it changes. */
		unsigned i = 0;
		while (i < n) {
			unsigned j = i;
			while (j < n && fds[j] == fds[i])
				j++;
			unsigned k = i;
			while (k < j) {
				int m = sendmmsg(fds[i], msgs + k, j - k, 0);
				if (m < 0) {
					if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
						sleep_ns(100000);
						continue;
					}
					m = 1; /* drop the frame the kernel refused */
				}
				k += (unsigned)m;
			}
			i = j;
		}
		sent += n;
		atomic_fetch_add(&r->sent, n);
		if (atomic_load(&r->pass) == 0) {
			if (!ns || now - st_t[(ns - 1) % SAMPLES] >= every) {
				st_t[ns % SAMPLES] = now;
				st_s[ns % SAMPLES] = batch_from;
				ns++;
			}
			uint64_t drained = atomic_load(&r->drained_ns);
			uint64_t wait = o->wait_ms * 1000000u;
			for (unsigned k = ns; k > 0 && k + SAMPLES > ns; k--) {
				unsigned si = (k - 1) % SAMPLES;
				if (drained >= wait && st_t[si] <= drained - wait) {
					if (st_s[si] > *resume_out)
						*resume_out = st_s[si];
					break;
				}
			}
		}
		if (o->on_progress && now - last_progress > 200000000u) {
			struct sk_scan_stats st;
			fill_stats(r, &st, *resume_out);
			o->on_progress(&st, o->ctx);
			last_progress = now;
		}
	}
	return 0;
}

static int wait_replies(struct raw *r, uint64_t resume)
{
	uint64_t end = sk_clock_ns() + r->o->wait_ms * 1000000u;
	uint64_t all = r->plan->steps - r->o->start;
	/* Every probe answered: nothing late is left to wait for. */
	while (sk_clock_ns() < end && atomic_load(&r->done) < all) {
		if (r->o->stop && *r->o->stop)
			return 1;
		sleep_ns(10000000);
		if (r->o->on_progress) {
			struct sk_scan_stats st;
			fill_stats(r, &st, resume);
			r->o->on_progress(&st, r->o->ctx);
		}
	}
	return 0;
}

/* ---- UDP under ICMP rate limiting ----------------------------------------
 *
 * Linux sends one host about six port unreachables at once, then one a
 * second (icmp_ratelimit), so a fast UDP scan hears "closed" for a few
 * ports and silence for the rest.  As nmap does, once a target has shown
 * it answers with unreachables, its silent ports are asked again slowly:
 * one probe at a time, the gap doubling (up to a second) whenever the
 * previous probe went unanswered and shrinking after answers.  The probes
 * of every such target form one paced stream, because targets behind one
 * kernel (a block of addresses it answers for) share its ICMP budget.
 * For the same reason the stream covers every silent port of every target
 * reached through the same next hop (interface and MAC address) as one
 * that sent unreachables: a router, or one stack holding many addresses,
 * may have spent its whole budget on the neighbours, so silence from such
 * a target proves nothing.  Targets behind other next hops are their own
 * kernels and keep their silence.  Each silent port gets retries + 1 more
 * chances this way. */

#define SLOW_GAP_MIN 50000000ull    /* 50 ms */
#define SLOW_GAP_START 125000000ull /* 125 ms */
#define SLOW_GAP_MAX 1000000000ull  /* 1 s: Linux's default refill */

/* A next hop: the interface and MAC address a target's frames go to. */
struct hop_key {
	int ifindex;
	uint8_t mac[6];
};

/* The next hop of target t (of the plan's target list); false when it has
 * none (no route, or its neighbour never answered ARP). */
static bool hop_of(const struct raw *r, uint64_t t, struct hop_key *out)
{
	struct sk_ip ip;
	enum sk_scan_proto pr;
	uint16_t port;
	const uint8_t *mac;
	sk_plan_probe(r->plan, t * r->plan->ports->count, &ip, &pr, &port);
	const struct sk_route *rt = sk_routes_find(r->o->routes, &ip, &mac);
	if (!rt || !mac)
		return false;
	memset(out, 0, sizeof *out);
	out->ifindex = rt->ifindex;
	memcpy(out->mac, mac, 6);
	return true;
}

static bool hop_in(const struct hop_key *set, size_t n, const struct hop_key *k)
{
	for (size_t i = 0; i < n; i++)
		if (set[i].ifindex == k->ifindex && !memcmp(set[i].mac, k->mac, 6))
			return true;
	return false;
}

/* The next hops of the targets that sent unreachables, each once; -ENOMEM. */
static int limited_hops(const struct raw *r, struct hop_key **set, size_t *n)
{
	size_t cap = 0;
	uint64_t targets = sk_targets_count(r->plan->targets);
	*set = NULL;
	*n = 0;
	for (uint64_t t = 0; t < targets; t++) {
		struct hop_key k;
		if (!(atomic_load(&r->icmp_from[t >> 3]) & (1u << (t & 7))) ||
		    !hop_of(r, t, &k) || hop_in(*set, *n, &k))
			continue;
		if (sk_array_grow(set, &cap, *n + 1, sizeof **set))
			return -ENOMEM;
		(*set)[(*n)++] = k;
	}
	return 0;
}

static int send_one(struct raw *r, uint64_t index)
{
	uint8_t frame[FRAME_MAX];
	int fd;
	struct sockaddr_storage to;
	socklen_t tolen;
	int len = build(r, index, frame, &fd, &to, &tolen);
	if (len <= 0)
		return -1;
	if (sendto(fd, frame, (size_t)len, 0, (struct sockaddr *)&to, tolen) < 0)
		return -1;
	atomic_fetch_add(&r->sent, 1);
	return 0;
}

static int slow_pass(struct raw *r, uint64_t *limited)
{
	const struct sk_raw_opts *o = r->o;
	size_t n = 0, cap = 0, nhops = 0;
	uint64_t *todo = NULL;
	struct hop_key *hops = NULL;
	/* Without memory the silent ports stay open|filtered. */
	if (limited_hops(r, &hops, &nhops) == 0) {
		for (uint64_t s = o->start; s < r->plan->steps && nhops; s++) {
			uint64_t index = sk_plan_index(r->plan, s);
			struct hop_key k;
			if (is_set(r, index) ||
			    !hop_of(r, index / r->plan->ports->count, &k) ||
			    !hop_in(hops, nhops, &k))
				continue;
			if (sk_array_grow(&todo, &cap, n + 1, sizeof *todo))
				break;
			todo[n++] = index;
		}
	}
	free(hops);
	*limited = n;
	uint64_t gap = SLOW_GAP_START, last_progress = sk_clock_ns();
	unsigned streak = 0;
	int64_t prev = -1;
	int rc = 0;
	for (unsigned round = 0; round <= o->retries && n && !rc; round++) {
		size_t k = 0;
		for (size_t i = 0; i < n && !rc; i++) {
			if (is_set(r, todo[i]))
				continue;
			todo[k++] = todo[i];
			if (prev >= 0) {
				/* Wait the gap, then judge the previous probe. */
				uint64_t until = sk_clock_ns() + gap;
				while (sk_clock_ns() < until) {
					if (o->stop && *o->stop) {
						rc = 1;
						break;
					}
					sleep_ns(5000000);
				}
				if (rc)
					break;
				if (is_set(r, (uint64_t)prev)) {
					if (++streak >= 4 && gap * 3 / 4 >= SLOW_GAP_MIN) {
						gap = gap * 3 / 4;
						streak = 0;
					}
				} else {
					streak = 0;
					gap = gap * 2 < SLOW_GAP_MAX ? gap * 2 : SLOW_GAP_MAX;
				}
			}
			if (is_set(r, todo[i]))
				continue;
			send_one(r, todo[i]);
			prev = (int64_t)todo[i];
			if (o->on_progress && sk_clock_ns() - last_progress > 200000000u) {
				struct sk_scan_stats st;
				fill_stats(r, &st, o->start);
				o->on_progress(&st, o->ctx);
				last_progress = sk_clock_ns();
			}
		}
		n = k;
	}
	free(todo);
	if (!rc)
		rc = wait_replies(r, o->start);
	return rc;
}

/* Silence after every retry: filtered (TCP) or open|filtered (UDP), as
 * nmap says; filtered "host-unreach" when the next hop never answered. */
static void report_silent(struct raw *r)
{
	const struct sk_raw_opts *o = r->o;
	for (uint64_t s = o->start; s < r->plan->steps; s++) {
		uint64_t index = sk_plan_index(r->plan, s);
		if (is_set(r, index))
			continue;
		test_and_set(r, index);
		struct sk_ip ip;
		enum sk_scan_proto pr;
		uint16_t port;
		const uint8_t *mac;
		sk_plan_probe(r->plan, index, &ip, &pr, &port);
		if (!sk_routes_find(o->routes, &ip, &mac) || !mac)
			report(r, index, SK_STATE_FILTERED, "host-unreach", -1);
		else
			report(r, index,
			       o->proto == SK_SCAN_UDP ? SK_STATE_OPEN_FILTERED
						       : SK_STATE_FILTERED,
			       "no-response", -1);
	}
}

int sk_scan_raw(const struct sk_raw_opts *o, struct sk_scan_stats *stats, char *err)
{
	const struct sk_plan *plan = o->plan;
	memset(stats, 0, sizeof *stats);
	if (o->start >= plan->steps) {
		stats->resume = plan->steps;
		return 0;
	}
	struct raw r = { .o = o, .plan = plan, .send_ll = -1, .send4 = -1, .send6 = -1,
			 .recv_fd = -1 };
	pthread_mutex_init(&r.lock, NULL);
	int rc = 0;
	r.answered_len = (size_t)(plan->total / 8 + 1);
	void *map = mmap(NULL, r.answered_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	r.port_pos = malloc(2 * 65536 * sizeof *r.port_pos);
	if (map == MAP_FAILED || !r.port_pos) {
		rc = sk_err_set(err, -ENOMEM, "raw scan: %llu probes",
				(unsigned long long)plan->total);
		goto out;
	}
	r.answered = map;
	r.icmp_from_len = (size_t)(sk_targets_count(plan->targets) / 8 + 1);
	map = mmap(NULL, r.icmp_from_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		rc = sk_err_set(err, -ENOMEM, "raw scan: %llu targets",
				(unsigned long long)sk_targets_count(plan->targets));
		goto out;
	}
	r.icmp_from = map;
	for (unsigned i = 0; i < 2 * 65536; i++)
		r.port_pos[i] = -1;
	for (uint32_t i = 0; i < plan->ports->count; i++)
		r.port_pos[plan->ports->list[i]] = (int32_t)i;
	/* One AF_PACKET socket for every interface, a raw IP socket per
	 * family for loopback; replies read on the one interface the routes
	 * share, or on all. */
	int ifindex = -1;
	for (size_t i = 0; i < sk_routes_count(o->routes); i++) {
		const struct sk_route *rt = sk_routes_at(o->routes, i);
		int *fd = !rt->loopback ? &r.send_ll : rt->src.family == AF_INET ? &r.send4 : &r.send6;
		if (*fd < 0 && (*fd = open_send(rt->src.family, rt->loopback, err)) < 0) {
			rc = *fd;
			goto out;
		}
		ifindex = ifindex < 0 || ifindex == rt->ifindex ? rt->ifindex : 0;
	}
	if (ifindex < 0)
		ifindex = 0;
	if ((r.recv_fd = open_recv(&r, ifindex, err)) < 0) {
		rc = r.recv_fd;
		goto out;
	}
	pthread_t th;
	if (pthread_create(&th, NULL, receiver, &r)) {
		rc = sk_err_set(err, -EAGAIN, "raw scan: thread");
		goto out;
	}
	uint64_t resume = o->start;
	bool stopped = false;
	uint64_t all = plan->steps - o->start, first_sent = 0, first_ns = 0;
	for (unsigned p = 0; p <= o->retries && !stopped && atomic_load(&r.done) < all; p++) {
		atomic_store(&r.pass, p);
		uint64_t t0 = sk_clock_ns();
		stopped = pass(&r, o->start, plan->steps, &resume);
		if (p == 0) {
			first_sent = atomic_load(&r.sent);
			first_ns = sk_clock_ns() - t0;
		}
		stopped = stopped || wait_replies(&r, resume);
	}
	uint64_t slowed = 0;
	if (!stopped && o->proto == SK_SCAN_UDP && atomic_load(&r.done) < all) {
		atomic_store(&r.pass, o->retries + 1);
		stopped = slow_pass(&r, &slowed);
	}
	atomic_store(&r.stop_recv, 1);
	pthread_join(th, NULL);
	if (!stopped) {
		report_silent(&r);
		resume = plan->steps;
	}
	fill_stats(&r, stats, resume);
	stats->retries = first_sent && stats->sent > first_sent ? stats->sent - first_sent : 0;
	stats->first_pass_ns = first_ns;
	stats->slowed = slowed;
	rc = stopped ? 1 : 0;
out:
	if (r.recv_fd >= 0)
		close(r.recv_fd);
	if (r.send6 >= 0)
		close(r.send6);
	if (r.send_ll >= 0)
		close(r.send_ll);
	if (r.send4 >= 0)
		close(r.send4);
	if (r.answered)
		munmap((void *)r.answered, r.answered_len);
	if (r.icmp_from)
		munmap((void *)r.icmp_from, r.icmp_from_len);
	free(r.port_pos);
	pthread_mutex_destroy(&r.lock);
	return rc;
}
