/* A program as a stream: spawned with the peer's environment, on the
 * peer's socket or on two pipes relayed with bounded queues. */
#include "sockit/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit/endpoint.h"

#define READ_CHUNK (64 * 1024)

extern char **environ;

struct sk_exec {
	uv_process_t proc;
	uv_pipe_t in, out; /* the program's stdin and stdout, when piped */
	bool piped, exited, released, in_closed, out_reading, out_paused, out_ended;
	bool in_cb;        /* inside on_exit: release must not free yet */
	int handles;       /* open handles; freed when it reaches 0 */
	size_t queued;     /* bytes in flight to stdin */
	uv_shutdown_t shut;
	struct sk_exec_cbs cbs;
	void *data;
};

struct wreq {
	uv_write_t req;
	struct sk_exec *e;
	size_t n;
	uint8_t bytes[];
};

static void handle_closed(uv_handle_t *h)
{
	struct sk_exec *e = h->data;
	if (--e->handles == 0)
		free(e);
}

static void close_pipes(struct sk_exec *e)
{
	if (!e->piped)
		return;
	e->piped = false;
	uv_close((uv_handle_t *)&e->in, handle_closed);
	uv_close((uv_handle_t *)&e->out, handle_closed);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct sk_exec *e = p->data;
	e->exited = true;
	if (!e->released && e->cbs.on_exit) {
		e->in_cb = true;
		e->cbs.on_exit(e->data, status, sig);
		e->in_cb = false;
	}
	if (e->released)
		uv_close((uv_handle_t *)&e->proc, handle_closed);
}

void sk_exec_release(struct sk_exec *e, int sig)
{
	if (!e || e->released)
		return;
	e->released = true;
	close_pipes(e);
	if (!e->exited) {
		if (sig)
			uv_process_kill(&e->proc, sig);
	} else if (!e->in_cb) {
		uv_close((uv_handle_t *)&e->proc, handle_closed);
	}
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h;
	(void)hint;
	buf->base = malloc(READ_CHUNK);
	buf->len = buf->base ? READ_CHUNK : 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct sk_exec *e = s->data;
	if (nread > 0 && !e->released) {
		e->cbs.on_out(e->data, (const uint8_t *)buf->base, (size_t)nread);
	} else if (nread < 0) {
		uv_read_stop(s);
		e->out_reading = false;
		e->out_ended = true;
		if (!e->released)
			e->cbs.on_out_end(e->data);
	}
	free(buf->base);
}

static void start_out(struct sk_exec *e)
{
	if (e->piped && !e->out_reading && !e->out_paused && !e->out_ended &&
	    uv_read_start((uv_stream_t *)&e->out, on_alloc, on_read) == 0)
		e->out_reading = true;
}

void sk_exec_pause_out(struct sk_exec *e)
{
	e->out_paused = true;
	if (e->piped && e->out_reading) {
		uv_read_stop((uv_stream_t *)&e->out);
		e->out_reading = false;
	}
}

void sk_exec_resume_out(struct sk_exec *e)
{
	e->out_paused = false;
	start_out(e);
}

static void write_done(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct sk_exec *e = w->e;
	e->queued -= w->n;
	free(w);
	/* A program that stopped reading (EPIPE) shows up at its exit. */
	(void)status;
	if (e->queued == 0 && !e->released && e->cbs.on_in_drain)
		e->cbs.on_in_drain(e->data);
}

int sk_exec_write(struct sk_exec *e, const uint8_t *p, size_t n)
{
	if (!e->piped || e->in_closed)
		return -EPIPE;
	if (e->queued == 0) {
		uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
		int w = uv_try_write((uv_stream_t *)&e->in, &b, 1);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w != UV_EAGAIN) {
			return w;
		}
		if (n == 0)
			return 0;
	}
	struct wreq *w = malloc(sizeof *w + n);
	if (!w)
		return -ENOMEM;
	w->e = e;
	w->n = n;
	memcpy(w->bytes, p, n);
	uv_buf_t b = uv_buf_init((char *)w->bytes, (unsigned)n);
	int rc = uv_write(&w->req, (uv_stream_t *)&e->in, &b, 1, write_done);
	if (rc) {
		free(w);
		return rc;
	}
	e->queued += n;
	return 0;
}

size_t sk_exec_queued(const struct sk_exec *e)
{
	return e->queued;
}

static void shut_done(uv_shutdown_t *req, int status)
{
	(void)req;
	(void)status;
}

void sk_exec_close_in(struct sk_exec *e)
{
	if (!e->piped || e->in_closed)
		return;
	e->in_closed = true;
	/* libuv closes the write end after every queued write (a failure
	 * means the pipe is broken already: the program's exit says the rest). */
	uv_shutdown(&e->shut, (uv_stream_t *)&e->in, shut_done);
}

/* The variables sk_exec_env sets, sockit's names and ncat's. */
static const char *const env_names[] = {
	"SOCKIT_PEER_ADDR",  "SOCKIT_PEER_PORT", "NCAT_REMOTE_ADDR",
	"NCAT_REMOTE_PORT",  "SOCKIT_LOCAL_ADDR", "SOCKIT_LOCAL_PORT",
	"NCAT_LOCAL_ADDR",   "NCAT_LOCAL_PORT",   "SOCKIT_PROTO",
	"NCAT_PROTO",
};
#define ENV_COUNT (sizeof env_names / sizeof env_names[0])
#define ENV_VALUE_MAX (SK_ADDRSTRLEN + 32)

