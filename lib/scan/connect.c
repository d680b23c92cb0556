/* The connect scan: many non-blocking connects watched by epoll.
 *
 * Each worker thread takes every T-th step of the plan.  Probes live in a
 * ring ordered by issue, so the oldest unfinished one tells how far the
 * scan is done (the resume point).  How many probes fly at once is bounded
 * by the descriptor budget and a global window, and per target by the
 * target's own congestion window, which grows with answers and halves on
 * silence, as nmap's; each target's timeout follows its own measured round
 * trips (RFC 6298's SRTT + 4 RTTVAR; a new target starts from everyone's).
 * So one slow or lossy host slows only itself: its probes beyond its
 * window wait in its own list while the other hosts' go on. */
#include "sockit/array.h"
#include "sockit/clock.h"
#include "sockit/scan.h"
#include "sockit/error.h"
#include "timing.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RING_SIZE 65536u /* probes between the oldest unfinished and the newest */
#define BANNER_MAX 1024
#define SELF_RETRIES 8
#define CWND_MIN 64.0
/* nmap's floor is 1; 8 keeps a host that loses most probes moving. */
#define HOST_CWND_MIN 8.0
#define HOST_CWND_START 256.0
#define NO_HOST UINT32_MAX
#define ISSUE_BATCH 256 /* new probes between two looks at the answers */

enum phase { PH_FREE, PH_WAIT, PH_CONNECTING, PH_BANNER, PH_DONE };

struct slot {
	uint64_t index;
	uint64_t start_ns, deadline_ns;
	uint32_t gen;
	int fd;
	uint8_t tries, self_tries;
	uint8_t phase;
	int64_t rtt_us;
	uint8_t *banner;
	size_t banner_len;
	uint32_t host;      /* entry in the worker's host table, or NO_HOST */
	uint64_t pend_next; /* next waiting probe of the host: seq + 1, 0 none */
};

struct tq {
	uint64_t seq, deadline;
	uint32_t gen;
};

struct shared {
	const struct sk_scan_connect_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a worker finished */
	unsigned finished;
	_Atomic int abort; /* setup failed: workers leave */
	_Atomic uint64_t sent, done, retries, backoffs;
	int error;
	char err[SK_ERRLEN];
};

struct worker {
	struct shared *sh;
	const struct sk_scan_connect_opts *o;
	const struct sk_plan *plan;
	pthread_t thread;
	unsigned id, nthreads;
	int ep;
	struct slot *ring;
	uint64_t head, tail; /* local sequence numbers: [head, tail) issued */
	uint64_t k_total;    /* this worker's steps */
	_Atomic uint64_t head_pub;
	unsigned inflight, cap, cap_max;
	int spare4, spare6; /* a refused socket kept for the next probe, or -1 */
	double cwnd, ssthresh; /* the global window */
	struct sk__rtt rtt;    /* every host's samples: new hosts start here */
	struct sk__hosts hosts;
	uint64_t answered;
	uint64_t backoff_until;
	uint64_t gap_ns, next_send_ns; /* --rate: time between probes */
	/* probes waiting to be (re)issued: local sequence numbers */
	uint64_t *wait;
	size_t wait_n, wait_cap;
	/* timeouts, roughly in deadline order */
	struct tq *tq;
	size_t tq_head, tq_n, tq_cap;
};

uint64_t sk_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { rl.rlim_max, rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	return rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : (uint64_t)rl.rlim_cur;
}

static struct slot *slot_of(struct worker *w, uint64_t seq)
{
	return &w->ring[seq & (RING_SIZE - 1)];
}

static uint64_t step_of(const struct worker *w, uint64_t seq)
{
	return w->o->start + w->id + seq * w->nthreads;
}

static int tq_push(struct worker *w, uint64_t seq, uint32_t gen, uint64_t deadline)
{
	if (w->tq_n == w->tq_cap) {
		size_t cap = w->tq_cap ? w->tq_cap * 2 : 4096;
		struct tq *n = malloc(cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < w->tq_n; i++)
			n[i] = w->tq[(w->tq_head + i) % w->tq_cap];
		free(w->tq);
		w->tq = n;
		w->tq_head = 0;
		w->tq_cap = cap;
	}
	w->tq[(w->tq_head + w->tq_n) % w->tq_cap] = (struct tq){ seq, deadline, gen };
	w->tq_n++;
	return 0;
}

