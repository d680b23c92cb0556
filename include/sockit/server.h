/* A multi-client TCP (or unix, or TLS) server on one libuv loop: the
 * engine of `tcp listen -k` and of the terminal UI's server mode.
 *
 * The engine owns the listener, the clients and their state: a short id
 * per client (1, 2, 3 ... shown by consoles), an access list checked at
 * accept, a cap on clients at once, an idle timer per client, a cap on
 * the bytes queued to each client (a reader too slow for what broker or
 * chat sends it is dropped rather than buffered without bound; echo and
 * exec pause the client instead, since it only slows itself), the
 * broker/chat broadcast, line assembly, the auto-responder and one
 * program per client.  It never prints: everything that happens is
 * reported through the callbacks, on the caller's loop, and the caller
 * shows it.
 *
 * Use:
 *     struct sk_server_opts o = { .mode = SK_SERVER_BROKER, .keep = true };
 *     struct sk_server_cbs cbs = { .on_join = joined, .on_leave = left };
 *     sk_server_new(loop, &o, &cbs, me, &srv);
 *     sk_server_listen(srv, &ep, NULL, err);   // then format the address:
 *     sk_listener_format(sk_server_listener(srv), buf, sizeof buf);
 *     uv_run(loop, UV_RUN_DEFAULT);            // until on_stop, and the
 *                                              // closes it started are done
 *     sk_server_free(srv);
 * Any time on the loop: sk_server_send(srv, id, ...), sk_server_send_all,
 * sk_server_kick(srv, id, why), walk the clients with sk_server_first /
 * sk_server_next, or read the peer table (counters of every client, and of
 * those gone) with sk_server_peers; sk_server_stop(srv) to end.
 *
 * Callbacks may call any sk_server_* function (send, kick, stop) from
 * inside.  A struct sk_server_client * passed to a callback stays valid
 * until that client's on_leave returns; look clients up again by id
 * afterwards.
 */
#ifndef SOCKIT_SERVER_H
#define SOCKIT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "sockit/cidr.h"
#include "sockit/endpoint.h"
#include "sockit/hostlist.h"
#include "sockit/listen.h"
#include "sockit/peers.h"
#include "sockit/rules.h"
#include "sockit/tls.h"

struct sk_append;
struct sk_server;
struct sk_server_client;

/* Who may connect: any address in deny is refused; with an allow list
 * that holds anything, only addresses in it are let in (NULL lists are
 * empty).  Unix-socket peers always pass (the socket file's permissions
 * decide); a peer without an address (it reset before it was accepted)
 * passes only when both lists are empty.  The lists are the caller's and
 * must outlive the server. */
struct sk_acl {
	const struct sk_hostlist *allow, *deny;
};

bool sk_acl_allows(const struct sk_acl *a, const struct sockaddr_storage *peer);

enum sk_server_mode {
	/* Nothing is sent back; the caller shows what comes in. */
	SK_SERVER_RECEIVE,
	/* Each client's bytes back to it. */
	SK_SERVER_ECHO,
	/* The rules answer each read (sockit/responder.h). */
	SK_SERVER_REPLY,
	/* Each client's bytes to every other client. */
	SK_SERVER_BROKER,
	/* Each line to the others as "<userN> line", and "<announce>" lines
	 * when clients come and go (enum sk_chat_style). */
	SK_SERVER_CHAT,
	/* One program per client (sockit/exec.h): plain TCP hands it the
	 * socket, TLS relays through pipes. */
	SK_SERVER_EXEC,
};

/* What chat mode says.  N is the client's id (1, 2, 3 ..., never reused),
 * where ncat uses its descriptor numbers.
 *   SK_CHAT_NCAT, ncat --chat's words: to everyone, the newcomer too,
 *     "<announce> ADDR is connected as <userN>.\n" and then
 *     "<announce> already connected: ADDR as <userM>, ... .\n" (oldest
 *     first; "nobody." when alone); "<announce> <userN> is
 *     disconnected.\n" when one leaves; lines as "<userN> text\n" with
 *     control characters but tab and CR written \ooo, and the operator's
 *     bytes (sk_server_say) as "<user0> ".  ADDR has no port.
 *   SK_CHAT_SOCKIT: "<announce> ADDR:PORT is connected as <userN>.\n" to
 *     the others only, "<announce> <userN> is gone.\n", lines as sent. */
enum sk_chat_style { SK_CHAT_NCAT, SK_CHAT_SOCKIT };

