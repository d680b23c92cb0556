/* sockit tcp listen: nc -l for one client, ncat -lk and beyond for many. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sockit/append.h"
#include "sockit/bytes.h"
#include "sockit/hostlist.h"
#include "sockit/connect.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/listen.h"
#include "sockit/parse.h"
#include "sockit/rules.h"
#include "tcp.h"
#include "tls_opts.h"
#include "udp_common.h"

static const char usage[] =
	"usage: sockit tcp listen [ADDR]:PORT [options]\n"
	"\n"
	"Listens on ADDR:PORT (:PORT or PORT: every interface, IPv4 and IPv6;\n"
	"port 0 picks a free port; unix:PATH) and prints 'listening on ADDR:PORT'\n"
	"on stderr.  Without -k it serves one client like nc -l: the client's\n"
	"bytes go to stdout, stdin goes to the client, and sockit exits when the\n"
	"client has sent all it has (closed, or shut its side down), once what\n"
	"stdin has ready then is sent; the rest of stdin is left unread unless\n"
	"it is a regular file, which is sent whole.  At the end of stdin the\n"
	"sending side is shut down and sockit waits for the client.  With -k it\n"
	"serves many clients at once on one thread,\n"
	"logs each connect and disconnect with the client's id, shows what they\n"
	"send on stdout as '[ID ADDR] line', and sends stdin to all of them.  When\n"
	"stdin is a terminal, lines typed go to the last client heard from, and\n"
	"/peers, /to ID, /all, /kick ID, /hex on|off, /quit, /help are commands.\n"
	"\n"
	"modes (one client, or many with -k):\n"
	"  --echo              send every client its own bytes back\n"
	"  --reply TEXT        answer every message (each read) with TEXT (C escapes;\n"
	"                      {{peer}} {{counter}} {{time}} {{len}} expand)\n"
	"  --rules FILE        answer by rules (exact, prefix, contains, regex, hex;\n"
	"                      see docs/RULES.md); --reply then answers the rest\n"
	"  --append SPEC       add crc16-modbus, crc32, sum8, xor8 or TEXT to answers\n"
	"  --broker            every client's bytes go to every other client\n"
	"  --chat              broker with '<userN> ' before each line, announcing\n"
	"                      who comes and goes in ncat --chat's words\n"
	"  --chat-style S      with --chat: ncat (default), or sockit (ADDR:PORT\n"
	"                      of who joins, told to the others only; 'is gone')\n"
	"  --exec CMD          run CMD per client, the socket as its stdin and\n"
	"                      stdout (with --tls, pipes sockit relays through\n"
	"                      TLS); its environment has SOCKIT_PEER_ADDR/PORT,\n"
	"                      SOCKIT_LOCAL_ADDR/PORT, SOCKIT_PROTO and ncat's\n"
	"                      NCAT_REMOTE_ADDR/PORT, NCAT_LOCAL_ADDR/PORT, NCAT_PROTO\n"
	"  --sh-exec CMD       the same through /bin/sh -c\n"
	"                      (both refused off loopback unless --allow is given)\n"
	"options:\n"
	"  -k, --keep-open     serve many clients until interrupted\n"
	"  -4, -6              IPv4 or IPv6 only\n"
	"  --max-conns N       clients at once (default 1000, at least 1); more\n"
	"                      are refused\n"
	"  --allow HOST        accept only these (repeatable; HOST,HOST... as ncat):\n"
	"                      addresses, CIDR blocks, ranges (198.18.0.1-20,\n"
	"                      10.0.*.1), names (every address, looked up at start)\n"
	"  --deny HOST         refuse these (the same forms); deny wins\n"
	"  --allow-file FILE   hosts to accept, in ncat's host file format (any\n"
	"                      number a line, '#' comments)\n"
	"  --deny-file FILE    hosts to refuse, the same way\n"
	"  --idle-timeout D    drop a client silent for D (500ms, 30s, 5m); the one\n"
	"                      client of plain nc -l mode ends the run, status 1\n"
	"  --max-buffer SIZE   bytes queued to one client before it is dropped as\n"
	"                      too slow (default 1048576)\n"
	"  --raw               with -k: clients' bytes to stdout as they are\n"
	"  --hex               show received bytes as a hexdump\n"
	"  --no-shutdown       one client: keep sending side open at stdin EOF\n"
	"  --send-only         one client: only send; the client's bytes are\n"
	"                      ignored and sockit exits once stdin's end is sent\n"
	"  --recv-only         one client: only receive; stdin is never read\n"
	"  -C, --crlf          send stdin's line ends (and an --exec program's) as\n"
	"                      CRLF\n"
	"  -v, --verbose       each chunk tagged on stderr, TLS details\n"
	"  --stats             byte counts and rates at exit (and on SIGUSR1);\n"
	"                      on a terminal also a live status line\n"
	"  --tls               TLS; without --cert/--key an ephemeral self-signed\n"
	"                      certificate is made and its SHA-256 printed\n"
	"  --cert F --key F    the server's certificate chain and key (PEM)\n"
	"  --alpn LIST         protocols accepted, in preference order\n"
	"  --client-ca FILE    require a client certificate signed by a CA in\n"
	"                      FILE (PEM); others fail the handshake (logged)\n"
	"  -h, --help          this help\n"
	"\n"
	"examples:\n"
	"  sockit tcp listen :8080 > received.bin\n"
	"  sockit tcp listen -k 127.0.0.1:9000 --reply 'I Know\\n'\n"
	"  sockit tcp listen -k :7000 --broker --max-conns 5000\n"
	"  sockit tcp listen -k 127.0.0.1:2000 --sh-exec 'tr a-z A-Z'\n"
	"  sockit tcp listen --tls localhost:8443\n"
	"\n"
	"exit status: 0 served (with -k: or interrupted), 1 cannot listen or a\n"
	"session failed, 2 usage error.  Without -k, SIGINT or SIGTERM ends it as\n"
	"they end nc -l: by the signal.\n";

struct host_arg;

struct opts {
	struct sk_endpoint ep;
	int family;
	struct server_opts so;
	struct tcp_tls_opts tls;
	bool no_shutdown, send_only, recv_only;
	const char *reply_text, *rules_file;
	const char *client_ca;
	struct sk_append append;
	int modes;
	bool chat_style_set;
	struct host_arg *hosts;
	size_t nhosts;
};

/* --allow, --deny and their files, kept until every option is read:
 * names resolve with -4/-6 in force, wherever those were given. */
