/* The datagram session: pacing, answers, accounting and the end of a run
 * over one sk_udp socket. */
#include "sockit/udp_session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockit/error.h"
#include "sockit/responder.h"
#include "udp_session_int.h"

void sk__udp_session_end(struct sk_udp_session *s, enum sk_udp_session_end why, int code)
{
	if (s->stopped)
		return;
	sk_udp_session_stop(s);
	if (s->cbs.on_end)
		s->cbs.on_end(s->data, why, code);
}

/* p[0..n) and its suffix in one malloc'd buffer (*len: both). */
static uint8_t *with_suffix(const uint8_t *p, size_t n, const uint8_t *suffix,
			    size_t sn, size_t *len)
{
	uint8_t *all = malloc(n + sn + 1);
	if (!all)
		return NULL;
	if (n)
		memcpy(all, p, n);
	if (sn)
		memcpy(all + n, suffix, sn);
	*len = n + sn;
	return all;
}

static uint8_t *assemble(const struct sk_udp_session *s, const uint8_t *p,
			 size_t n, size_t *len)
{
	uint8_t suffix[SK_APPEND_MAX];
	size_t sn = s->o.append ? sk_append_suffix(&s->append, p, n, suffix) : 0;
	return with_suffix(p, n, suffix, sn, len);
}

/* Sends a whole datagram to sa, counts it on peer and reports it.  The
 * address is separate: the overflow peer of a full table has none. */
static int send_whole(struct sk_udp_session *s, struct sk_peer *peer,
		      const struct sockaddr *sa, socklen_t salen,
		      const uint8_t *p, size_t n, bool answer)
{
	struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
	int rc = sk_udp_send(s->u, &iov, 1, sa, salen);
	if (rc < 0)
		return rc;
	s->sent++;
	if (peer)
		sk_peer_tx(peer, (size_t)rc, uv_now(s->loop));
	if (s->cbs.on_sent)
		s->cbs.on_sent(s->data, sa, peer, p, n, answer);
	return rc;
}

size_t sk_udp_session_wire_len(const struct sk_udp_session *s,
			       const uint8_t *p, size_t n)
{
	uint8_t suffix[SK_APPEND_MAX];
	return n + (s->o.append ? sk_append_suffix(&s->append, p, n, suffix) : 0);
}

/* The peer to count traffic to sa on, or NULL. */
static struct sk_peer *peer_of(struct sk_udp_session *s, const struct sockaddr *sa,
			       socklen_t len)
{
	struct sk_peer *peer;
	return sk_peers_get(&s->peers, sa, len, uv_now(s->loop), &peer) < 0 ? NULL : peer;
}

/* p[0..n) with its suffix, as assemble makes it, in *out; -EMSGSIZE when
 * that is more than the socket's family carries. */
static int assemble_to_send(const struct sk_udp_session *s, const uint8_t *p, size_t n,
			    uint8_t **out, size_t *len)
{
	*out = assemble(s, p, n, len);
	if (!*out)
		return -ENOMEM;
	if (*len <= s->max_payload)
		return 0;
	free(*out);
	*out = NULL;
	return -EMSGSIZE;
}

int sk_udp_session_send(struct sk_udp_session *s, const struct sockaddr *to,
			socklen_t tolen, const uint8_t *p, size_t n)
{
	if (tolen > sizeof(struct sockaddr_storage))
		return -EINVAL;
	size_t len;
	uint8_t *all;
	int rc = assemble_to_send(s, p, n, &all, &len);
	if (rc < 0)
		return rc;
	rc = send_whole(s, peer_of(s, to, tolen), to, tolen, all, len, false);
	free(all);
	return rc;
}

static void after_input(struct sk_udp_session *s);
static void pump(struct sk_udp_session *s);

static void on_tick(uv_timer_t *t)
{
	struct sk_udp_session *s = t->data;
	s->pausing = false;
	pump(s);
}

/* All copies but the last in sendmmsg batches, counted in bulk. */
static int send_batches(struct sk_udp_session *s)
{
	struct iovec iov = { .iov_base = s->cur, .iov_len = s->curlen };
	struct sk_peer *to = s->to_peer;
	while (s->left > 1) {
		unsigned n = s->left - 1 > REPEAT_CHUNK ? REPEAT_CHUNK : (unsigned)(s->left - 1);
		int rc = sk_udp_send_repeat(s->u, &iov, 1, (const struct sockaddr *)&s->to,
					    s->tolen, n);
		if (rc < 0)
			return rc;
		s->sent += (uint64_t)rc;
		s->left -= (uint64_t)rc;
		if (to) {
			to->tx_bytes += (uint64_t)rc * s->curlen;
			to->tx_msgs += (uint64_t)rc;
		}
	}
	return 0;
}

