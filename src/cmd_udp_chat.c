/* sockit udp chat: the two-way "network assistant" — what is typed goes
 * out, what arrives is shown, both at once; a peer table names senders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sockit/bytes.h"
#include "sockit/console.h"
#include "sockit/error.h"
#include "sockit/fdio.h"
#include "udp_common.h"

static const char usage[] =
	"usage: sockit udp chat [--local [ADDR]:PORT] [HOST:PORT] [options]\n"
	"\n"
	"Sends and receives at the same time.  Each datagram received is shown as\n"
	"'[ID ip:port] message', ID being the sender's short id in the peer table.\n"
	"Lines go to HOST:PORT when given, else to the last peer that sent\n"
	"something.  --local fixes the local address and port (at least one of\n"
	"--local and HOST:PORT is needed, or nobody could reach us).\n"
	"\n"
	"When stdin is a terminal, lines are typed at a console: text (C escapes)\n"
	"goes to the current target; commands start with '/':\n"
	"  /peers        peers with RX/TX counters\n"
	"  /to ID        send to peer ID from now on\n"
	"  /all          send to every peer\n"
	"  /hex on|off   show datagrams as hexdumps and read typed lines as hex\n"
	"  /quit         leave (also Ctrl-D)\n"
	"  /help         this list of commands\n"
	"  //text        sends '/text'\n"
	"When stdin is not a terminal there is no console: each line of stdin is a\n"
	"datagram, as it is (no escapes; hex with --hex-input).\n"
	"\n"
	"  --local [ADDR]:PORT  bind here (SO_REUSEADDR)\n"
	"  -4, -6             IPv4 / IPv6 only\n"
	"  --hex              show datagrams as hexdumps (console: /hex on)\n"
	"  --hex-input        lines are hex\n"
	"  -v, --verbose      time, direction, length; sent datagrams too\n"
	"  --append SPEC      add crc16-modbus, crc32, sum8, xor8 or TEXT to each\n"
	"                     datagram sent\n"
	"  --echo, --reply TEXT, --rules FILE   answer datagrams automatically, as\n"
	"                     udp listen does\n"
	"  --quit-after D     after stdin ends, quit after D (default: keep\n"
	"                     receiving until interrupted)\n"
	"  -w, --timeout D    quit after D without a datagram\n"
	"  --max-size N       receive buffer per datagram (1-65536)\n"
	"  --stats            RX/TX per peer at exit and on SIGUSR1 (stderr);\n"
	"                     on a terminal also a live status line\n"
	"  -h, --help         this help\n"
	"\n"
	"examples:\n"
	"  sockit udp chat --local :5400\n"
	"  sockit udp chat 127.0.0.1:5400\n"
	"  sockit udp chat --local 127.0.0.1:5401 127.0.0.1:5400 --append '\\r\\n'\n"
	"\n"
	"exit status: 0 done, 1 failure (port in use, a datagram could not be sent),\n"
	"2 usage error.\n";

enum target { TARGET_LAST, TARGET_ONE, TARGET_ALL };

struct chat {
	struct udp_run run;
	struct sk_udp_session *ss;
	struct sk_peers *peers; /* the session's */
	struct udp_show show;
	struct sk_responder resp; /* echo and rules, for the session */
	struct sk_append append;
	bool hex_input, console, stats;
	enum target target;
	unsigned target_id; /* TARGET_ONE */
	struct sk_fdin *in;
	uint64_t quit_after_ms, idle_ms;
	bool quit_after_set;
	size_t max_payload;
	char tag[SK_ADDRSTRLEN + 16]; /* the sender being answered */
	int status;
	bool done;
	bool lost; /* a datagram was not sent: exit 1 at the end */
};

static void finish(struct chat *c, int status)
{
	if (c->done)
		return;
	c->done = true;
	c->status = status;
	if (c->in)
		sk_fdin_close(c->in);
	c->in = NULL;
	sk_udp_session_stop(c->ss);
	uv_stop(&c->run.loop);
}