static int wait_push(struct worker *w, uint64_t seq)
{
	if (sk_array_grow(&w->wait, &w->wait_cap, w->wait_n + 1, sizeof *w->wait))
		return -ENOMEM;
	w->wait[w->wait_n++] = seq;
	slot_of(w, seq)->phase = PH_WAIT;
	return 0;
}

static struct sk__host *host_at(struct worker *w, const struct slot *s)
{
	return s->host == NO_HOST ? NULL : &w->hosts.v[s->host];
}

static uint64_t timeout_ns(struct worker *w, const struct slot *s)
{
	const struct sk__host *h = host_at(w, s);
	return sk__rtt_timeout_ms(h ? &h->rtt : NULL, &w->rtt, w->o->min_timeout_ms,
				  w->o->max_timeout_ms) * 1000000u;
}

static void rtt_sample(struct worker *w, const struct slot *s, double us)
{
	struct sk__host *h = host_at(w, s);
	if (h)
		sk__rtt_sample(&h->rtt, us);
	sk__rtt_sample(&w->rtt, us);
}

static void grow(double *cwnd, double ssthresh, double max)
{
	if (*cwnd < ssthresh)
		*cwnd += 1;
	else
		*cwnd += 1 / *cwnd;
	if (*cwnd > max)
		*cwnd = max;
}

static void on_answer(struct worker *w, const struct slot *s)
{
	w->answered++;
	grow(&w->cwnd, w->ssthresh, w->cap_max);
	struct sk__host *h = host_at(w, s);
	if (h) {
		h->answered++;
		grow(&h->cwnd, h->ssthresh, w->cap_max);
	}
}

static void on_drop(struct worker *w, const struct slot *s)
{
	/* Silence after answers looks like loss on the way to that host:
	 * halve its window, as TCP and nmap do; the others keep theirs.
	 * Silence from the start is a filtered target, not congestion. */
	struct sk__host *h = host_at(w, s);
	if (!h || !h->answered)
		return;
	h->ssthresh = h->cwnd / 2 > HOST_CWND_MIN ? h->cwnd / 2 : HOST_CWND_MIN;
	h->cwnd = h->ssthresh;
}

static int wait_push(struct worker *w, uint64_t seq);

/* Admits the host's waiting probes while its window has room. */
static void admit(struct worker *w, struct sk__host *h)
{
	while (h->pend_head && h->out < (uint32_t)h->cwnd) {
		uint64_t seq = h->pend_head - 1;
		struct slot *s = slot_of(w, seq);
		if (wait_push(w, seq))
			return; /* out of memory: they stay waiting */
		h->pend_head = s->pend_next;
		if (!h->pend_head)
			h->pend_tail = 0;
		s->pend_next = 0;
		h->out++;
	}
}

static void pend_push(struct worker *w, struct sk__host *h, uint64_t seq)
{
	struct slot *s = slot_of(w, seq);
	s->pend_next = 0;
	s->phase = PH_WAIT;
	if (h->pend_tail)
		slot_of(w, h->pend_tail - 1)->pend_next = seq + 1;
	else
		h->pend_head = seq + 1;
	h->pend_tail = seq + 1;
}

static void fill_sockaddr(const struct sk_ip *ip, uint16_t port,
			  struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	if (ip->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, ip->bytes, 4);
		*len = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, ip->bytes, 16);
		*len = sizeof *s;
	}
}

static void close_fd(struct worker *w, struct slot *s)
{
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
		w->inflight--;
	}
}

