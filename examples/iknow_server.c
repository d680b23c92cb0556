/* The lesson's "I Know" server on libsockit's server engine: any number of
 * clients at once, each line a client sends answered "I Know: LINE".
 *
 *   iknow_server [ADDR]:PORT   (default 127.0.0.1:0, a port the kernel picks)
 *
 * Says "listening on ADDR:PORT" on stderr, then who comes and goes; Ctrl-C
 * stops it.  Build: cc iknow_server.c $(pkg-config --cflags --libs sockit) */
#include <signal.h>
#include <sockit/sockit.h>
#include <stdio.h>

static struct sk_server *server;

static void on_join(void *data, struct sk_server_client *c)
{
	(void)data;
	fprintf(stderr, "[%u %s] connected\n", sk_server_client_id(c),
		sk_server_client_addr(c));
}

/* A whole line, without its LF or CRLF; valid during the call only. */
static void on_line(void *data, struct sk_server_client *c, const char *line,
		    size_t n)
{
	(void)data;
	char reply[SK_SERVER_LINE_MAX + 16];
	int len = snprintf(reply, sizeof reply, "I Know: %.*s\n", (int)n, line);
	sk_server_send(server, sk_server_client_id(c), reply, (size_t)len);
}

static void on_leave(void *data, struct sk_server_client *c,
		     enum sk_server_leave why, const char *detail)
{
	(void)data, (void)why;
	fprintf(stderr, "[%u %s] %s\n", sk_server_client_id(c),
		sk_server_client_addr(c), detail);
}

static void on_signal(uv_signal_t *sig, int signum)
{
	(void)signum;
	sk_server_stop(server); /* every client leaves, then uv_run returns */
	uv_close((uv_handle_t *)sig, NULL);
}

int main(int argc, char **argv)
{
	char err[SK_ERRLEN] = "", where[256];
	struct sk_endpoint ep;
	uv_loop_t loop;
	uv_signal_t sig;
	struct sk_server_opts o = { .mode = SK_SERVER_RECEIVE,
				    .keep = true,
				    .lines = true };
	struct sk_server_cbs cbs = { .on_join = on_join,
				     .on_line = on_line,
				     .on_leave = on_leave };
	int rc = sk_endpoint_parse(argc > 1 ? argv[1] : "127.0.0.1:0", "tcp",
				   &ep, err);
	if (!rc && !(rc = uv_loop_init(&loop)) &&
	    !(rc = sk_server_new(&loop, &o, &cbs, NULL, &server)))
		rc = sk_server_listen(server, &ep, NULL, err);
	if (rc) {
		fprintf(stderr, "iknow_server: %s\n",
			*err ? err : sk_strerror(rc));
		return 1;
	}
	sk_listener_format(sk_server_listener(server), where, sizeof where);
	fprintf(stderr, "listening on %s\n", where);
	uv_signal_init(&loop, &sig);
	uv_signal_start(&sig, on_signal, SIGINT);
	uv_run(&loop, UV_RUN_DEFAULT);
	sk_server_free(server);
	return uv_loop_close(&loop) ? 1 : 0;
}
