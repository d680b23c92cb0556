/* A child process as a stream: one program per client of a server (the
 * server engine's exec mode, sockit/server.h), or any caller that wants a
 * program's stdin and stdout on its libuv loop.
 *
 * Two ways to connect it:
 *   a socket (sk_exec_spawn with sock >= 0): the program gets the socket
 *     itself as stdin and stdout, and the caller only waits for it to exit;
 *   pipes (sock < 0), for when the program cannot read the connection
 *     directly (TLS): the caller relays, the client's plaintext to
 *     sk_exec_write and the program's output from cbs.on_out.  Both
 *     directions are bounded by the caller: it pauses its source while
 *     sk_exec_queued is above its limit (resuming in on_in_drain), and
 *     pauses the program's output with sk_exec_pause_out while its own
 *     output queue is full.
 *
 * Either way the program's environment is the caller's, plus the
 * connection's endpoints (struct sk_exec_env) under sockit's names and
 * ncat's, so scripts written for ncat --exec run unchanged:
 *   SOCKIT_PEER_ADDR  SOCKIT_PEER_PORT    NCAT_REMOTE_ADDR NCAT_REMOTE_PORT
 *   SOCKIT_LOCAL_ADDR SOCKIT_LOCAL_PORT   NCAT_LOCAL_ADDR  NCAT_LOCAL_PORT
 *   SOCKIT_PROTO                          NCAT_PROTO       ("TCP", "UDP")
 * Addresses are numeric without brackets ("127.0.0.1", "::1"); an
 * IPv4-mapped address shows as IPv4.  Inherited variables of these names
 * are removed; an endpoint that is unknown (or a unix socket's) leaves
 * its variables out.
 * Callbacks run on the loop given to sk_exec_spawn, never after
 * sk_exec_release.
 */
#ifndef SOCKIT_EXEC_H
#define SOCKIT_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

struct sk_exec;

struct sk_exec_cbs {
	/* The program wrote to stdout (pipes only). */
	void (*on_out)(void *data, const uint8_t *p, size_t n);
	/* Its stdout reached end of file (pipes only), or a read error. */
	void (*on_out_end)(void *data);
	/* Bytes queued to its stdin fell to zero (pipes only). */
	void (*on_in_drain)(void *data);
	/* The program ended: status, or the signal that ended it. */
	void (*on_exit)(void *data, int64_t status, int sig);
};

/* What the program is told about its connection; any field may be NULL. */
struct sk_exec_env {
	const struct sockaddr_storage *peer;
	const struct sockaddr_storage *local;
	const char *proto; /* "TCP", "UDP" */
};

/* Starts argv[0] with argv.  sock >= 0: that descriptor (made blocking)
 * is the program's stdin and stdout, and the caller may close its own
 * copy right after; sock < 0: pipes, relayed through the callbacks.
 * stderr is the caller's.  argv and env are read during the call only.
 * Returns 0 with *out set, or a negative code (nothing started, no
 * callback will run). */
int sk_exec_spawn(uv_loop_t *loop, char **argv, int sock,
		  const struct sk_exec_env *env,
		  const struct sk_exec_cbs *cbs, void *data,
		  struct sk_exec **out);

/* Queues bytes (copied) for the program's stdin.  Returns 0, or -EPIPE
 * when its stdin is closed already (the bytes are dropped). */
int sk_exec_write(struct sk_exec *e, const uint8_t *p, size_t n);
/* Bytes queued to the program's stdin, not yet taken by the pipe. */
size_t sk_exec_queued(const struct sk_exec *e);
/* Closes the program's stdin once what is queued has gone in. */
void sk_exec_close_in(struct sk_exec *e);
void sk_exec_pause_out(struct sk_exec *e);
void sk_exec_resume_out(struct sk_exec *e);

/* Lets go: closes the pipes, sends sig (0: none) when the program is
 * still running, and frees everything once it has exited (the process
 * handle must live until then, or the child would never be reaped).  No
 * callback runs after this. */
void sk_exec_release(struct sk_exec *e, int sig);

/* The argv of a command line, as ncat's --exec and --sh-exec take it:
 * split on spaces and tabs (no quoting), or with shell "/bin/sh", "-c",
 * cmd.  Returns a NULL-terminated argv (a copy: cmd may go), to free with
 * sk_exec_argv_free, or NULL when cmd has no word or memory ran out. */
char **sk_exec_argv(const char *cmd, bool shell);
void sk_exec_argv_free(char **argv);

#endif
