/* A UDP echo server on libsockit: every datagram goes back to its sender.
 *
 *   udp_echo [ADDR]:PORT      (default 127.0.0.1:0, a port the kernel picks)
 *
 * Says "listening on ADDR:PORT" on stderr once bound, then a line for each
 * datagram.
 * Build: cc udp_echo.c $(pkg-config --cflags --libs sockit) */
#include <sockit/sockit.h>
#include <stdio.h>

struct echo {
	struct sk_udp *u;
	unsigned long count;
};

/* Called for each datagram; d->data is valid only during the call. */
static void on_datagram(void *arg, const struct sk_dgram *d)
{
	struct echo *e = arg;
	struct iovec iov = { (void *)d->data, d->len };
	char who[SK_ADDRSTRLEN];
	sk_sockaddr_format(d->from, true, who, sizeof who);
	int rc = sk_udp_send(e->u, &iov, 1, d->from, d->fromlen);
	fprintf(stderr, "%lu: %zu bytes from %s%s%s\n", ++e->count, d->len, who,
		rc < 0 ? ", not echoed: " : "", rc < 0 ? sk_strerror(rc) : "");
}

int main(int argc, char **argv)
{
	char err[SK_ERRLEN];
	struct sk_endpoint ep;
	struct sk_addr bind_to;
	bool v6only;
	int rc = sk_endpoint_parse(argc > 1 ? argv[1] : "127.0.0.1:0", "udp",
				   &ep, err);
	if (!rc)
		rc = sk_udp_listen_addr(&ep, 0, &bind_to, &v6only, err);
	if (rc) {
		fprintf(stderr, "udp_echo: %s\n", err);
		return 2;
	}

	uv_loop_t loop;
	uv_loop_init(&loop);
	struct echo e = { 0 };
	struct sk_udp_opts o = { .family = bind_to.ss.ss_family,
				 .v6only = v6only };
	rc = sk_udp_new(&loop, &o, (struct sockaddr *)&bind_to.ss, bind_to.len,
			&e.u, err);
	if (!rc)
		rc = sk_udp_recv_start(e.u, SK_UDP_MAX_V6, 64, on_datagram, &e,
				       err);
	if (rc) {
		fprintf(stderr, "udp_echo: %s\n", err);
		return 1;
	}

	struct sockaddr_storage local;
	socklen_t len = sizeof local;
	char where[SK_ADDRSTRLEN];
	sk_udp_local(e.u, &local, &len);
	sk_sockaddr_format((struct sockaddr *)&local, true, where,
			   sizeof where);
	fprintf(stderr, "listening on %s\n", where);
	return uv_run(&loop, UV_RUN_DEFAULT); /* until the process is stopped */
}
