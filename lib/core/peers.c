/* The peer table: short ids and counters.  A linear table with a last-hit
 * cache: a burst comes from one sender, and consoles list peers in id order,
 * so a hash would buy little at the sizes a console can show. */
#include "sockit/array.h"
#include "sockit/peers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"
#include "sockit/progress.h"

void sk_peers_init(struct sk_peers *t, size_t max, uint64_t now_ms)
{
	memset(t, 0, sizeof *t);
	t->max = max ? max : 4096;
	t->next_id = 1;
	t->start_ms = now_ms;
	snprintf(t->overflow.name, sizeof t->overflow.name, "(others)");
	snprintf(t->retired.name, sizeof t->retired.name, "(closed)");
	t->overflow.first_ms = t->retired.first_ms = now_ms;
}

void sk_peers_free(struct sk_peers *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

struct sk_peer *sk_peers_find(struct sk_peers *t, const struct sockaddr *sa)
{
	if (t->last < t->n && sk_sockaddr_equal((const void *)&t->v[t->last]->addr, sa))
		return t->v[t->last];
	for (size_t i = 0; i < t->n; i++)
		if (sk_sockaddr_equal((const void *)&t->v[i]->addr, sa)) {
			t->last = i;
			return t->v[i];
		}
	return NULL;
}

struct sk_peer *sk_peers_by_id(const struct sk_peers *t, unsigned id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->id == id)
			return t->v[i];
	return NULL;
}

int sk_peers_get(struct sk_peers *t, const struct sockaddr *sa, socklen_t len,
		 uint64_t now_ms, struct sk_peer **out)
{
	struct sk_peer *p = sk_peers_find(t, sa);
	if (p) {
		*out = p;
		return 0;
	}
	if (t->n >= t->max || len > sizeof p->addr) {
		*out = &t->overflow;
		return 2;
	}
	if (sk_array_grow(&t->v, &t->cap, t->n + 1, sizeof *t->v))
		return -ENOMEM;
	p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->id = t->next_id++;
	memcpy(&p->addr, sa, len);
	p->addrlen = len;
	if (sk_sockaddr_format(sa, true, p->name, sizeof p->name) < 0)
		snprintf(p->name, sizeof p->name, "?");
	p->first_ms = p->last_ms = now_ms;
	t->last = t->n;
	t->v[t->n++] = p;
	*out = p;
	return 1;
}

void sk_peers_remove(struct sk_peers *t, struct sk_peer *p)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i] != p)
			continue;
		t->retired.rx_bytes += p->rx_bytes;
		t->retired.rx_msgs += p->rx_msgs;
		t->retired.tx_bytes += p->tx_bytes;
		t->retired.tx_msgs += p->tx_msgs;
		if (p->last_ms > t->retired.last_ms)
			t->retired.last_ms = p->last_ms;
		t->nretired++;
		memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
		t->n--;
		t->last = 0;
		free(p);
		return;
	}
}

void sk_peer_rx(struct sk_peer *p, size_t n, uint64_t now_ms)
{
	p->rx_bytes += n;
	p->rx_msgs++;
	p->last_ms = now_ms;
}

void sk_peer_tx(struct sk_peer *p, size_t n, uint64_t now_ms)
{
	p->tx_bytes += n;
	p->tx_msgs++;
	p->last_ms = now_ms;
}

static int row(struct sk_str *out, const char *id, const struct sk_peer *p,
	       uint64_t since_ms, uint64_t now_ms, const char *unit)
{
	char rxr[32], txr[32], rxm[32], txm[32];
	uint64_t ms = now_ms > since_ms ? now_ms - since_ms : 0;
	sk_rate_format(p->rx_bytes, ms, "B", rxr, sizeof rxr);
	sk_rate_format(p->tx_bytes, ms, "B", txr, sizeof txr);
	sk_rate_format(p->rx_msgs, ms, unit, rxm, sizeof rxm);
	sk_rate_format(p->tx_msgs, ms, unit, txm, sizeof txm);
	return sk_str_printf(out,
			     "%-5s %-28s %12" PRIu64 " %10" PRIu64 " %12" PRIu64
			     " %10" PRIu64 "  rx %s, %s  tx %s, %s\n",
			     id, p->name, p->rx_bytes, p->rx_msgs, p->tx_bytes,
			     p->tx_msgs, rxr, rxm, txr, txm);
}

static void add(struct sk_peer *sum, const struct sk_peer *p)
{
	sum->rx_bytes += p->rx_bytes;
	sum->rx_msgs += p->rx_msgs;
	sum->tx_bytes += p->tx_bytes;
	sum->tx_msgs += p->tx_msgs;
}

void sk_peers_total(const struct sk_peers *t, struct sk_peer *sum)
{
	*sum = (struct sk_peer){ 0 };
	for (size_t i = 0; i < t->n; i++)
		add(sum, t->v[i]);
	add(sum, &t->overflow);
	add(sum, &t->retired);
}

int sk_peers_format(const struct sk_peers *t, uint64_t now_ms,
		    const char *unit, struct sk_str *out)
{
	int rc = sk_str_printf(out, "%-5s %-28s %12s %10s %12s %10s  %s\n", "id",
			       "peer", "rx bytes", unit, "tx bytes", unit, "rates");
	struct sk_peer total;
	sk_peers_total(t, &total);
	snprintf(total.name, sizeof total.name, "%zu peer%s", t->n + t->nretired,
		 t->n + t->nretired == 1 ? "" : "s");
	for (size_t i = 0; i < t->n && !rc; i++) {
		const struct sk_peer *p = t->v[i];
		char id[16];
		snprintf(id, sizeof id, "%u", p->id);
		rc = row(out, id, p, p->first_ms, now_ms, unit);
	}
	const struct sk_peer *extra[] = { &t->overflow, &t->retired };
	for (size_t i = 0; i < 2 && !rc; i++) {
		const struct sk_peer *p = extra[i];
		if (!p->rx_msgs && !p->tx_msgs && !(i == 1 && t->nretired))
			continue;
		rc = row(out, "-", p, t->start_ms, now_ms, unit);
	}
	if (!rc)
		rc = row(out, "total", &total, t->start_ms, now_ms, unit);
	return rc;
}
