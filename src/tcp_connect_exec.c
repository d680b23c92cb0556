/* tcp connect --exec: the program runs on the connected socket, as with
 * ncat --exec in connect mode, with the connection's endpoints in its
 * environment (sockit/exec.h); sockit waits for it to end. */
#include <signal.h>
#include <stdlib.h>

#include "cli.h"
#include "sockit/connect.h"
#include "sockit/error.h"
#include "sockit/exec.h"
#include "tcp.h"

struct run {
	int status;
	bool exited;
};

static void on_exit_cb(void *data, int64_t status, int sig)
{
	struct run *r = data;
	r->exited = true;
	if (sig)
		cli_warn("program ended by signal %d", sig);
	else if (status)
		cli_warn("program exited with status %lld", (long long)status);
	r->status = sig || status ? EXIT_FAIL : 0;
}

int tcp_connect_exec(uv_loop_t *loop, uv_stream_t *stream,
		     const struct sockaddr_storage *peer,
		     const struct sockaddr_storage *local, const char *cmd,
		     bool shell)
{
	char **argv = sk_exec_argv(cmd, shell);
	if (!argv)
		cli_usage("--exec: empty command");
	static const struct sk_exec_cbs cbs = { .on_exit = on_exit_cb };
	struct sk_exec_env env = { .peer = peer, .local = local, .proto = "TCP" };
	struct run r = { 0 };
	struct sk_exec *e = NULL;
	uv_os_fd_t fd = -1;
	int rc = uv_fileno((uv_handle_t *)stream, &fd);
	if (!rc)
		rc = sk_exec_spawn(loop, argv, fd, &env, &cbs, &r, &e);
	sk_stream_close(stream); /* the program has its own copy */
	if (rc) {
		cli_warn("exec %s: %s", argv[0], sk_strerror(rc));
		r.status = EXIT_FAIL;
	} else {
		uv_run(loop, UV_RUN_DEFAULT); /* until the program has exited */
		sk_exec_release(e, 0);
		uv_run(loop, UV_RUN_DEFAULT);
	}
	sk_exec_argv_free(argv);
	return r.status;
}