static bool env_ours(const char *var)
{
	for (size_t i = 0; i < ENV_COUNT; i++) {
		size_t len = strlen(env_names[i]);
		if (!strncmp(var, env_names[i], len) && var[len] == '=')
			return true;
	}
	return false;
}

/* NAME=ADDR and NAME=PORT for names[0..1] and names[2..3], when sa is an
 * IP endpoint.  Returns how many strings were written to vals. */
static size_t env_endpoint(const struct sockaddr_storage *sa,
			   const char *const *names, char (*vals)[ENV_VALUE_MAX])
{
	if (!sa || (sa->ss_family != AF_INET && sa->ss_family != AF_INET6))
		return 0;
	struct sockaddr_storage ss = *sa;
	sk_sockaddr_unmap(&ss, sizeof ss);
	char host[SK_ADDRSTRLEN] = "";
	sk_sockaddr_format((const struct sockaddr *)&ss, false, host,
			   sizeof host);
	unsigned port = ss.ss_family == AF_INET
				? ntohs(((const struct sockaddr_in *)&ss)->sin_port)
				: ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
	for (size_t i = 0; i < 2; i++) {
		snprintf(vals[2 * i], ENV_VALUE_MAX, "%s=%s", names[2 * i], host);
		snprintf(vals[2 * i + 1], ENV_VALUE_MAX, "%s=%u",
			 names[2 * i + 1], port);
	}
	return 4;
}

/* The environment: the caller's without any of env_names, plus the
 * connection's.  The strings live in vals; free only the array. */
static char **exec_environ(const struct sk_exec_env *ce,
			   char (*vals)[ENV_VALUE_MAX])
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + ENV_COUNT + 1, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!env_ours(environ[i]))
			env[k++] = environ[i];
	size_t v = 0;
	if (ce) {
		v += env_endpoint(ce->peer, env_names, vals + v);
		v += env_endpoint(ce->local, env_names + 4, vals + v);
		if (ce->proto) {
			snprintf(vals[v++], ENV_VALUE_MAX, "SOCKIT_PROTO=%s",
				 ce->proto);
			snprintf(vals[v++], ENV_VALUE_MAX, "NCAT_PROTO=%s",
				 ce->proto);
		}
	}
	for (size_t i = 0; i < v; i++)
		env[k++] = vals[i];
	return env;
}

int sk_exec_spawn(uv_loop_t *loop, char **argv, int sock,
		  const struct sk_exec_env *ce,
		  const struct sk_exec_cbs *cbs, void *data,
		  struct sk_exec **out)
{
	struct sk_exec *e = calloc(1, sizeof *e);
	if (!e)
		return -ENOMEM;
	e->cbs = *cbs;
	e->data = data;
	char vals[ENV_COUNT][ENV_VALUE_MAX];
	char **env = exec_environ(ce, vals);
	if (!env) {
		free(e);
		return -ENOMEM;
	}
	uv_stdio_container_t io[3];
	if (sock >= 0) {
		/* The program expects ordinary blocking stdio. */
		int fl = fcntl(sock, F_GETFL);
		if (fl >= 0)
			fcntl(sock, F_SETFL, fl & ~O_NONBLOCK);
		io[0] = (uv_stdio_container_t){ .flags = UV_INHERIT_FD, .data.fd = sock };
		io[1] = io[0];
	} else {
		uv_pipe_init(loop, &e->in, 0);
		uv_pipe_init(loop, &e->out, 0);
		e->in.data = e->out.data = e;
		e->piped = true;
		e->handles = 2;
		io[0] = (uv_stdio_container_t){ .flags = UV_CREATE_PIPE | UV_READABLE_PIPE,
						.data.stream = (uv_stream_t *)&e->in };
		io[1] = (uv_stdio_container_t){ .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
						.data.stream = (uv_stream_t *)&e->out };
	}
	io[2] = (uv_stdio_container_t){ .flags = UV_INHERIT_FD, .data.fd = STDERR_FILENO };
	uv_process_options_t po = {
		.exit_cb = on_exit_cb, .file = argv[0], .args = argv,
		.env = env, .stdio_count = 3, .stdio = io,
	};
	e->proc.data = e;
	int rc = uv_spawn(loop, &e->proc, &po);
	free(env);
	e->handles++; /* the process handle: closed even when spawn failed */
	if (rc) {
		e->released = true;
		close_pipes(e);
		uv_close((uv_handle_t *)&e->proc, handle_closed);
		return rc;
	}
	start_out(e);
	*out = e;
	return 0;
}

char **sk_exec_argv(const char *cmd, bool shell)
{
	static const char sh[] = "/bin/sh\0-c";
	size_t pre = shell ? sizeof sh : 0;
	while (!shell && (*cmd == ' ' || *cmd == '\t'))
		cmd++;
	size_t n = strlen(cmd);
	if (!shell && !n)
		return NULL;
	/* One block holds every word, the first at its start: argv[0] is
	 * what sk_exec_argv_free frees. */
	char **argv = calloc(shell ? 4 : n / 2 + 2, sizeof *argv);
	char *copy = malloc(pre + n + 1);
	if (!argv || !copy) {
		free(argv);
		free(copy);
		return NULL;
	}
	memcpy(copy, sh, pre);
	memcpy(copy + pre, cmd, n + 1);
	if (shell) {
		argv[0] = copy;
		argv[1] = copy + sizeof "/bin/sh";
		argv[2] = copy + pre;
		return argv;
	}
	size_t k = 0;
	for (char *p = copy; *p;) {
		argv[k++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
	}
	return argv;
}

void sk_exec_argv_free(char **argv)
{
	if (argv)
		free(argv[0]);
	free(argv);
}
