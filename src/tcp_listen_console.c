/* tcp listen -k's console, when stdin is a terminal: lines typed go to the
 * last client heard from (or the one /to picked, or /all), and /peers,
 * /to, /all, /kick, /hex, /quit, /help are commands, as in udp chat. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sockit/error.h"
#include "sockit/output.h"
#include "sockit/peers.h"
#include "tcp_listen.h"

static void console_send(struct tcp_server *s, const char *p, size_t n)
{
	uint8_t *buf = malloc(n + 2);
	if (!buf)
		return;
	memcpy(buf, p, n);
	size_t len = n;
	if (s->o->crlf)
		buf[len++] = '\r';
	buf[len++] = '\n';
	if (s->to == TO_ALL && sk_server_count(s->srv))
		sk_server_send_all(s->srv, buf, len);
	else if (s->to == TO_ALL || !s->target ||
		 sk_server_send(s->srv, s->target, buf, len) == -ENOENT)
		cli_warn("no client to send to (see /peers, /to ID, /all)");
	free(buf);
}

static void console_to(struct tcp_server *s, unsigned id)
{
	struct sk_server_client *c = sk_server_client(s->srv, id);
	if (!c) {
		cli_warn("/to %u: no such client (see /peers)", id);
		return;
	}
	char tag[TCP_TAG_MAX];
	tcp_server_tag(c, tag, sizeof tag);
	s->to = TO_ONE;
	s->target = id;
	cli_warn("sending to %s", tag);
}

static void write_out(const char *p, size_t n)
{
	sk_fd_write_all(STDOUT_FILENO, p, n);
}

static void console_line(void *arg, const struct sk_line *line)
{
	struct tcp_server *s = arg;
	const char *p = (const char *)line->p;
	size_t n = line->len;
	struct sk_console_cmd cmd;
	char err[SK_ERRLEN];
	if (s->stopping)
		return;
	if (sk_console_parse(p, n, &cmd, err)) {
		cli_warn("%s", err);
		return;
	}
	struct sk_str out = { 0 };
	switch (cmd.kind) {
	case SK_CONSOLE_SEND: console_send(s, cmd.data, cmd.len); break;
	case SK_CONSOLE_PEERS:
		sk_peers_format(sk_server_peers(s->srv), uv_now(s->loop),
				"reads", &out);
		write_out(out.p ? out.p : "", out.len);
		break;
	case SK_CONSOLE_TO: console_to(s, cmd.id); break;
	case SK_CONSOLE_ALL:
		s->to = TO_ALL;
		cli_warn("sending to all %zu clients", sk_server_count(s->srv));
		break;
	case SK_CONSOLE_HEX:
		s->hex = cmd.on;
		sk_server_set_lines(s->srv, !s->hex && !s->o->raw);
		cli_warn("hex %s", cmd.on ? "on" : "off");
		break;
	case SK_CONSOLE_KICK:
		if (sk_server_kick(s->srv, cmd.id, "kicked from the console"))
			cli_warn("/kick %u: no such client (see /peers)",
				 cmd.id);
		break;
	case SK_CONSOLE_QUIT: tcp_server_stop(s); break;
	case SK_CONSOLE_HELP:
		write_out(sk_console_help(true), strlen(sk_console_help(true)));
		break;
	}
	sk_str_free(&out);
}

static void console_end(void *arg, int status)
{
	(void)status;
	struct tcp_server *s = arg;
	sk_fdin_close(s->console);
	s->console = NULL;
}

int tcp_console_start(struct tcp_server *s)
{
	static const struct sk_fdin_cbs cbs = { .on_line = console_line,
						.on_end = console_end };
	int rc = sk_fdin_open_lines(s->loop, STDIN_FILENO, SK_SERVER_LINE_MAX,
				    &cbs, s, &s->console);
	if (rc == 0)
		s->to = TO_LAST;
	return rc;
}
