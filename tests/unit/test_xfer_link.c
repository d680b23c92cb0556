/* sk_xfer_dial and sk_xfer_take on loopback: plain and TLS links carry
 * bytes both ways, and a failed handshake is told apart from a failed
 * accept. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/tls.h"
#include "sockit/xfer.h"

struct side {
	int lfd;
	struct sk_tls_ctx *tls;
	int rc;
	char peer[SK_ADDRSTRLEN], err[SK_ERRLEN], got[16];
};

/* Takes one connection, reads "ping", answers "pong". */
static void *take(void *arg)
{
	struct side *s = arg;
	struct sk_xfer_link l;
	s->rc = sk_xfer_take(s->lfd, 10000, s->tls, &l, s->peer, sizeof s->peer, s->err);
	if (s->rc)
		return NULL;
	ssize_t n = l.s.read ? l.s.read(l.s.ctx, s->got, 4) : read(l.fd, s->got, 4);
	cr_expect_eq(n, 4);
	cr_expect_eq(l.s.write ? l.s.write(l.s.ctx, "pong", 4) : write(l.fd, "pong", 4), 4);
	sk_xfer_link_close(&l, 0);
	return NULL;
}

static void listen_on(struct side *s, struct sk_endpoint *ep)
{
	char err[SK_ERRLEN], bound[SK_ADDRSTRLEN];
	cr_assert_eq(sk_endpoint_parse("127.0.0.1:0", "tcp", ep, err), 0);
	s->lfd = sk_xfer_listen(ep, AF_INET, bound, sizeof bound, err);
	cr_assert_geq(s->lfd, 0, "%s", err);
	cr_assert_eq(sk_endpoint_parse(bound, "tcp", ep, err), 0, "%s", err);
}

static void exchange(struct sk_tls_ctx *server, struct sk_tls_ctx *client)
{
	struct side s = { .tls = server };
	struct sk_endpoint ep;
	listen_on(&s, &ep);
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, take, &s), 0);
	struct sk_xfer_link l;
	char err[SK_ERRLEN];
	struct sk_xfer_dial_opts o = { .family = AF_INET, .connect_ms = 10000,
				       .idle_ms = 10000, .tls = client };
	cr_assert_eq(sk_xfer_dial(&ep, &o, &l, err), 0, "%s", err);
	cr_expect_eq(l.tls != NULL, client != NULL);
	char got[8] = "";
	cr_expect_eq(l.s.write ? l.s.write(l.s.ctx, "ping", 4) : write(l.fd, "ping", 4), 4);
	cr_expect_eq(l.s.read ? l.s.read(l.s.ctx, got, 4) : read(l.fd, got, 4), 4);
	cr_expect_str_eq(got, "pong");
	sk_xfer_link_close(&l, 1000);
	cr_expect_eq(l.fd, -1);
	pthread_join(t, NULL);
	close(s.lfd);
	cr_expect_eq(s.rc, 0, "%s", s.err);
	cr_expect_eq(memcmp(s.got, "ping", 4), 0);
	cr_expect(strstr(s.peer, "127.0.0.1:"), "%s", s.peer);
}

Test(xfer_link, plain)
{
	exchange(NULL, NULL);
}

Test(xfer_link, tls_both_ways)
{
	struct sk_tls_ctx *server, *client;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_tls_ctx_server(&server, &(struct sk_tls_server_opts){ 0 }, err), 0, "%s",
		     err);
	cr_assert_eq(sk_tls_ctx_client(&client, &(struct sk_tls_client_opts){ .insecure = true },
				       err),
		     0, "%s", err);
	exchange(server, client);
	sk_tls_ctx_free(server);
	sk_tls_ctx_free(client);
}

Test(xfer_link, a_plain_client_of_a_tls_receiver_is_no_session)
{
	struct sk_tls_ctx *server;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_tls_ctx_server(&server, &(struct sk_tls_server_opts){ 0 }, err), 0, "%s",
		     err);
	struct side s = { .tls = server };
	struct sk_endpoint ep;
	listen_on(&s, &ep);
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, take, &s), 0);
	struct sk_xfer_link l;
	struct sk_xfer_dial_opts o = { .family = AF_INET, .connect_ms = 10000,
				       .idle_ms = 10000 };
	cr_assert_eq(sk_xfer_dial(&ep, &o, &l, err), 0, "%s", err);
	static const char junk[] = "GET / HTTP/1.0\r\n\r\n";
	cr_expect_eq(write(l.fd, junk, sizeof junk - 1), (ssize_t)(sizeof junk - 1));
	pthread_join(t, NULL);
	sk_xfer_link_close(&l, 0);
	cr_expect_eq(s.rc, 1, "%s", s.err);
	cr_expect(s.err[0]);
	/* The listener itself failing is an error, not a lost session. */
	close(s.lfd);
	cr_expect_lt(sk_xfer_take(s.lfd, 0, NULL, &l, s.peer, sizeof s.peer, err), 0);
	cr_expect(strstr(err, "accept"), "%s", err);
	sk_tls_ctx_free(server);
}