static void finish(struct worker *w, uint64_t seq, enum sk_port_state state,
		   const char *reason)
{
	struct slot *s = slot_of(w, seq);
	close_fd(w, s);
	struct sk_scan_result r = {
		.index = s->index,
		.state = state,
		.reason = reason,
		.rtt_us = s->rtt_us,
		.ttl = -1,
		.banner = s->banner_len ? s->banner : NULL,
		.banner_len = s->banner_len,
	};
	sk_plan_probe(w->plan, s->index, &r.ip, &r.proto, &r.port);
	pthread_mutex_lock(&w->sh->lock);
	w->o->on_result(&r, w->o->ctx);
	pthread_mutex_unlock(&w->sh->lock);
	free(s->banner);
	s->banner = NULL;
	s->banner_len = 0;
	s->phase = PH_DONE;
	atomic_fetch_add(&w->sh->done, 1);
	struct sk__host *h = host_at(w, s);
	if (h) {
		h->out--;
		admit(w, h);
	}
}

static const char *errno_reason(int e)
{
	switch (e) {
	case ECONNREFUSED: return "conn-refused";
	case EHOSTUNREACH: return "host-unreach";
	case ENETUNREACH: return "net-unreach";
	case EACCES:
	case EPERM: return "admin-prohibited";
	case ETIMEDOUT: return "no-response";
	default: return "error";
	}
}

/* Sends (again) the probe in slot seq.  Returns 0 when it is under way or
 * finished, 1 when out of descriptors or ports (try later). */
static int issue(struct worker *w, uint64_t seq)
{
	struct slot *s = slot_of(w, seq);
	struct sk_ip ip;
	enum sk_scan_proto proto;
	uint16_t port;
	sk_plan_probe(w->plan, s->index, &ip, &proto, &port);
	struct sockaddr_storage ss;
	socklen_t len;
	fill_sockaddr(&ip, port, &ss, &len);
	int *spare = ip.family == AF_INET ? &w->spare4 : &w->spare6;
	int fd = *spare;
	*spare = -1;
	if (fd < 0)
		fd = socket(ip.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			return 1;
		finish(w, seq, SK_STATE_FILTERED, errno_reason(errno));
		return 0;
	}
	s->fd = fd;
	w->inflight++;
	s->gen++;
	s->tries++;
	s->start_ns = sk_clock_ns();
	s->rtt_us = -1;
	s->phase = PH_CONNECTING;
	atomic_fetch_add(&w->sh->sent, 1);
	int rc = connect(fd, (struct sockaddr *)&ss, len);
	int e = rc ? errno : 0;
	if (rc && e != EINPROGRESS) {
		if (e == EADDRNOTAVAIL || e == EAGAIN || e == ENOBUFS) {
			/* Ephemeral ports are exhausted for now. */
			close_fd(w, s);
			s->tries--;
			atomic_fetch_sub(&w->sh->sent, 1);
			return 1;
		}
		s->rtt_us = (int64_t)((sk_clock_ns() - s->start_ns) / 1000);
		finish(w, seq, e == ECONNREFUSED ? SK_STATE_CLOSED : SK_STATE_FILTERED,
		       errno_reason(e));
		return 0;
	}
	if (rc) {
		/* On loopback the whole handshake runs inside connect(): a
		 * closed port's reset is already here, and reading it now
		 * saves the epoll round trip for most probes of a scan. */
		int soe = 0;
		socklen_t sl = sizeof soe;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soe, &sl) == 0 && soe &&
		    soe != ECONNREFUSED) {
			/* Reading SO_ERROR cleared it: decide now (an ICMP
			 * error that came back inside connect()). */
			s->rtt_us = (int64_t)((sk_clock_ns() - s->start_ns) / 1000);
			finish(w, seq, SK_STATE_FILTERED, errno_reason(soe));
			return 0;
		}
		if (soe == ECONNREFUSED) {
			s->rtt_us = (int64_t)((sk_clock_ns() - s->start_ns) / 1000);
			rtt_sample(w, s, (double)s->rtt_us);
			on_answer(w, s);
			/* A refused socket is back in CLOSE state, unbound and
			 * in no epoll set.  After a connect(AF_UNSPEC) resets
			 * it to unconnected, Linux lets it connect again: one
			 * light call instead of a close() and a socket(). */
			struct sockaddr unspec = { .sa_family = AF_UNSPEC };
			if (*spare < 0 && connect(fd, &unspec, sizeof unspec) == 0) {
				*spare = fd;
				s->fd = -1;
				w->inflight--;
			}
			finish(w, seq, SK_STATE_CLOSED, "conn-refused");
			return 0;
		}
	}
	struct epoll_event ev = {
		.events = rc == 0 ? EPOLLOUT : EPOLLOUT | EPOLLERR | EPOLLHUP,
		.data.u64 = (seq & (RING_SIZE - 1)) | (uint64_t)s->gen << 32,
	};
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev)) {
		close_fd(w, s);
		finish(w, seq, SK_STATE_FILTERED, "error");
		return 0;
	}
	s->deadline_ns = s->start_ns + timeout_ns(w, s);
	if (tq_push(w, seq, s->gen, s->deadline_ns))
		return -ENOMEM;
	return 0;
}