static void unqueue(struct sk_udp_session *s)
{
	free(s->cur);
	s->cur = NULL;
	s->have = s->forever = false;
	s->left = 0;
	uv_timer_stop(&s->tick);
	s->pausing = false;
}

/* Sends what is due now; a copy per interval when there is one. */
static void pump(struct sk_udp_session *s)
{
	int rc = 0;
	if (s->have && !s->pausing && !s->interval_ms && !s->o.each)
		rc = send_batches(s);
	while (!rc && !s->stopped && s->have && (s->left || s->forever) && !s->pausing) {
		if (!s->forever)
			s->left--;
		rc = send_whole(s, s->to_peer, (const struct sockaddr *)&s->to, s->tolen,
				s->cur, s->curlen, false);
		if (rc < 0)
			break;
		rc = 0;
		if (s->have && s->interval_ms && (s->left || s->forever || !s->input_ended)) {
			s->pausing = true;
			uv_timer_start(&s->tick, on_tick, s->interval_ms, 0);
		}
	}
	if (rc < 0 && s->o.end_after_input) {
		sk__udp_session_end(s, SK_UDP_SESSION_FAILED, rc);
		return;
	}
	if (rc < 0) {
		unqueue(s);
		if (s->cbs.on_send_error)
			s->cbs.on_send_error(s->data, s->to_peer, rc, false);
		return;
	}
	if (s->stopped || s->pausing || (s->have && (s->left || s->forever)))
		return;
	if (s->have) {
		unqueue(s);
		if (!s->input_ended) {
			if (s->in)
				sk_fdin_resume(s->in);
			if (s->cbs.on_drained)
				s->cbs.on_drained(s->data);
			return;
		}
	}
	if (s->input_ended)
		after_input(s);
}

int sk_udp_session_queue(struct sk_udp_session *s, const struct sockaddr *to,
			 socklen_t tolen, const uint8_t *p, size_t n,
			 uint64_t repeat, uint64_t interval_ms)
{
	if (s->stopped || s->input_ended)
		return -EPIPE;
	if (s->have)
		return -EBUSY;
	if ((!repeat && !interval_ms) || tolen > sizeof s->to)
		return -EINVAL;
	int rc = assemble_to_send(s, p, n, &s->cur, &s->curlen);
	if (rc < 0)
		return rc;
	memcpy(&s->to, to, tolen);
	s->tolen = tolen;
	s->to_peer = peer_of(s, to, tolen);
	s->have = true;
	s->forever = !repeat;
	s->left = repeat;
	s->interval_ms = interval_ms;
	pump(s);
	return 0;
}

uint64_t sk_udp_session_queued(const struct sk_udp_session *s)
{
	return !s->have ? 0 : s->forever ? UINT64_MAX : s->left;
}

bool sk_udp_session_unqueue(struct sk_udp_session *s)
{
	bool had = s->have;
	unqueue(s);
	return had;
}

static void on_deadline(uv_timer_t *t)
{
	sk__udp_session_end(t->data, SK_UDP_SESSION_WAITED, 0);
}

static bool replied(const struct sk_udp_session *s)
{
	return s->waiting && s->o.end_on_replies && s->received >= s->sent;
}

/* The input has ended and all of it is sent. */
static void after_input(struct sk_udp_session *s)
{
	if (!s->o.end_after_input || s->waiting)
		return;
	if (!s->o.wait_ms) {
		sk__udp_session_end(s, SK_UDP_SESSION_SENT, 0);
		return;
	}
	s->waiting = true;
	if (replied(s)) {
		sk__udp_session_end(s, SK_UDP_SESSION_REPLIED, 0);
		return;
	}
	uv_timer_start(&s->deadline, on_deadline, s->o.wait_ms, 0);
}

void sk_udp_session_input_end(struct sk_udp_session *s)
{
	if (s->input_ended || s->stopped)
		return;
	s->input_ended = true;
	/* All copies sent, only the interval after the last left: it was
	 * for a datagram that will not come. */
	if (s->have && !s->left && !s->forever)
		unqueue(s);
	if (!s->have)
		after_input(s);
}

/* The automatic answer to d, if the responder has one. */
static void answer(struct sk_udp_session *s, const struct sk_dgram *d,
		   struct sk_peer *peer)
{
	if (!s->resp.rules && !s->resp.echo)
		return;
	char name[SK_ADDRSTRLEN] = "";
	if (s->resp.rules)
		sk_sockaddr_format(d->from, true, name, sizeof name);
	struct sk_response out;
	int rc = sk_respond(&s->resp, d->data, d->len, name, time(NULL),
			    s->max_payload, &out);
	if (rc > 0) {
		size_t len;
		uint8_t *all = with_suffix(out.p, out.n, out.suffix, out.sn, &len);
		rc = all ? send_whole(s, peer, d->from, d->fromlen, all, len, true)
			 : -ENOMEM;
		free(all);
	}
	sk_response_free(&out);
	if (rc < 0 && s->cbs.on_send_error)
		s->cbs.on_send_error(s->data, peer, rc, true);
}

