/* tcp listen --exec / --sh-exec: one program per client.
 *
 * Plain TCP: the program gets the client's socket itself as stdin and
 * stdout (tcp_exec_spawn with sock >= 0) and sockit only waits for it to
 * exit.  TLS: the program cannot speak TLS, so it gets two pipes (sock < 0)
 * and the server relays: the client's plaintext to tcp_exec_write, the
 * program's output from cbs.on_out to the connection.  Both directions are
 * bounded: the caller pauses the client while tcp_exec_queued is above its
 * limit (resuming in on_in_drain), and pauses the program's output with
 * tcp_exec_pause_out while the connection's queue is full.
 *
 * Either way the program's environment is sockit's, plus SOCKIT_PEER_ADDR
 * and SOCKIT_PEER_PORT (the client's address and port).
 */
#ifndef SOCKIT_SRC_TCP_EXEC_H
#define SOCKIT_SRC_TCP_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

struct tcp_exec;

struct tcp_exec_cbs {
	/* The program wrote to stdout (pipes only). */
	void (*on_out)(void *data, const uint8_t *p, size_t n);
	/* Its stdout reached end of file (pipes only), or a read error. */
	void (*on_out_end)(void *data);
	/* Bytes queued to its stdin fell to zero (pipes only). */
	void (*on_in_drain)(void *data);
	/* The program ended: status, or the signal that ended it. */
	void (*on_exit)(void *data, int64_t status, int sig);
};

/* Starts argv[0] with argv.  sock >= 0: that descriptor (made blocking)
 * is the program's stdin and stdout, and the caller may close its own
 * copy right after; sock < 0: pipes, relayed through the callbacks.
 * stderr is sockit's.  Returns 0 or a negative code (nothing started). */
int tcp_exec_spawn(uv_loop_t *loop, char **argv, int sock,
		   const struct sockaddr_storage *peer,
		   const struct tcp_exec_cbs *cbs, void *data,
		   struct tcp_exec **out);

/* Queues bytes (copied) for the program's stdin.  Returns 0, or -EPIPE
 * when its stdin is closed already (the bytes are dropped). */
int tcp_exec_write(struct tcp_exec *e, const uint8_t *p, size_t n);
/* Bytes queued to the program's stdin, not yet taken by the pipe. */
size_t tcp_exec_queued(const struct tcp_exec *e);
/* Closes the program's stdin once what is queued has gone in. */
void tcp_exec_close_in(struct tcp_exec *e);
void tcp_exec_pause_out(struct tcp_exec *e);
void tcp_exec_resume_out(struct tcp_exec *e);

/* Lets go: closes the pipes, sends sig (0: none) when the program is
 * still running, and frees everything once it has exited (the process
 * handle must live until then, or the child would never be reaped).  No
 * callback runs after this. */
void tcp_exec_release(struct tcp_exec *e, int sig);

#endif