/* 1: connected to itself (local == remote), 0: connected to the target,
 * -1: not connected at all. */
static int same_endpoint(int fd)
{
	struct sockaddr_storage a, b;
	socklen_t la = sizeof a, lb = sizeof b;
	if (getpeername(fd, (struct sockaddr *)&b, &lb))
		return -1;
	if (getsockname(fd, (struct sockaddr *)&a, &la))
		return 0;
	return la == lb && !memcmp(&a, &b, la);
}

static int retry_or_fail(struct worker *w, uint64_t seq, const char *reason)
{
	struct slot *s = slot_of(w, seq);
	close_fd(w, s);
	if (s->tries <= w->o->retries) {
		atomic_fetch_add(&w->sh->retries, 1);
		return wait_push(w, seq);
	}
	finish(w, seq, SK_STATE_FILTERED, reason);
	return 0;
}

static int on_event(struct worker *w, uint64_t data, uint32_t events)
{
	uint32_t idx = (uint32_t)(data & 0xffffffffu), gen = (uint32_t)(data >> 32);
	struct slot *s = &w->ring[idx];
	if (s->gen != gen || s->fd < 0)
		return 0;
	/* Recover the full sequence number from the ring position. */
	uint64_t seq = w->head + ((idx - w->head) & (RING_SIZE - 1));
	uint64_t now = sk_clock_ns();
	if (s->phase == PH_BANNER) {
		size_t room = BANNER_MAX - s->banner_len;
		ssize_t n = room ? read(s->fd, s->banner + s->banner_len, room) : 0;
		if (n > 0)
			s->banner_len += (size_t)n;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		finish(w, seq, SK_STATE_OPEN, "syn-ack");
		return 0;
	}
	int e = 0;
	socklen_t el = sizeof e;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el))
		e = errno;
	if (e == 0 && !(events & (EPOLLOUT)))
		return 0;
	s->rtt_us = (int64_t)((now - s->start_ns) / 1000);
	int self = e == 0 ? same_endpoint(s->fd) : 0;
	if (e == 0 && self < 0)
		return retry_or_fail(w, seq, "no-response");
	if (e == 0) {
		if (self) {
			/* TCP simultaneous open with ourselves: the port is
			 * not known to be open.  Ask again from another
			 * source port. */
			close_fd(w, s);
			s->tries--;
			if (++s->self_tries > SELF_RETRIES) {
				finish(w, seq, SK_STATE_CLOSED, "self-connect");
				return 0;
			}
			return wait_push(w, seq);
		}
		/* RST on close: no TIME_WAIT left behind by a million probes.
		 * Only connections that were made need it. */
		struct linger lg = { 1, 0 };
		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		rtt_sample(w, s, (double)s->rtt_us);
		on_answer(w, s);
		if (!w->o->banner) {
			finish(w, seq, SK_STATE_OPEN, "syn-ack");
			return 0;
		}
		s->banner = malloc(BANNER_MAX);
		if (!s->banner) {
			finish(w, seq, SK_STATE_OPEN, "syn-ack");
			return 0;
		}
		if (w->o->probe_len && send(s->fd, w->o->probe, w->o->probe_len, MSG_NOSIGNAL) < 0) {
			finish(w, seq, SK_STATE_OPEN, "syn-ack");
			return 0;
		}
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u64 = data };
		epoll_ctl(w->ep, EPOLL_CTL_MOD, s->fd, &ev);
		s->phase = PH_BANNER;
		s->deadline_ns = now + w->o->banner_timeout_ms * 1000000u;
		return tq_push(w, seq, s->gen, s->deadline_ns);
	}
	if (e == ECONNREFUSED) {
		rtt_sample(w, s, (double)s->rtt_us);
		on_answer(w, s);
		finish(w, seq, SK_STATE_CLOSED, "conn-refused");
		return 0;
	}
	if (e == ETIMEDOUT)
		return retry_or_fail(w, seq, "no-response");
	finish(w, seq, SK_STATE_FILTERED, errno_reason(e));
	return 0;
}

