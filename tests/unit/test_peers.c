#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>

#include "sockit/peers.h"

static struct sockaddr_in v4(const char *ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

Test(peers, ids_lookup_counters)
{
	struct sk_peers t;
	sk_peers_init(&t, 0, 1000);
	struct sockaddr_in a = v4("127.0.0.1", 4000), b = v4("127.0.0.1", 4001);
	struct sockaddr_in6 c = { .sin6_family = AF_INET6, .sin6_port = htons(5400) };
	inet_pton(AF_INET6, "::1", &c.sin6_addr);
	struct sk_peer *p, *q, *r, *again;
	cr_assert_eq(sk_peers_get(&t, (void *)&a, sizeof a, 1000, &p), 1);
	cr_assert_eq(sk_peers_get(&t, (void *)&b, sizeof b, 1000, &q), 1);
	cr_assert_eq(sk_peers_get(&t, (void *)&c, sizeof c, 1000, &r), 1);
	cr_assert_eq(sk_peers_get(&t, (void *)&a, sizeof a, 1000, &again), 0);
	cr_expect_eq(again, p);
	cr_expect_eq(p->id, 1);
	cr_expect_eq(q->id, 2);
	cr_expect_eq(r->id, 3);
	cr_expect_str_eq(p->name, "127.0.0.1:4000");
	cr_expect_str_eq(r->name, "[::1]:5400");
	cr_expect_eq(sk_peers_by_id(&t, 2), q);
	cr_expect_null(sk_peers_by_id(&t, 9));
	cr_expect_eq(sk_peers_find(&t, (void *)&b), q);
	sk_peer_rx(p, 10, 2000);
	sk_peer_rx(p, 5, 2000);
	sk_peer_tx(p, 7, 2000);
	cr_expect_eq(p->rx_bytes, 15);
	cr_expect_eq(p->rx_msgs, 2);
	cr_expect_eq(p->tx_bytes, 7);
	cr_expect_eq(p->tx_msgs, 1);
	/* Removing keeps the totals and never reuses the id. */
	sk_peers_remove(&t, p);
	cr_expect_null(sk_peers_by_id(&t, 1));
	cr_expect_eq(t.retired.rx_bytes, 15);
	struct sk_peer *d;
	cr_assert_eq(sk_peers_get(&t, (void *)&a, sizeof a, 3000, &d), 1);
	cr_expect_eq(d->id, 4);
	struct sk_str s = { 0 };
	cr_assert_eq(sk_peers_format(&t, 3000, "dgrams", &s), 0);
	cr_expect(strstr(s.p, "[::1]:5400") != NULL, "%s", s.p);
	cr_expect(strstr(s.p, "(closed)") != NULL, "%s", s.p);
	cr_expect(strstr(s.p, "total") != NULL, "%s", s.p);
	cr_expect(strstr(s.p, "4 peers") != NULL, "%s", s.p);
	/* 15 bytes over 2 s of run: the total row's rx rate. */
	cr_expect(strstr(s.p, "rx 8 B/s") != NULL, "%s", s.p);
	sk_str_free(&s);
	sk_peers_free(&t);
}

Test(peers, overflow_bucket_when_full)
{
	struct sk_peers t;
	sk_peers_init(&t, 2, 0);
	struct sk_peer *p;
	for (uint16_t port = 1; port <= 2; port++) {
		struct sockaddr_in a = v4("127.0.0.1", port);
		cr_assert_eq(sk_peers_get(&t, (void *)&a, sizeof a, 0, &p), 1);
	}
	struct sockaddr_in a = v4("127.0.0.1", 3);
	cr_expect_eq(sk_peers_get(&t, (void *)&a, sizeof a, 0, &p), 2);
	cr_expect_eq(p, &t.overflow);
	cr_expect_eq(p->id, 0);
	sk_peer_rx(p, 3, 0);
	sk_peer_tx(t.v[0], 5, 0);
	sk_peer_rx(t.v[1], 7, 0);
	sk_peers_remove(&t, t.v[1]); /* its counters go to the retired row */
	struct sk_peer sum;
	sk_peers_total(&t, &sum);
	cr_expect_eq(sum.rx_bytes, 10);
	cr_expect_eq(sum.rx_msgs, 2);
	cr_expect_eq(sum.tx_bytes, 5);
	cr_expect_eq(sum.tx_msgs, 1);
	struct sk_str s = { 0 };
	sk_peers_format(&t, 1000, "dgrams", &s);
	cr_expect(strstr(s.p, "(others)") != NULL, "%s", s.p);
	sk_str_free(&s);
	sk_peers_free(&t);
}