struct host_arg {
	const char *opt; /* "--allow", "--deny", "--allow-file" or "--deny-file" */
	const char *text;
};

static struct sk_hostlist *host_side(struct opts *o, const char *opt)
{
	bool allow = opt[2] == 'a';
	struct sk_hostlist **l = allow ? &o->so.allow : &o->so.deny;
	if (!*l && sk_hostlist_new(l))
		cli_fail(EXIT_FAIL, "out of memory");
	return *l;
}

/* HOST[,HOST...] as ncat takes it on its command line. */
static void host_specs(struct opts *o, const char *opt, const char *text)
{
	struct sk_hostlist *l = host_side(o, opt);
	char spec[SK_HOSTSPEC_MAX + 1], err[SK_ERRLEN];
	const char *p = text;
	do {
		size_t n = strcspn(p, ",");
		snprintf(spec, sizeof spec, "%.*s", (int)n, p);
		if (n >= sizeof spec ||
		    sk_hostlist_add(l, spec, o->family, 0, err) < 0)
			cli_usage("%s: %s", opt,
				  n >= sizeof spec ? "host too long" : err);
		p += n;
	} while (*p++ == ',');
}

/* An allow file without any host would let everyone in: refused. */
static void host_file(struct opts *o, const char *name, const char *path)
{
	unsigned line;
	char why[SK_ERRLEN];
	int specs = sk_hostlist_add_file(host_side(o, name), path, o->family, 0, &line, why);
	if (specs < 0 && line)
		cli_usage("%s %s line %u: %s", name, path, line, why);
	if (specs < 0)
		cli_usage("%s %s", name, why);
	if (specs == 0 && !strcmp(name, "--allow-file"))
		cli_usage("%s %s: no addresses in the file", name, path);
}

static void host_take(const struct cli_opt *opt, const char *text)
{
	struct opts *o = opt->to;
	struct host_arg *grown =
	    realloc(o->hosts, (o->nhosts + 1) * sizeof *o->hosts);
	if (!grown)
		cli_fail(EXIT_FAIL, "out of memory");
	o->hosts = grown;
	o->hosts[o->nhosts++] = (struct host_arg){ opt->label, text };
}

static void hosts_build(struct opts *o)
{
	for (size_t i = 0; i < o->nhosts; i++) {
		const struct host_arg *h = &o->hosts[i];
		if (!strstr(h->opt, "-file"))
			host_specs(o, h->opt, h->text);
		else
			host_file(o, h->opt, h->text);
	}
	free(o->hosts);
	o->hosts = NULL;
}