static int expire(struct worker *w, uint64_t now)
{
	while (w->tq_n) {
		struct tq t = w->tq[w->tq_head];
		struct slot *s = slot_of(w, t.seq);
		bool live = t.seq >= w->head && t.seq < w->tail && s->gen == t.gen &&
			    s->fd >= 0;
		if (live && t.deadline > now)
			break;
		w->tq_head = (w->tq_head + 1) % w->tq_cap;
		w->tq_n--;
		if (!live)
			continue;
		if (s->phase == PH_BANNER) {
			finish(w, t.seq, SK_STATE_OPEN, "syn-ack");
			continue;
		}
		on_drop(w, slot_of(w, t.seq));
		int rc = retry_or_fail(w, t.seq, "no-response");
		if (rc)
			return rc;
	}
	return 0;
}

static void backoff(struct worker *w, uint64_t now)
{
	/* Out of descriptors or ports: fly fewer probes and pause briefly;
	 * completions free what the next issue needs. */
	atomic_fetch_add(&w->sh->backoffs, 1);
	unsigned c = w->inflight > 16 ? w->inflight * 3 / 4 : 16;
	if (c < w->cap)
		w->cap = c;
	w->backoff_until = now + 10000000u;
}

/* How long the worker may sleep in epoll_wait: until the oldest timeout,
 * briefly during a descriptor backoff, not at all when it has more to
 * issue at once, and no later than the rate's next send. */
static int next_wait_ms(const struct worker *w, uint64_t now, bool more,
			uint64_t seq_next)
{
	int wait_ms = 50;
	if (w->tq_n) {
		uint64_t d = w->tq[w->tq_head].deadline;
		uint64_t ms = d > now ? (d - now) / 1000000u + 1 : 0;
		if (ms < (uint64_t)wait_ms)
			wait_ms = (int)ms;
	}
	if (w->backoff_until > now)
		wait_ms = wait_ms < 10 ? wait_ms : 10;
	if (more)
		wait_ms = 0;
	if (w->gap_ns && w->next_send_ns > now &&
	    (seq_next < w->k_total || w->wait_n)) {
		uint64_t ms = (w->next_send_ns - now + 999999u) / 1000000u;
		if (ms < (uint64_t)wait_ms)
			wait_ms = (int)ms;
	}
	return wait_ms;
}

/* The worker's end: its sockets closed, its error (the first of all
 * workers) kept, and the reporting thread told. */
