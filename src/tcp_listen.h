/* Inside tcp listen's server face: what its events (tcp_listen_server.c)
 * and its console (tcp_listen_console.c) share. */
#ifndef SOCKIT_SRC_TCP_LISTEN_H
#define SOCKIT_SRC_TCP_LISTEN_H

#include <stdbool.h>
#include <uv.h>

#include "sockit/console.h"
#include "sockit/fdio.h"
#include "sockit/server.h"
#include "stats_line.h"
#include "tcp.h"

struct tcp_server {
	uv_loop_t *loop;
	const struct server_opts *o;
	struct sk_server *srv;
	char **exec_argv;
	struct sk_fdin *in;	 /* stdin relayed to every client */
	struct sk_fdin *console; /* or, stdin a terminal with -k: commands */
	enum { TO_LAST, TO_ONE, TO_ALL } to; /* console target */
	unsigned target;      /* TO_LAST / TO_ONE: a client id, 0 none */
	uint64_t last_err_ms; /* the last accept error shown */
	uv_signal_t usr1, term, intr;
	struct stats_line live; /* --stats on a terminal, without a console */
	bool stopping, last_cr, hex, out_failed;
	int status;
};

/* "[3 127.0.0.1:5000]" */
#define TCP_TAG_MAX (SK_ADDRSTRLEN + 16)
void tcp_server_tag(const struct sk_server_client *c, char *buf, size_t cap);

/* Ends the run: --stats, then every client leaves. */
void tcp_server_stop(struct tcp_server *s);

/* Starts the console on stdin (a terminal).  Returns 0 or a negative
 * code. */
int tcp_console_start(struct tcp_server *s);

#endif
