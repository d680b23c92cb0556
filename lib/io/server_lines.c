/* A client's bytes cut into lines for on_line and chat, by the one line
 * splitter (sockit/lines.h): whole lines straight from the read buffer,
 * only a partial line kept, so an idle client holds no line buffer; a
 * line longer than SK_SERVER_LINE_MAX comes out in pieces of that size. */
#include "server_int.h"

#include <stdio.h>

/* A complete line from c: to the caller, and in chat mode to everyone
 * else (a partial line too, when its client leaves).  The caller may drop
 * c (or stop the server) from on_line: then the line is not broadcast, and
 * the splitter is not touched again while the line it handed out is in
 * use. */
static void line_done(struct sk_server_client *c, const uint8_t *p, size_t n)
{
	struct sk_server *s = c->s;
	bool leaving = c->gone;
	c->in_line = true;
	if (s->cbs.on_line)
		s->cbs.on_line(s->data, c, (const char *)p, n);
	if (s->o.mode == SK_SERVER_CHAT && c->gone == leaving)
		sk__server_chat_line(c, p, n);
	c->in_line = false;
}

void sk__server_line_flush(struct sk_server_client *c)
{
	struct sk_line line;
	if (!c->in_line && sk_lines_end(&c->lines, &line) > 0)
		line_done(c, line.p, line.len);
}

void sk__server_lines(struct sk_server_client *c, const uint8_t *p, size_t n)
{
	struct sk_line line;
	while (!c->gone && sk_lines_next(&c->lines, &p, &n, &line) > 0)
		line_done(c, line.p, line.len);
}