/* ncat takes 0 as "refuse everyone", which no one wants from a server. */
static void max_conns(const struct cli_opt *opt, const char *text)
{
	if (!strcmp(text, "0"))
		cli_usage("--max-conns 0 would refuse every client (as in ncat); "
			  "give 1 or more");
	*(uint64_t *)opt->to = cli_number("--max-conns", text, 1, 10000000);
}

/* --echo, --broker, --chat, --exec CMD, --sh-exec CMD: the mode is .min. */
static void take_mode(const struct cli_opt *opt, const char *text)
{
	struct opts *o = opt->to;
	o->so.mode = (enum sk_server_mode)opt->min;
	o->modes++;
	if (text) {
		o->so.exec_cmd = text;
		o->so.exec_shell = opt->name[0] == 's';
	}
}

/* The modes exclude each other; one way is one client, plain relay. */
static void check_modes(const struct opts *o)
{
	if (o->modes > 1)
		cli_usage("--echo, --reply/--rules, --broker, --chat and --exec exclude each other");
	if (!o->send_only && !o->recv_only)
		return;
	if (o->send_only && o->recv_only)
		cli_usage("--send-only and --recv-only exclude each other");
	const char *opt = o->send_only ? "--send-only" : "--recv-only";
	if (o->so.keep || o->modes)
		cli_usage("%s applies to one client without -k, --echo, --reply, "
			  "--broker, --chat or --exec", opt);
	if (o->recv_only && (o->no_shutdown || o->so.crlf))
		cli_usage("--recv-only sends nothing: -C and --no-shutdown do not apply");
	if (o->send_only && (o->no_shutdown || o->so.show.hex))
		cli_usage("--send-only ignores the client's bytes and ends with "
			  "stdin: --hex and --no-shutdown do not apply");
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const char *const chat_styles[] = { "ncat", "sockit", NULL };
	o->so.max_conns = 1000;
	o->so.max_buffer = 1024 * 1024;
	const struct cli_opt table[] = {
		CLI_FLAG('k', "keep-open", &o->so.keep),
		CLI_FAMILY(&o->family),
		CLI_ACT(0, "echo", take_mode, o, .min = SK_SERVER_ECHO),
		CLI_STR(0, "reply", &o->reply_text),
		CLI_STR(0, "rules", &o->rules_file),
		CLI_APPEND(&o->append),
		CLI_ACT(0, "broker", take_mode, o, .min = SK_SERVER_BROKER),
		CLI_ACT(0, "chat", take_mode, o, .min = SK_SERVER_CHAT),
		CLI_WORD(0, "chat-style", &o->so.chat_style, chat_styles, "ncat or sockit",
			 .seen = &o->chat_style_set),
		CLI_CALL(0, "exec", take_mode, o, .min = SK_SERVER_EXEC),
		CLI_CALL(0, "sh-exec", take_mode, o, .min = SK_SERVER_EXEC),
		CLI_CALL(0, "max-conns", max_conns, &o->so.max_conns),
		CLI_CALL(0, "allow", host_take, o, .label = "--allow"),
		CLI_CALL(0, "deny", host_take, o, .label = "--deny"),
		CLI_CALL(0, "allow-file", host_take, o, .label = "--allow-file"),
		CLI_CALL(0, "deny-file", host_take, o, .label = "--deny-file"),
		CLI_MS(0, "idle-timeout", &o->so.idle_ms),
		CLI_SIZE(0, "max-buffer", &o->so.max_buffer, 1ULL << 40, "65536, 512K, 1M"),
		CLI_FLAG(0, "raw", &o->so.raw),
		CLI_FLAG(0, "hex", &o->so.show.hex),
		CLI_FLAG(0, "no-shutdown", &o->no_shutdown),
		CLI_FLAG(0, "send-only", &o->send_only),
		CLI_FLAG(0, "recv-only", &o->recv_only),
		CLI_FLAG('C', "crlf", &o->so.crlf),
		CLI_FLAG('v', "verbose", &o->so.verbose),
		CLI_FLAG(0, "stats", &o->so.stats),
		TLS_SERVER_OPTS(&o->tls),
		CLI_STR(0, "client-ca", &o->tls.client_ca),
	};
	cli_parse(argc, argv, table, usage);
	o->so.show.verbose = o->so.verbose;
	if (o->append.kind)
		o->so.append = &o->append;
	cli_operands(argc, argv, 1, 1, "missing [ADDR]:PORT");
	if (o->reply_text || o->rules_file) {
		o->so.mode = SK_SERVER_REPLY;
		o->modes++;
	}
	cli_endpoint("", argv[optind], "tcp", NULL, &o->ep);
	hosts_build(o);
	check_modes(o);
	if (o->chat_style_set && o->so.mode != SK_SERVER_CHAT)
		cli_usage("--chat-style applies to --chat");
	tls_check_server(&o->tls);
	if (o->so.raw && o->so.show.hex)
		cli_usage("--raw and --hex exclude each other");
	if (o->so.append && o->so.mode != SK_SERVER_REPLY)
		cli_usage("--append applies to the answers of --reply/--rules");
	if (o->so.mode == SK_SERVER_REPLY)
		o->so.rules = udp_load_rules(o->rules_file, o->reply_text);
}