/* The longest line on_line delivers: a longer one comes in pieces. */
#define SK_SERVER_LINE_MAX 4096

struct sk_server_opts {
	enum sk_server_mode mode;
	/* Many clients; false: the first client only (the listener closes
	 * when it joins) and the server stops when it leaves. */
	bool keep;
	/* Assemble lines for on_line (chat always does). */
	bool lines;
	/* Clients at once; 0: 1000. */
	uint64_t max_conns;
	/* Drop a client silent this long; 0: never. */
	uint64_t idle_ms;
	/* Bytes queued to one client; 0: 1 MiB. */
	uint64_t max_buffer;
	/* SK_SERVER_REPLY: the rules, and a suffix on every answer (may be
	 * NULL).  Not owned. */
	struct sk_rules *rules;
	const struct sk_append *append;
	/* SK_SERVER_EXEC: the program and its arguments, NULL-terminated;
	 * not owned. */
	char *const *exec_argv;
	/* SK_SERVER_CHAT: whose words. */
	enum sk_chat_style chat_style;
	/* SK_SERVER_EXEC: LF becomes CRLF in the program's output (an LF
	 * after a CR stays alone), as netcat's -C does; the program then
	 * runs on pipes the engine relays instead of on the socket. */
	bool exec_crlf;
	struct sk_acl acl;
	/* A server TLS context, or NULL for plain.  Not owned. */
	struct sk_tls_ctx *tls;
};

/* Why a connection was refused at accept (it is closed, no client made). */
enum sk_server_refusal {
	SK_SERVER_DENIED, /* the access list refuses its address */
	SK_SERVER_FULL,	  /* max_conns clients already */
	SK_SERVER_FAILED, /* detail says why: out of memory, TLS setup, a
			   * program that could not start ... */
};

/* Why a client left. */
enum sk_server_leave {
	SK_SERVER_CLOSED,  /* closed by the peer (and its answers sent) */
	SK_SERVER_SLOW,	   /* more than max_buffer bytes queued to it */
	SK_SERVER_IDLE,	   /* silent for idle_ms */
	SK_SERVER_KICKED,  /* sk_server_kick; detail is its reason */
	SK_SERVER_STOPPED, /* the server stopped */
	SK_SERVER_ERROR,   /* the connection failed; detail: "what: why" */
	SK_SERVER_ENDED,   /* exec: the program ended, its output sent;
			    * detail: "program exited with status 0" */
};

/* Every callback may be NULL; data is the pointer given to sk_server_new. */
struct sk_server_cbs {
	/* A client was accepted (its id is new, its stream not ready yet). */
	void (*on_join)(void *data, struct sk_server_client *c);
	/* Its stream is ready: at once for plain, after the handshake for TLS
	 * (sk_server_client_tls tells what was negotiated). */
	void (*on_ready)(void *data, struct sk_server_client *c);
	/* A connection was refused; addr as sk_stream_peer_name gives it,
	 * detail a short reason (never NULL). */
	void (*on_refuse)(void *data, const char *addr,
			  enum sk_server_refusal why, const char *detail);
	/* Bytes from a client (every read, before the mode acts on them). */
	void (*on_data)(void *data, struct sk_server_client *c,
			const uint8_t *p, size_t n);
	/* A complete line (without "\n" or "\r\n"), when lines are on or in
	 * chat mode; a partial line is delivered when its client leaves. */
	void (*on_line)(void *data, struct sk_server_client *c,
			const char *line, size_t n);
	/* Bytes queued to a client (echo, answers, broadcasts, sends, a
	 * program's output). */
	void (*on_sent)(void *data, struct sk_server_client *c,
			const uint8_t *p, size_t n);
	/* The rules could not build an answer (SK_ELIMIT, -ENOMEM). */
	void (*on_reply_error)(void *data, struct sk_server_client *c,
			       int code);
	/* A client left; detail says why in words (never NULL).  It is out of
	 * sk_server_count and the client list already, its counters final. */
	void (*on_leave)(void *data, struct sk_server_client *c,
			 enum sk_server_leave why, const char *detail);
	/* An accept failed.  Out of descriptors (-EMFILE, -ENFILE) the
	 * listener drops each waiting connection: reported once when such a
	 * burst starts (dropped 0) and once when it ends (dropped = how many:
	 * a client got in again, or the server stopped).  Any other error is
	 * reported each time (dropped 1). */
	void (*on_accept_error)(void *data, int status, uint64_t dropped);
	/* The server stopped (sk_server_stop, or in one-client mode its client
	 * left): every client has left, the listener is closing. */
	void (*on_stop)(void *data);
};