static void worker_done(struct worker *w, int rc)
{
	if (w->spare4 >= 0)
		close(w->spare4);
	if (w->spare6 >= 0)
		close(w->spare6);
	for (uint64_t q = w->head; q < w->tail; q++) {
		struct slot *s = slot_of(w, q);
		close_fd(w, s);
		free(s->banner);
		s->banner = NULL;
	}
	pthread_mutex_lock(&w->sh->lock);
	if (rc && !w->sh->error) {
		w->sh->error = rc;
		sk_err_set(w->sh->err, rc, "connect scan");
	}
	w->sh->finished++;
	pthread_cond_signal(&w->sh->cond);
	pthread_mutex_unlock(&w->sh->lock);
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[512];
	int rc = 0;
	uint64_t seq_next = 0; /* next new local sequence to issue */
	while (!(w->o->stop && *w->o->stop) && !atomic_load(&w->sh->abort)) {
		uint64_t now = sk_clock_ns();
		/* Issue: retries first, then new steps, within the window. */
		unsigned batch = 0;
		while (now >= w->backoff_until && batch < ISSUE_BATCH) {
			if (w->gap_ns) {
				if (now < w->next_send_ns)
					break;
				/* Never catch up with a burst after a stall. */
				if (now - w->next_send_ns > 50000000u)
					w->next_send_ns = now;
				w->next_send_ns += w->gap_ns;
			}
			unsigned limit = w->cap < (unsigned)w->cwnd ? w->cap : (unsigned)w->cwnd;
			if (w->inflight >= limit)
				break;
			uint64_t seq;
			bool fresh = false;
			if (w->wait_n) {
				/* Taken off first: issuing may finish
				 * probes, which admits waiting ones. */
				seq = w->wait[--w->wait_n];
			} else if (seq_next < w->k_total && seq_next - w->head < RING_SIZE) {
				seq = seq_next;
				fresh = true;
				struct slot *s = slot_of(w, seq);
				uint32_t gen = s->gen;
				*s = (struct slot){ .fd = -1, .gen = gen, .host = NO_HOST };
				s->index = sk_plan_index(w->plan, step_of(w, seq));
				struct sk__host init = { .cwnd = w->cwnd < HOST_CWND_START ? w->cwnd : HOST_CWND_START,
							 .ssthresh = w->cap_max, .rtt = w->rtt };
				struct sk__host *h = sk__hosts_get(&w->hosts, s->index / w->plan->ports->count,
								   &init);
				if (h) {
					s->host = (uint32_t)(h - w->hosts.v);
					if (h->out >= (uint32_t)h->cwnd) {
						/* Its window is full: it waits its
						 * turn, the next host's probe goes. */
						pend_push(w, h, seq);
						seq_next++;
						w->tail = seq_next;
						batch++;
						continue;
					}
					h->out++;
				}
			} else {
				break;
			}
			int r = issue(w, seq);
			if (r < 0) {
				rc = r;
				goto out;
			}
			if (r == 1) {
				backoff(w, now);
				if (fresh) {
					struct slot *s = slot_of(w, seq);
					struct sk__host *h = host_at(w, s);
					if (h)
						h->out--;
					s->phase = PH_FREE;
				} else {
					w->wait[w->wait_n++] = seq;
					slot_of(w, seq)->phase = PH_WAIT;
				}
				break;
			}
			if (fresh) {
				seq_next++;
				w->tail = seq_next;
			}
			batch++;
		}
		while (w->head < w->tail && slot_of(w, w->head)->phase == PH_DONE)
			w->head++;
		atomic_store(&w->head_pub, w->head);
		if (w->head >= w->k_total)
			break;
		int wait_ms =
		    next_wait_ms(w, now, batch == ISSUE_BATCH, seq_next);
		/* Take every answer that is ready before declaring anything
		 * timed out: a probe whose reply sits in the ready list was
		 * answered, however long our own queue made it wait. */
		for (int round = 0; round < 64; round++) {
			int n = epoll_wait(w->ep, evs, 512, round ? 0 : wait_ms);
			if (n < 0 && errno != EINTR) {
				rc = -errno;
				goto out;
			}
			for (int i = 0; i < n; i++)
				if ((rc = on_event(w, evs[i].data.u64, evs[i].events)))
					goto out;
			if (n < 512)
				break;
		}
		if ((rc = expire(w, sk_clock_ns())))
			goto out;
		/* Completions freed descriptors: let the budget grow back. */
		if (w->cap < w->cap_max && w->backoff_until <= now)
			w->cap++;
	}
out:
	worker_done(w, rc);
	return NULL;
}

static void collect(struct shared *sh, struct worker *ws, unsigned nt,
		    struct sk_scan_stats *st)
{
	const struct sk_scan_connect_opts *o = sh->o;
	uint64_t resume = UINT64_MAX;
	for (unsigned t = 0; t < nt; t++) {
		uint64_t head = atomic_load(&ws[t].head_pub);
		uint64_t step = o->start + t + head * nt;
		if (step < resume)
			resume = step;
	}
	if (resume > o->plan->steps)
		resume = o->plan->steps;
	memset(st, 0, sizeof *st);
	st->sent = atomic_load(&sh->sent);
	st->done = atomic_load(&sh->done);
	st->retries = atomic_load(&sh->retries);
	st->backoffs = atomic_load(&sh->backoffs);
	st->resume = resume;
}

