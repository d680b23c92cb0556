/* Inside the server engine (sockit/server.h): the structures the server
 * (server.c: accept, stop, the public calls) and its clients
 * (server_client.c: a connection's events and the modes; server_exec.c:
 * a program per client) share. */
#ifndef SOCKIT_LIB_IO_SERVER_INT_H
#define SOCKIT_LIB_IO_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "sockit/conn.h"
#include "sockit/connect.h"
#include "sockit/exec.h"
#include "sockit/lines.h"
#include "sockit/responder.h"
#include "sockit/server.h"

struct sk_server_client {
	struct sk_server *s;
	struct sk_conn *conn; /* NULL when a program has the socket itself */
	struct sk_exec *exec; /* SK_SERVER_EXEC, until dropped */
	uv_timer_t idle;
	struct sk_peer *peer; /* the peer table's row: id, counters */
	int refs;	      /* the conn, and the idle timer */
	struct sk_server_client *prev, *next;
	struct sk_lines lines; /* on_line and chat */
	void *user;	       /* the caller's */
	bool gone, eof, paused, in_line;
	bool exited, out_end, out_paused; /* SK_SERVER_EXEC */
	bool last_cr;                     /* exec_crlf's state */
	char exit_why[48];
	char addr[SK_ADDRSTRLEN];
};

struct sk_server {
	uv_loop_t *loop;
	struct sk_server_opts o;
	struct sk_server_cbs cbs;
	void *data;
	struct sk_listener *l;
	struct sk_server_client *head;
	size_t count;
	uint64_t served;
	uint64_t shed; /* connections dropped in this EMFILE burst */
	int shed_status;
	struct sk_responder resp;
	struct sk_peers peers;
	bool stopping, listened;
};

/* server_client.c */
int sk__server_add(struct sk_server *s, uv_stream_t *stream,
		   const struct sockaddr_storage *peer, const char *addr);
void sk__server_drop(struct sk_server_client *c, enum sk_server_leave why,
		     const char *detail);
int sk__server_send(struct sk_server_client *c, const uint8_t *p, size_t n);
void sk__server_broadcast(struct sk_server *s, struct sk_server_client *from,
			  const uint8_t *p, size_t n);
void sk__server_touch(struct sk_server_client *c);
void sk__server_sent(struct sk_server_client *c, const uint8_t *p, size_t n);

/* server_lines.c: cuts a client's bytes into lines for on_line and chat. */
void sk__server_lines(struct sk_server_client *c, const uint8_t *p, size_t n);
void sk__server_line_flush(struct sk_server_client *c);

/* server_chat.c: chat mode's announcements and lines, in either style. */
void sk__server_chat_join(struct sk_server_client *c);
void sk__server_chat_leave(struct sk_server *s, unsigned id);
void sk__server_chat_line(struct sk_server_client *c, const uint8_t *p,
			  size_t n);

/* server_exec.c */
extern const struct sk_exec_cbs sk__server_exec_cbs;
void sk__server_exec_finish(struct sk_server_client *c);
void sk__server_exec_data(struct sk_server_client *c, const uint8_t *p,
			  size_t n);
void sk__server_exec_drain(struct sk_server_client *c);

#endif