/* Makes a server; opts (copied) and cbs (copied) as above.  Returns 0, or
 * -EINVAL (exec mode without a program, reply mode without rules) or
 * -ENOMEM. */
int sk_server_new(uv_loop_t *loop, const struct sk_server_opts *opts,
		  const struct sk_server_cbs *cbs, void *data,
		  struct sk_server **out);

/* Listens on ep (lopts may be NULL) and starts accepting.  Once only.
 * Returns 0 or a negative code with err filled (as sk_listen_start). */
int sk_server_listen(struct sk_server *s, const struct sk_endpoint *ep,
		     const struct sk_listen_opts *lopts, char *err);

/* The listener (for sk_listener_format, sk_listener_is_local), or NULL
 * once it is closed. */
const struct sk_listener *sk_server_listener(const struct sk_server *s);

/* Stops: no more clients, every client leaves (SK_SERVER_STOPPED; a
 * program still running is sent SIGTERM), then on_stop.  The loop ends once
 * the closes are done (and any programs have exited).  Safe twice. */
void sk_server_stop(struct sk_server *s);

/* Frees the server, after the loop has run to its end (or a stopped server
 * before the loop ran). */
void sk_server_free(struct sk_server *s);

/* Clients now; clients served since the start. */
size_t sk_server_count(const struct sk_server *s);
uint64_t sk_server_served(const struct sk_server *s);

/* The peer table: one row per client (id, address, bytes and messages each
 * way), totals of the clients gone; for sk_peers_format. */
const struct sk_peers *sk_server_peers(const struct sk_server *s);

/* The clients, newest first; NULL at the end.  Do not kick or send while
 * walking unless the walk ends there (either may drop clients). */
struct sk_server_client *sk_server_first(const struct sk_server *s);
struct sk_server_client *sk_server_next(const struct sk_server_client *c);

/* The client with this id, or NULL. */
struct sk_server_client *sk_server_client(const struct sk_server *s,
					  unsigned id);
/* The client whose address (family, address and port) is sa, or NULL. */
struct sk_server_client *sk_server_client_at(struct sk_server *s,
					     const struct sockaddr *sa);

unsigned sk_server_client_id(const struct sk_server_client *c);
/* "127.0.0.1:40112", "[::1]:5000", "unix", or "unknown peer". */
const char *sk_server_client_addr(const struct sk_server_client *c);
/* Its row of the peer table: counters (rx/tx bytes and messages), the
 * address as a sockaddr. */
const struct sk_peer *sk_server_client_peer(const struct sk_server_client *c);
/* The caller's pointer for this client (a row of its own, say); NULL until
 * set.  Never touched by the engine. */
void sk_server_client_set_data(struct sk_server_client *c, void *data);
void *sk_server_client_data(const struct sk_server_client *c);
/* Its TLS session, NULL for plain clients. */
struct sk_tls *sk_server_client_tls(const struct sk_server_client *c);

/* Queues bytes (copied) to client id.  Returns 0, -ENOENT when there is
 * no such client (or it runs a program on its socket), or SK_ESLOWPEER
 * when the bytes would pass max_buffer: the client is dropped
 * (SK_SERVER_SLOW). */
int sk_server_send(struct sk_server *s, unsigned id, const void *p, size_t n);

/* Queues bytes to every client (a slow one is dropped).  Returns how many
 * clients they were queued to. */
size_t sk_server_send_all(struct sk_server *s, const void *p, size_t n);

/* The operator's bytes to every client, as ncat sends its own standard
 * input: in chat mode with SK_CHAT_NCAT as "<user0> " and the bytes
 * (control characters but tab, CR and LF written \ooo), otherwise as they
 * are (sk_server_send_all).  Returns how many clients they went to (0
 * also when memory ran out). */
size_t sk_server_say(struct sk_server *s, const void *p, size_t n);

/* Drops client id (SK_SERVER_KICKED, detail why).  Returns 0 or -ENOENT. */
int sk_server_kick(struct sk_server *s, unsigned id, const char *why);

/* Turns line assembly (on_line) on or off, e.g. while showing hex. */
void sk_server_set_lines(struct sk_server *s, bool on);

#endif