int sk_scan_connect(const struct sk_scan_connect_opts *o,
		    struct sk_scan_stats *stats, char *err)
{
	const struct sk_plan *plan = o->plan;
	memset(stats, 0, sizeof *stats);
	if (o->start >= plan->steps) {
		stats->resume = plan->steps;
		return 0;
	}
	unsigned nt = o->threads >= 2 ? 2 : 1;
	uint64_t left = plan->steps - o->start;
	if (left < 2 * nt)
		nt = 1;
	uint64_t nofile = sk_raise_nofile();
	uint64_t conc = nofile > 128 ? nofile - 64 : 64;
	if (conc > 16384)
		conc = 16384;
	if (o->concurrency && o->concurrency < conc)
		conc = o->concurrency;
	struct shared sh = { .o = o };
	pthread_mutex_init(&sh.lock, NULL);
	pthread_cond_init(&sh.cond, NULL);
	struct worker *ws = calloc(nt, sizeof *ws);
	if (!ws)
		return sk_err_set(err, -ENOMEM, "connect scan");
	int rc = 0;
	unsigned started = 0;
	for (unsigned t = 0; t < nt; t++)
		ws[t].ep = -1;
	for (unsigned t = 0; t < nt && !rc; t++) {
		struct worker *w = &ws[t];
		w->sh = &sh;
		w->o = o;
		w->plan = plan;
		w->id = t;
		w->nthreads = nt;
		w->k_total = left > t ? (left - t + nt - 1) / nt : 0;
		w->cap_max = (unsigned)(conc / nt) ? (unsigned)(conc / nt) : 1;
		w->cap = w->cap_max;
		w->cwnd = w->cap_max < 256 ? w->cap_max : 256;
		w->ssthresh = w->cap_max;
		if (o->rate)
			w->gap_ns = 1000000000ULL * nt / o->rate;
		w->spare4 = w->spare6 = -1;
		w->ring = calloc(RING_SIZE, sizeof *w->ring);
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		if (!w->ring || w->ep < 0 || sk__hosts_init(&w->hosts, 4 * (size_t)w->cap_max)) {
			rc = sk_err_set(err, w->ring ? -errno : -ENOMEM, "connect scan");
			break;
		}
		for (unsigned i = 0; i < RING_SIZE; i++)
			w->ring[i].fd = -1;
		if (pthread_create(&w->thread, NULL, run_worker, w)) {
			rc = sk_err_set(err, -EAGAIN, "connect scan: thread");
			break;
		}
		started++;
	}
	/* The caller's thread reports progress until the workers are done. */
	pthread_mutex_lock(&sh.lock);
	while (!rc && sh.finished < started) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&sh.cond, &sh.lock, &ts);
		if (sh.finished >= started)
			break;
		pthread_mutex_unlock(&sh.lock);
		collect(&sh, ws, nt, stats);
		if (o->on_progress)
			o->on_progress(stats, o->ctx);
		pthread_mutex_lock(&sh.lock);
	}
	pthread_mutex_unlock(&sh.lock);
	if (rc)
		atomic_store(&sh.abort, 1);
	for (unsigned t = 0; t < started; t++)
		pthread_join(ws[t].thread, NULL);
	if (started)
		collect(&sh, ws, nt, stats);
	for (unsigned t = 0; t < nt; t++) {
		if (ws[t].ep >= 0)
			close(ws[t].ep);
		free(ws[t].ring);
		free(ws[t].wait);
		free(ws[t].tq);
		sk__hosts_free(&ws[t].hosts);
	}
	free(ws);
	pthread_mutex_destroy(&sh.lock);
	pthread_cond_destroy(&sh.cond);
	if (!rc && sh.error)
		rc = sk_err_set(err, sh.error, "%s", sh.err);
	if (rc)
		return rc;
	return stats->resume >= plan->steps ? 0 : 1;
}
