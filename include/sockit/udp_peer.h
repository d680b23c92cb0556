/* One UDP peer as a libuv stream, for the one-stream relay (sockit/relay.h
 * with datagram_max set): what nc -u HOST PORT and nc -ul PORT do.
 *
 * The socket is connect(2)ed to its peer, so the kernel delivers only that
 * peer's datagrams and sends to it with plain writes; it is then opened as
 * a uv_pipe_t, where each read returns one datagram and each write sends
 * one.  Two things follow from reading with read(2): an empty datagram
 * reads as the end of the stream (as nc -u takes it), and an ICMP port
 * unreachable comes back as -ECONNREFUSED on the next read or write.
 *
 * Listening (sk_udp_accept_start) binds, waits for the first datagram and
 * locks onto its sender as ncat -ul does: datagrams from anyone else that
 * were queued before the lock are dropped, and later ones never reach the
 * socket.
 */
#ifndef SOCKIT_UDP_PEER_H
#define SOCKIT_UDP_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

/* Opens a UDP socket in peer's family, bound to local when not NULL, and
 * connected to peer; *out is the stream (malloc'ed; the relay takes it, or
 * close it with sk_stream_close).  Returns 0 or a negative code with err
 * filled ("bind 127.0.0.1:53: address in use"). */
int sk_udp_peer_connect(uv_loop_t *loop, const struct sockaddr *peer,
			socklen_t peer_len, const struct sockaddr *local,
			socklen_t local_len, uv_stream_t **out, char *err);

struct sk_udp_accept;

/* The first sender, locked: stream is connected to it (owned by the
 * callee, as from sk_udp_peer_connect), peer its address (IPv4 as
 * AF_INET even on a dual-stack socket), first[0..first_len) what it sent
 * before the lock (its first datagram, and any others queued behind it,
 * one after the other), valid during the call.  On a failure status is
 * negative, err says what failed, and stream is NULL.  Called once; the
 * accept object is gone when it returns. */
typedef void (*sk_udp_accept_cb)(void *data, int status, uv_stream_t *stream,
				 const struct sockaddr *peer,
				 const uint8_t *first, size_t first_len,
				 const char *err);

/* Binds local (an AF_INET6 address is dual-stack unless v6only) and waits
 * on the loop for the first datagram.  Returns 0 or a negative code with
 * err filled; then no callback runs. */
int sk_udp_accept_start(uv_loop_t *loop, const struct sockaddr *local,
			socklen_t local_len, bool v6only, sk_udp_accept_cb cb,
			void *data, struct sk_udp_accept **out, char *err);

/* The bound address (the port the kernel chose for port 0). */
int sk_udp_accept_local(const struct sk_udp_accept *a,
			struct sockaddr_storage *ss, socklen_t *len);

/* Stops waiting before the callback ran; no callback runs.  Frees a
 * through the loop: run the loop once more before uv_loop_close. */
void sk_udp_accept_cancel(struct sk_udp_accept *a);

#endif
