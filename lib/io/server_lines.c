/* A client's bytes cut into lines for on_line and chat.  Whole lines are
 * delivered straight from the read buffer; only a partial line at the end
 * is kept, so an idle client holds no line buffer.  A line longer than
 * SK_SERVER_LINE_MAX goes out in pieces of that size. */
#include "server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A complete line from c (without its line ending): to the caller, and in
 * chat mode to everyone else. */
static void line_done(struct sk_server_client *c, const char *p, size_t n)
{
	struct sk_server *s = c->s;
	if (s->cbs.on_line)
		s->cbs.on_line(s->data, c, p, n);
	if (s->o.mode == SK_SERVER_CHAT && c->peer) {
		char msg[SK_SERVER_LINE_MAX + 32];
		int len = snprintf(msg, sizeof msg, "<user%u> %.*s\n",
				   c->peer->id, (int)n, p);
		sk__server_broadcast(s, c, (const uint8_t *)msg, (size_t)len);
	}
}

void sk__server_line_flush(struct sk_server_client *c)
{
	if (c->line_len) {
		line_done(c, c->line, c->line_len);
		c->line_len = 0;
	}
}

void sk__server_lines(struct sk_server_client *c, const uint8_t *p, size_t n)
{
	while (n && !c->gone) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		if (!c->line_len && nl && take <= SK_SERVER_LINE_MAX) {
			size_t len =
			    take && p[take - 1] == '\r' ? take - 1 : take;
			line_done(c, (const char *)p, len);
		} else {
			if (!c->line && !(c->line = malloc(SK_SERVER_LINE_MAX)))
				return;
			for (size_t i = 0; i < take && !c->gone; i++) {
				c->line[c->line_len++] = (char)p[i];
				if (c->line_len == SK_SERVER_LINE_MAX)
					sk__server_line_flush(c);
			}
			if (nl && !c->gone) {
				size_t len = c->line_len;
				if (len && c->line[len - 1] == '\r')
					len--;
				line_done(c, c->line, len);
				c->line_len = 0;
			}
		}
		if (!nl)
			break;
		p += take + 1;
		n -= take + 1;
		if (c->line && !c->line_len) {
			free(c->line);
			c->line = NULL;
		}
	}
}
