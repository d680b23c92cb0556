/* The server engine's outside: accepting (the access list, the cap on
 * clients, descriptor exhaustion), stopping, and what a caller can ask
 * of it or do to its clients.  A client's own life is in server_client.c. */
#include "server_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/error.h"

#define DEFAULT_MAX_CONNS  1000
#define DEFAULT_MAX_BUFFER (1024 * 1024)

bool sk_acl_allows(const struct sk_acl *a, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_UNIX)
		return true;
	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
		/* No address: the client reset before it was accepted, its
		 * bytes still queued.  No rule can pass it. */
		return !sk_hostlist_count(a->allow) && !sk_hostlist_count(a->deny);
	struct sk_ip ip = { .family = ss->ss_family };
	if (ss->ss_family == AF_INET)
		memcpy(ip.bytes, &((const struct sockaddr_in *)ss)->sin_addr,
		       4);
	else
		memcpy(ip.bytes, &((const struct sockaddr_in6 *)ss)->sin6_addr,
		       16);
	if (sk_hostlist_contains(a->deny, &ip))
		return false;
	return !sk_hostlist_count(a->allow) ||
	       sk_hostlist_contains(a->allow, &ip);
}

int sk_server_new(uv_loop_t *loop, const struct sk_server_opts *opts,
		  const struct sk_server_cbs *cbs, void *data,
		  struct sk_server **out)
{
	if ((opts->mode == SK_SERVER_EXEC &&
	     (!opts->exec_argv || !opts->exec_argv[0])) ||
	    (opts->mode == SK_SERVER_REPLY && !opts->rules))
		return -EINVAL;
	struct sk_server *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->o = *opts;
	if (!s->o.max_conns)
		s->o.max_conns = DEFAULT_MAX_CONNS;
	if (!s->o.max_buffer)
		s->o.max_buffer = DEFAULT_MAX_BUFFER;
	if (cbs)
		s->cbs = *cbs;
	s->data = data;
	s->resp.rules = opts->rules;
	s->resp.append = opts->append;
	sk_peers_init(&s->peers, s->o.max_conns + 1, uv_now(loop));
	*out = s;
	return 0;
}

/* The end of a burst of connections dropped for want of descriptors. */
static void shed_end(struct sk_server *s)
{
	if (s->cbs.on_accept_error)
		s->cbs.on_accept_error(s->data, s->shed_status, s->shed);
	s->shed = 0;
}

static void refuse(struct sk_server *s, uv_stream_t *stream, const char *addr,
		   enum sk_server_refusal why, const char *detail)
{
	if (s->cbs.on_refuse)
		s->cbs.on_refuse(s->data, addr, why, detail);
	sk_stream_close(stream);
}

static void on_accept(struct sk_listener *l, int status, uv_stream_t *stream,
		      void *data)
{
	(void)l;
	struct sk_server *s = data;
	if (status == -EMFILE || status == -ENFILE) {
		/* The listener drops each waiting client: one report when the
		 * burst starts, one with the count when it ends. */
		if (s->shed++ == 0) {
			s->shed_status = status;
			if (s->cbs.on_accept_error)
				s->cbs.on_accept_error(s->data, status, 0);
		}
		return;
	}
	if (s->shed && status == 0)
		shed_end(s);
	if (status < 0) {
		if (s->cbs.on_accept_error)
			s->cbs.on_accept_error(s->data, status, 1);
		return;
	}
	struct sockaddr_storage peer;
	char addr[SK_ADDRSTRLEN];
	sk_stream_peer_name(stream, &peer, addr, sizeof addr);
	if (s->stopping || (!s->o.keep && s->served)) {
		sk_stream_close(stream);
		return;
	}
	if (!sk_acl_allows(&s->o.acl, &peer)) {
		refuse(s, stream, addr, SK_SERVER_DENIED,
		       "address not allowed");
		return;
	}
	if (s->count >= s->o.max_conns) {
		refuse(s, stream, addr, SK_SERVER_FULL, "too many clients");
		return;
	}
	if (sk__server_add(s, stream, &peer, addr) == 0 && !s->o.keep && s->l) {
		/* One client, and nobody else gets in. */
		sk_listener_close(s->l);
		s->l = NULL;
	}
}

