/* The peer table shared by `udp chat`, `udp listen --stats` and
 * `tcp listen -k`: every peer gets a short id (1, 2, 3...) shown on its
 * lines and used by console commands, and RX/TX counters for /peers and
 * --stats.  Pure: no I/O; the caller passes the clock (monotonic ms).
 *
 * How TCP uses it: sk_peers_get on accept (the peer address is unique per
 * connection while it lives), keep the returned pointer in the connection
 * (peer->user can point back at it), count with sk_peer_rx/sk_peer_tx,
 * sk_peers_remove on close (its counters move into the retired totals, so
 * --stats at exit still adds up).  UDP never removes: a datagram sender is a
 * peer for the whole run.
 */
#ifndef SOCKIT_PEERS_H
#define SOCKIT_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sockit/endpoint.h"
#include "sockit/output.h"

struct sk_peer {
	unsigned id; /* 1, 2, ...; 0 for the overflow bucket */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char name[SK_ADDRSTRLEN]; /* "127.0.0.1:40112", "[::1]:5400" */
	uint64_t rx_bytes, rx_msgs, tx_bytes, tx_msgs;
	uint64_t first_ms, last_ms; /* first and last activity */
	void *user;                 /* the caller's, never touched here */
};

/* Zero-initialise, then sk_peers_init.  Peers are allocated one by one, so
 * a struct sk_peer * stays valid until sk_peers_remove or sk_peers_free. */
struct sk_peers {
	struct sk_peer **v;
	size_t n, cap;
	size_t max;          /* peers kept; past it, traffic goes to overflow */
	unsigned next_id;
	size_t last;         /* index of the last lookup hit: bursts are cheap */
	uint64_t start_ms;
	struct sk_peer overflow; /* id 0: peers past max */
	struct sk_peer retired;  /* counters of removed peers */
	size_t nretired;
};

void sk_peers_init(struct sk_peers *t, size_t max, uint64_t now_ms);
void sk_peers_free(struct sk_peers *t);

/* Finds the peer with this address or adds it.  Returns 1 when added, 0
 * when found, 2 when the table is full (*out is then the overflow bucket,
 * id 0), or -ENOMEM. */
int sk_peers_get(struct sk_peers *t, const struct sockaddr *sa,
		 socklen_t len, uint64_t now_ms, struct sk_peer **out);

/* Lookups; NULL when absent. */
struct sk_peer *sk_peers_find(struct sk_peers *t, const struct sockaddr *sa);
struct sk_peer *sk_peers_by_id(const struct sk_peers *t, unsigned id);

/* Removes and frees a peer, adding its counters to t->retired. */
void sk_peers_remove(struct sk_peers *t, struct sk_peer *p);

/* Counts one message of n bytes each way. */
void sk_peer_rx(struct sk_peer *p, size_t n, uint64_t now_ms);
void sk_peer_tx(struct sk_peer *p, size_t n, uint64_t now_ms);

/* The counters of every peer, the overflow and the retired rows added
 * up into sum's rx/tx fields (the rest of sum is not meaningful). */
void sk_peers_total(const struct sk_peers *t, struct sk_peer *sum);

/* Appends the table: a header, one line per peer (id, address, RX/TX bytes
 * and messages, rates since the peer was first seen), the overflow and
 * retired rows when used, and a total line with rates over the whole run.
 * unit names the messages ("dgrams", "reads").  Returns 0 or SK_ELIMIT /
 * -ENOMEM. */
int sk_peers_format(const struct sk_peers *t, uint64_t now_ms,
		    const char *unit, struct sk_str *out);

#endif