static void peer_tag(const struct sk_peer *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u %s", p->id, p->name);
}

static void send_to(struct chat *c, struct sk_peer *p, const uint8_t *data,
		    size_t n)
{
	int rc = sk_udp_session_send(c->ss, (const struct sockaddr *)&p->addr, p->addrlen, data, n);
	if (rc < 0) {
		cli_warn("send to %s: %s", p->name, sk_strerror(rc));
		c->lost = true;
	}
}

/* -v: what went out, typed or answered. */
static void on_sent(void *arg, const struct sockaddr *to,
		    struct sk_peer *p, const uint8_t *data, size_t n,
		    bool answer)
{
	struct chat *c = arg;
	char tag[SK_ADDRSTRLEN + 16];
	(void)to;
	if (!c->show.verbose)
		return;
	if (!answer) /* typed lines go to peers of the table */
		peer_tag(p, tag, sizeof tag);
	udp_show(&c->show, '>', answer ? c->tag : tag, data, n, n, NULL);
}

/* One datagram to the current target(s). */
static void send_data(struct chat *c, const uint8_t *data, size_t n)
{
	size_t wire = sk_udp_session_wire_len(c->ss, data, n);
	if (wire > c->max_payload) {
		cli_warn("%zu bytes: datagram too large (at most %zu)", wire, c->max_payload);
		c->lost = c->lost || !c->console;
		return;
	}
	if (c->target == TARGET_ALL) {
		if (!c->peers->n) {
			cli_warn("no peers yet: nobody has sent anything");
			c->lost = c->lost || !c->console;
		}
		for (size_t i = 0; i < c->peers->n; i++)
			send_to(c, c->peers->v[i], data, n);
		return;
	}
	struct sk_peer *p = c->target == TARGET_LAST ? sk_udp_session_last(c->ss)
						     : sk_peers_by_id(c->peers, c->target_id);
	if (!p) {
		cli_warn("nobody to send to yet: no peer has sent anything (give HOST:PORT or /to ID)");
		c->lost = c->lost || !c->console;
		return;
	}
	send_to(c, p, data, n);
}

/* Text typed or piped: decoded per the mode, then sent. */
static void send_line(struct chat *c, const char *p, size_t n, bool escapes)
{
	enum sk_text_mode mode = c->hex_input ? SK_TEXT_HEX
				 : escapes    ? SK_TEXT_ESCAPES
					      : SK_TEXT_RAW;
	uint8_t *buf;
	size_t bad = 0;
	int rc = sk_text_decode(p, n, mode, &buf, &bad);
	if (rc == -ENOMEM)
		return;
	if (rc < 0) {
		if (c->console)
			cli_warn("%s at offset %zu; nothing sent",
				 c->hex_input ? "bad hex" : "bad escape", bad);
		else {
			cli_warn("stdin: %s at offset %zu", c->hex_input ? "bad hex" : "bad escape", bad);
			finish(c, EXIT_USAGE);
		}
		return;
	}
	send_data(c, buf, (size_t)rc);
	free(buf);
}

