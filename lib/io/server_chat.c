/* The server's chat mode: what clients are told when someone comes, goes
 * or says a line.  Two styles (sockit/server.h, enum sk_chat_style):
 * ncat's announcements byte for byte, so scripts that parse ncat --chat
 * keep working, and sockit's own, which name the peer's port too. */
#include "server_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "sockit/error.h"
#include "sockit/output.h"

/* "127.0.0.1", "::1": the address as ncat names a user, without a port. */
static void user_addr(const struct sk_server_client *c, char *buf, size_t cap)
{
	const struct sockaddr_storage *ss = &c->peer->addr;
	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
		snprintf(buf, cap, "%s", c->addr);
	else
		sk_sockaddr_format((const struct sockaddr *)ss, false, buf, cap);
}

/* ncat's two lines, to every client including the new one: who came, and
 * who was there already, oldest first (ncat lists by descriptor, which
 * is the same order until descriptors are reused). */
static int ncat_join(struct sk_server_client *c, struct sk_str *msg)
{
	char addr[SK_ADDRSTRLEN];
	user_addr(c, addr, sizeof addr);
	int rc = sk_str_printf(msg,
			       "<announce> %s is connected as <user%u>.\n"
			       "<announce> already connected: ",
			       addr, c->peer->id);
	struct sk_server_client *o = c->s->head;
	while (o && o->next)
		o = o->next; /* the list is newest first: start at the oldest */
	size_t listed = 0;
	for (; o && !rc; o = o->prev) {
		if (o == c || o->gone)
			continue;
		user_addr(o, addr, sizeof addr);
		rc = sk_str_printf(msg, "%s%s as <user%u>", listed ? ", " : "",
				   addr, o->peer->id);
		listed++;
	}
	if (!rc)
		rc = sk_str_puts(msg, listed ? ".\n" : "nobody.\n");
	return rc;
}

void sk__server_chat_join(struct sk_server_client *c)
{
	struct sk_server *s = c->s;
	struct sk_str msg = { .max = s->o.max_buffer };
	int rc;
	if (s->o.chat_style == SK_CHAT_SOCKIT)
		rc = sk_str_printf(&msg, "<announce> %s is connected as <user%u>.\n",
				   c->addr, c->peer->id);
	else
		rc = ncat_join(c, &msg);
	if (rc == 0)
		sk__server_broadcast(s, s->o.chat_style == SK_CHAT_SOCKIT ? c : NULL,
				     (const uint8_t *)msg.p, msg.len);
	else
		sk__server_drop(c, SK_SERVER_ERROR, sk_strerror(rc));
	sk_str_free(&msg);
}

void sk__server_chat_leave(struct sk_server *s, unsigned id)
{
	char msg[64];
	int len = snprintf(msg, sizeof msg,
			   s->o.chat_style == SK_CHAT_SOCKIT
				   ? "<announce> <user%u> is gone.\n"
				   : "<announce> <user%u> is disconnected.\n",
			   id);
	sk__server_broadcast(s, NULL, (const uint8_t *)msg, (size_t)len);
}

/* "<userID> " and p[0..n) into out (room for 4 * n + 32 bytes), escaped
 * as ncat escapes what a terminal would act on: \ooo for control bytes
 * but tab, CR and LF.  Returns the length. */
static size_t chat_text(char *out, unsigned id, const uint8_t *p, size_t n,
			bool escape)
{
	size_t len = (size_t)snprintf(out, 32, "<user%u> ", id);
	for (size_t i = 0; i < n; i++) {
		if (!escape || (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' ||
		    p[i] == '\r' || p[i] == '\n')
			out[len++] = (char)p[i];
		else
			len += (size_t)snprintf(out + len, 5, "\\%03o", p[i]);
	}
	return len;
}

void sk__server_chat_line(struct sk_server_client *c, const uint8_t *p,
			  size_t n)
{
	struct sk_server *s = c->s;
	char msg[4 * SK_SERVER_LINE_MAX + 32];
	size_t len = chat_text(msg, c->peer->id, p, n,
			       s->o.chat_style != SK_CHAT_SOCKIT);
	msg[len++] = '\n';
	sk__server_broadcast(s, c, (const uint8_t *)msg, len);
}

size_t sk_server_say(struct sk_server *s, const void *p, size_t n)
{
	if (s->o.mode != SK_SERVER_CHAT || s->o.chat_style == SK_CHAT_SOCKIT)
		return sk_server_send_all(s, p, n);
	char *msg = malloc(4 * n + 32);
	if (!msg)
		return 0;
	size_t len = chat_text(msg, 0, p, n, true);
	size_t sent = sk_server_send_all(s, msg, len);
	free(msg);
	return sent;
}