/* One client like nc -l: the first allowed client, then the relay. */
struct first {
	const struct opts *o;
	uv_stream_t *stream;
	char peer[SK_ADDRSTRLEN + SK_PATHLEN];
};

static void first_accept(struct sk_listener *l, int status, uv_stream_t *stream,
			 void *data)
{
	struct first *f = data;
	if (status < 0) {
		cli_warn("accept: %s", sk_strerror(status));
		return;
	}
	if (f->stream) {
		sk_stream_close(stream);
		return;
	}
	struct sockaddr_storage peer;
	sk_stream_peer_name(stream, &peer, f->peer, sizeof f->peer);
	struct sk_acl acl = tcp_acl(&f->o->so);
	if (!sk_acl_allows(&acl, &peer)) {
		cli_warn("[%s] refused: not allowed (--allow/--deny)", f->peer);
		sk_stream_close(stream);
		return;
	}
	if (f->o->so.verbose)
		cli_warn("[%s] connected", f->peer);
	f->stream = stream;
	sk_listener_close(l);
}

int cmd_tcp_listen(int argc, char **argv)
{
	struct opts o = { 0 };
	parse(argc, argv, &o);
	tcp_process_setup();
	uv_loop_t *loop = uv_default_loop();
	char err[SK_ERRLEN];

	struct sk_tls_ctx *ctx = NULL;
	if (o.tls.on) {
		ctx = tls_server_ctx(&o.tls, o.ep.host[0] ? o.ep.host : NULL);
		o.so.tls = ctx;
	}

	bool single = !o.so.keep && o.so.mode == SK_SERVER_RECEIVE;
	struct first first = { .o = &o };
	struct tcp_server *srv = NULL;
	struct sk_listener *l = NULL;
	const struct sk_listener *where_l;
	struct sk_listen_opts lo = { .family = o.family };
	if (single) {
		if (sk_listen_start(loop, &o.ep, &lo, first_accept, &first, &l,
				    err))
			cli_fail(EXIT_FAIL, "%s", err);
		where_l = l;
	} else {
		srv = tcp_server_new(loop, &o.so);
		where_l = tcp_server_listen(srv, &o.ep, &lo);
	}
	if (ctx)
		tls_print_fingerprint(&o.tls, ctx);
	char where[512];
	sk_listener_format(where_l, where, sizeof where);
	cli_warn("listening on %s", where);

	int status;
	if (single) {
		uv_run(loop, UV_RUN_DEFAULT);
		struct sk_tls *tls = NULL;
		if (ctx && sk_tls_new(ctx, true, NULL, NULL, &tls, err))
			cli_fail(EXIT_FAIL, "%s", err);
		struct relay_opts ro = { .show = o.so.show, .no_shutdown = o.no_shutdown,
					 .crlf = o.so.crlf, .stats = o.so.stats, .quit_ms = -1,
					 .send_only = o.send_only, .recv_only = o.recv_only,
					 .end_at_peer_eof = !o.send_only,
					 .client_cert = o.tls.client_ca != NULL,
					 .idle_ms = o.so.idle_ms };
		status = first.stream ? tcp_relay(loop, first.stream, tls, first.peer, &ro)
				      : EXIT_FAIL;
	} else {
		status = tcp_server_run(srv);
	}
	sk_tls_ctx_free(ctx);
	sk_hostlist_free(o.so.allow);
	sk_hostlist_free(o.so.deny);
	sk_rules_free(o.so.rules);
	uv_loop_close(loop);
	return status;
}