static void console_line(struct chat *c, const char *p, size_t n)
{
	struct sk_console_cmd cmd;
	char err[SK_ERRLEN];
	if (sk_console_parse(p, n, &cmd, err)) {
		cli_warn("%s", err);
		return;
	}
	struct sk_str s = { 0 };
	struct sk_peer *peer;
	switch (cmd.kind) {
	case SK_CONSOLE_SEND:
		send_line(c, cmd.data, cmd.len, true);
		break;
	case SK_CONSOLE_PEERS:
		sk_peers_format(c->peers, uv_now(&c->run.loop), "dgrams", &s);
		fputs(s.p ? s.p : "", stdout);
		fflush(stdout);
		break;
	case SK_CONSOLE_TO:
		if (!(peer = sk_peers_by_id(c->peers, cmd.id))) {
			cli_warn("/to %u: no such peer (see /peers)", cmd.id);
			break;
		}
		c->target = TARGET_ONE;
		c->target_id = cmd.id;
		cli_warn("sending to %u %s", peer->id, peer->name);
		break;
	case SK_CONSOLE_ALL:
		c->target = TARGET_ALL;
		cli_warn("sending to all %zu peers", c->peers->n);
		break;
	case SK_CONSOLE_HEX:
		c->show.hex = c->hex_input = cmd.on;
		cli_warn("hex %s", cmd.on ? "on" : "off");
		break;
	case SK_CONSOLE_KICK:
		cli_warn("/kick: UDP has no connections to close");
		break;
	case SK_CONSOLE_QUIT:
		finish(c, EXIT_OK);
		break;
	case SK_CONSOLE_HELP:
		cli_warn("%s", sk_console_help(false));
		break;
	}
	sk_str_free(&s);
}

static void on_line(void *arg, const struct sk_line *line)
{
	struct chat *c = arg;
	const char *p = (const char *)line->p;
	size_t n = line->len;
	if (c->done)
		return;
	if (c->console)
		console_line(c, p, n);
	else
		send_line(c, p, n, false);
}

static void on_end(void *arg, int status)
{
	struct chat *c = arg;
	if (status < 0)
		cli_warn("stdin: %s", sk_strerror(status));
	sk_fdin_close(c->in);
	c->in = NULL;
	/* Ctrl-D at the console means leave; piped input ending only means
	 * there is nothing more to send. */
	if (c->console) {
		finish(c, EXIT_OK);
		return;
	}
	sk_udp_session_input_end(c->ss);
}

static void on_dgram(void *arg, const struct sk_dgram *d, struct sk_peer *p)
{
	struct chat *c = arg;
	if (p && p->id)
		peer_tag(p, c->tag, sizeof c->tag);
	else
		sk_sockaddr_format(d->from, true, c->tag, sizeof c->tag);
	if (d->size > d->len)
		cli_warn("datagram from %s of %zu bytes cut to %zu (raise --max-size)",
			 c->tag, d->size, d->len);
	udp_show(&c->show, '<', c->tag, d->data, d->len, d->size, &d->ts);
}

static void on_answer_error(void *arg, struct sk_peer *p, int code, bool answer)
{
	struct chat *c = arg;
	(void)p;
	(void)answer;
	cli_warn("reply to %s: %s", c->tag, sk_strerror(code));
}

/* -w, or --quit-after once stdin has ended. */
static void on_session_end(void *arg, enum sk_udp_session_end why, int code)
{
	(void)why;
	(void)code;
	finish(arg, EXIT_OK);
}

static void on_stop(void *arg)
{
	finish(arg, EXIT_OK);
}

/* What the command line says beyond struct chat's own fields. */
struct chat_args {
	int family;
	const char *peer, *local, *reply, *rules;
	size_t max_size;
};

static void parse_args(int argc, char **argv, struct chat *c, struct chat_args *a)
{
	*a = (struct chat_args){ .family = AF_UNSPEC, .max_size = 65536 };
	const struct cli_opt table[] = {
		CLI_FAMILY(&a->family),
		CLI_STR(0, "local", &a->local),
		CLI_FLAG(0, "hex", &c->show.hex),
		CLI_FLAG(0, "hex-input", &c->hex_input),
		CLI_FLAG('v', "verbose", &c->show.verbose),
		CLI_APPEND(&c->append),
		CLI_FLAG(0, "echo", &c->resp.echo),
		CLI_STR(0, "reply", &a->reply),
		CLI_STR(0, "rules", &a->rules),
		CLI_MS(0, "quit-after", &c->quit_after_ms, .seen = &c->quit_after_set),
		CLI_MS('w', "timeout", &c->idle_ms),
		CLI_NUM(0, "max-size", &a->max_size, 1, 65536),
		CLI_FLAG(0, "stats", &c->stats),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 0, 1, NULL);
	a->peer = argv[optind];
	if (!a->peer && !a->local)
		cli_usage("give HOST:PORT, --local [ADDR]:PORT, or both");
	if (c->resp.echo && (a->reply || a->rules))
		cli_usage("--echo and --reply/--rules both answer: choose one");
}