static void on_dgram(void *arg, const struct sk_dgram *d)
{
	struct sk_udp_session *s = arg;
	uint64_t now = uv_now(s->loop);
	struct sk_peer *peer = NULL;
	if (sk_peers_get(&s->peers, d->from, d->fromlen, now, &peer) < 0)
		peer = NULL;
	if (peer)
		sk_peer_rx(peer, d->size, now);
	if (peer && peer->id)
		s->last = peer;
	s->received++;
	if (s->cbs.on_recv)
		s->cbs.on_recv(s->data, d, peer);
	if (s->stopped)
		return;
	answer(s, d, peer);
	if (s->o.count && s->received >= s->o.count)
		sk__udp_session_end(s, SK_UDP_SESSION_COUNT, 0);
	else if (replied(s))
		sk__udp_session_end(s, SK_UDP_SESSION_REPLIED, 0);
	else if (s->o.idle_ms)
		uv_timer_again(&s->idle);
}

static void on_idle(uv_timer_t *t)
{
	sk__udp_session_end(t->data, SK_UDP_SESSION_IDLE, 0);
}

static void timer_init(struct sk_udp_session *s, uv_timer_t *t)
{
	uv_timer_init(s->loop, t);
	t->data = s;
	s->open_handles++;
}

int sk_udp_session_new(uv_loop_t *loop, struct sk_udp *u,
		       const struct sk_udp_session_opts *opts,
		       const struct sk_udp_session_cbs *cbs, void *data,
		       struct sk_udp_session **out, char *err)
{
	*out = NULL;
	struct sk_udp_session *s = calloc(1, sizeof *s);
	if (!s) {
		sk_udp_close(u);
		return sk_err_set(err, -ENOMEM, "UDP session");
	}
	s->loop = loop;
	s->u = u;
	s->o = *opts;
	if (cbs)
		s->cbs = *cbs;
	s->data = data;
	if (opts->append) {
		s->append = *opts->append;
		s->o.append = &s->append;
	}
	s->resp = (struct sk_responder){ .rules = opts->rules, .echo = opts->echo,
					 .append = s->o.append };
	s->max_payload = sk_udp_max_payload(sk_udp_family(u));
	sk_peers_init(&s->peers, 0, uv_now(loop));
	timer_init(s, &s->tick);
	timer_init(s, &s->deadline);
	timer_init(s, &s->idle);
	int rc = 0;
	if (opts->max_size)
		rc = sk_udp_recv_start(u, opts->max_size, BATCH, on_dgram, s, err);
	if (rc < 0) {
		sk_udp_session_free(s);
		return rc;
	}
	if (opts->idle_ms)
		uv_timer_start(&s->idle, on_idle, opts->idle_ms, opts->idle_ms);
	*out = s;
	return 0;
}

struct sk_udp *sk_udp_session_udp(const struct sk_udp_session *s)
{
	return s->u;
}

struct sk_peers *sk_udp_session_peers(struct sk_udp_session *s)
{
	return &s->peers;
}

int sk_udp_session_peer(struct sk_udp_session *s, const struct sockaddr *sa,
			socklen_t len, struct sk_peer **out)
{
	return sk_peers_get(&s->peers, sa, len, uv_now(s->loop), out);
}

struct sk_peer *sk_udp_session_last(const struct sk_udp_session *s)
{
	return s->last;
}

uint64_t sk_udp_session_sent(const struct sk_udp_session *s)
{
	return s->sent;
}

uint64_t sk_udp_session_received(const struct sk_udp_session *s)
{
	return s->received;
}

void sk_udp_session_stop(struct sk_udp_session *s)
{
	if (s->stopped)
		return;
	s->stopped = true;
	sk_fdin_close(s->in);
	s->in = NULL;
	sk_udp_recv_stop(s->u);
	uv_timer_stop(&s->tick);
	uv_timer_stop(&s->deadline);
	uv_timer_stop(&s->idle);
	s->pausing = false;
}

static void timer_closed(uv_handle_t *h)
{
	struct sk_udp_session *s = h->data;
	if (--s->open_handles)
		return;
	free(s->cur);
	sk_str_free(&s->all);
	sk_peers_free(&s->peers);
	free(s);
}

void sk_udp_session_free(struct sk_udp_session *s)
{
	if (!s)
		return;
	sk_udp_session_stop(s);
	sk_udp_close(s->u);
	s->u = NULL;
	uv_close((uv_handle_t *)&s->tick, timer_closed);
	uv_close((uv_handle_t *)&s->deadline, timer_closed);
	uv_close((uv_handle_t *)&s->idle, timer_closed);
}
