/* The server's exec mode over TLS: the program's output goes to the
 * client, the client's bytes to the program, each side paused while the
 * other's queue is over the cap; the client is dropped once the program
 * has exited, its output is closed (close_notify and FIN sent after it)
 * and everything queued has gone.  (Plain TCP hands the program the
 * socket: only the exit reaches this file.) */
#include "server_int.h"

#include <stdio.h>
#include <stdlib.h>

void sk__server_exec_finish(struct sk_server_client *c)
{
	if (c->exited &&
	    (!c->conn || (c->out_end && sk_conn_queued(c->conn) == 0)))
		sk__server_drop(c, SK_SERVER_ENDED, c->exit_why);
}

static void exec_exit(void *data, int64_t status, int sig)
{
	struct sk_server_client *c = data;
	c->exited = true;
	if (sig)
		snprintf(c->exit_why, sizeof c->exit_why,
			 "program ended by signal %d", sig);
	else
		snprintf(c->exit_why, sizeof c->exit_why,
			 "program exited with status %lld", (long long)status);
	sk__server_exec_finish(c);
}

/* The program's output on its way to the client, LF made CRLF when asked;
 * a read is at most 64 KiB (exec.c), so the doubled copy is bounded. */
static void exec_out(void *data, const uint8_t *p, size_t n)
{
	struct sk_server_client *c = data;
	struct sk_server *s = c->s;
	sk__server_touch(c);
	uint8_t *crlf = NULL;
	if (s->o.exec_crlf) {
		if (!(crlf = malloc(2 * n))) {
			sk__server_drop(c, SK_SERVER_ERROR, "out of memory");
			return;
		}
		n = sk_lines_crlf(p, n, crlf, &c->last_cr);
		p = crlf;
	}
	sk__server_sent(c, p, n);
	sk_conn_write(c->conn, p, n);
	free(crlf);
	if (!c->gone && sk_conn_queued(c->conn) > s->o.max_buffer) {
		c->out_paused = true;
		sk_exec_pause_out(c->exec);
	}
}

static void exec_out_end(void *data)
{
	struct sk_server_client *c = data;
	c->out_end = true;
	sk_conn_shutdown(c->conn);
	sk__server_exec_finish(c);
}

static void exec_in_drain(void *data)
{
	struct sk_server_client *c = data;
	if (c->paused) {
		c->paused = false;
		sk_conn_resume(c->conn);
	}
}

const struct sk_exec_cbs sk__server_exec_cbs = {
	.on_out = exec_out,
	.on_out_end = exec_out_end,
	.on_in_drain = exec_in_drain,
	.on_exit = exec_exit,
};

/* The client's bytes to the program's stdin; bytes after the program
 * closed its stdin are dropped, as a pipe would. */
void sk__server_exec_data(struct sk_server_client *c, const uint8_t *p,
			  size_t n)
{
	sk_exec_write(c->exec, p, n);
	if (sk_exec_queued(c->exec) > c->s->o.max_buffer && !c->paused) {
		c->paused = true;
		sk_conn_pause(c->conn);
	}
}

void sk__server_exec_drain(struct sk_server_client *c)
{
	if (c->out_paused && c->exec) {
		c->out_paused = false;
		sk_exec_resume_out(c->exec);
	}
	sk__server_exec_finish(c);
}