static void open_session(struct chat *c, const struct chat_args *a,
			 const struct sk_udp_ends *e)
{
	char err[SK_ERRLEN];
	const struct sk_addr *to = &e->peer, *bind_addr = &e->local;
	struct sk_udp_opts o = {
		.family = bind_addr->ss.ss_family,
		.v6only = e->v6only,
		.reuse = a->local != NULL,
		.rcvbuf = UDP_RCVBUF_DEFAULT,
	};
	struct sk_udp *u;
	int rc = sk_udp_new(&c->run.loop, &o, (const struct sockaddr *)&bind_addr->ss,
			    bind_addr->len, &u, err);
	if (rc)
		cli_fail(EXIT_FAIL, "%s", err);
	c->max_payload = sk_udp_max_payload(to->len ? to->ss.ss_family : o.family);
	struct sk_udp_session_opts so = {
		.max_size = a->max_size,
		.rules = c->resp.rules,
		.echo = c->resp.echo,
		.append = c->append.kind ? &c->append : NULL,
		.idle_ms = c->idle_ms,
		.end_after_input = c->quit_after_set,
		.wait_ms = c->quit_after_ms,
	};
	static const struct sk_udp_session_cbs cbs = {
		.on_recv = on_dgram,
		.on_sent = on_sent,
		.on_send_error = on_answer_error,
		.on_end = on_session_end,
	};
	if (sk_udp_session_new(&c->run.loop, u, &so, &cbs, c, &c->ss, err))
		cli_fail(EXIT_FAIL, "%s", err);
	c->peers = sk_udp_session_peers(c->ss);
	if (a->peer) {
		struct sk_peer *p;
		sk_udp_session_peer(c->ss, (const struct sockaddr *)&to->ss, to->len, &p);
		c->target = TARGET_ONE;
		c->target_id = p->id;
	}
}

static void start_stdin(struct chat *c)
{
	static const struct sk_fdin_cbs in_cbs = { .on_line = on_line, .on_end = on_end };
	int rc = sk_fdin_open_lines(&c->run.loop, STDIN_FILENO,
				    c->hex_input ? 6 * c->max_payload + 64 : c->max_payload + 1,
				    &in_cbs, c, &c->in);
	if (rc)
		cli_fail(EXIT_FAIL, "stdin: %s", sk_strerror(rc));
	c->console = sk_fdin_is_tty(c->in);
	if (c->console)
		cli_warn("%s", sk_console_help(false));
	/* A console owns the terminal's last line: the one being typed. */
	else
		udp_run_live(&c->run);
}

int cmd_udp_chat(int argc, char **argv)
{
	struct chat c;
	memset(&c, 0, sizeof c);
	struct chat_args a;
	parse_args(argc, argv, &c, &a);
	if (c.append.kind)
		c.resp.append = &c.append;
	struct sk_udp_ends ends;
	udp_ends(a.peer, "--local", a.local, a.family, &ends);
	c.resp.rules = udp_load_rules(a.rules, a.reply);

	uv_loop_init(&c.run.loop);
	open_session(&c, &a, &ends);
	/* Signals before "listening on": it may be signalled at once. */
	udp_run_start(&c.run, c.ss, c.stats, on_stop, &c, NULL);
	udp_say_listening(sk_udp_session_udp(c.ss));
	start_stdin(&c);
	udp_run(&c.run);
	sk_rules_free(c.resp.rules);
	/* Lines that could not be sent were reported one by one; the run
	 * still failed. */
	return c.status == EXIT_OK && c.lost ? EXIT_FAIL : c.status;
}