int sk_server_listen(struct sk_server *s, const struct sk_endpoint *ep,
		     const struct sk_listen_opts *lopts, char *err)
{
	if (s->listened || s->stopping) {
		snprintf(err, SK_ERRLEN, "listen: the server listens already");
		return -EINVAL;
	}
	struct sk_listen_opts none = { 0 };
	int rc = sk_listen_start(s->loop, ep, lopts ? lopts : &none, on_accept,
				 s, &s->l, err);
	if (rc == 0)
		s->listened = true;
	return rc;
}

const struct sk_listener *sk_server_listener(const struct sk_server *s)
{
	return s->l;
}

void sk_server_stop(struct sk_server *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	if (s->shed)
		shed_end(s);
	sk_listener_close(s->l);
	s->l = NULL;
	while (s->head)
		sk__server_drop(s->head, SK_SERVER_STOPPED, "server stopping");
	if (s->cbs.on_stop)
		s->cbs.on_stop(s->data);
}

void sk_server_free(struct sk_server *s)
{
	if (!s)
		return;
	sk_peers_free(&s->peers);
	free(s);
}

size_t sk_server_count(const struct sk_server *s)
{
	return s->count;
}

uint64_t sk_server_served(const struct sk_server *s)
{
	return s->served;
}

const struct sk_peers *sk_server_peers(const struct sk_server *s)
{
	return &s->peers;
}

struct sk_server_client *sk_server_first(const struct sk_server *s)
{
	return s->head;
}

struct sk_server_client *sk_server_next(const struct sk_server_client *c)
{
	return c->next;
}

struct sk_server_client *sk_server_client(const struct sk_server *s,
					  unsigned id)
{
	struct sk_peer *p = sk_peers_by_id(&s->peers, id);
	return p ? p->user : NULL;
}

struct sk_server_client *sk_server_client_at(struct sk_server *s,
					     const struct sockaddr *sa)
{
	struct sk_peer *p = sk_peers_find(&s->peers, sa);
	return p ? p->user : NULL;
}

unsigned sk_server_client_id(const struct sk_server_client *c)
{
	return c->peer->id;
}

const char *sk_server_client_addr(const struct sk_server_client *c)
{
	return c->addr;
}

const struct sk_peer *sk_server_client_peer(const struct sk_server_client *c)
{
	return c->peer;
}

void sk_server_client_set_data(struct sk_server_client *c, void *data)
{
	c->user = data;
}

void *sk_server_client_data(const struct sk_server_client *c)
{
	return c->user;
}

struct sk_tls *sk_server_client_tls(const struct sk_server_client *c)
{
	return c->conn ? sk_conn_tls(c->conn) : NULL;
}

int sk_server_send(struct sk_server *s, unsigned id, const void *p, size_t n)
{
	struct sk_server_client *c = sk_server_client(s, id);
	if (!c || !c->conn)
		return -ENOENT;
	return sk__server_send(c, p, n);
}

size_t sk_server_send_all(struct sk_server *s, const void *p, size_t n)
{
	size_t sent = 0;
	struct sk_server_client *next;
	for (struct sk_server_client *c = s->head; c; c = next) {
		next = c->next; /* a slow client is dropped on the way */
		if (c->conn && sk__server_send(c, p, n) == 0)
			sent++;
	}
	return sent;
}

int sk_server_kick(struct sk_server *s, unsigned id, const char *why)
{
	struct sk_server_client *c = sk_server_client(s, id);
	if (!c)
		return -ENOENT;
	sk__server_drop(c, SK_SERVER_KICKED, why ? why : "kicked");
	return 0;
}

void sk_server_set_lines(struct sk_server *s, bool on)
{
	s->o.lines = on;
}
