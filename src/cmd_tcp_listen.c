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
#include "sockit/cidr.h"
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
	"client leaves.  With -k it serves many clients at once on one thread,\n"
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
	"  --max-conns N       clients at once (default 1000); more are refused\n"
	"  --allow CIDR        accept only these (repeatable); --deny CIDR refuses\n"
	"  --allow-file FILE   CIDRs to accept, one a line, '#' comments\n"
	"  --idle-timeout D    drop a client silent for D (500ms, 30s, 5m); the one\n"
	"                      client of plain nc -l mode ends the run, status 1\n"
	"  --max-buffer SIZE   bytes queued to one client before it is dropped as\n"
	"                      too slow (default 1048576)\n"
	"  --raw               with -k: clients' bytes to stdout as they are\n"
	"  --hex               show received bytes as a hexdump\n"
	"  --no-shutdown       one client: keep sending side open at stdin EOF\n"
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

struct opts {
	struct sk_endpoint ep;
	int family;
	struct server_opts so;
	struct tcp_tls_opts tls;
	bool no_shutdown;
	const char *reply_text, *rules_file;
	const char *client_ca;
	struct sk_append append;
	int modes;
	bool chat_style_set;
};

static void add_cidr(struct sk_cidr **list, size_t *n, const char *text,
		     const char *opt)
{
	struct sk_cidr c;
	char err[SK_ERRLEN];
	if (sk_cidr_parse(text, NULL, &c, err))
		cli_usage("%s: %s", opt, err);
	struct sk_cidr *grown = realloc(*list, (*n + 1) * sizeof c);
	if (!grown)
		cli_fail(EXIT_FAIL, "out of memory");
	grown[(*n)++] = c;
	*list = grown;
}

/* The file is read whole (at most ALLOW_FILE_MAX bytes): a directory, a
 * read error, NUL bytes or an endless /dev/zero are refused, and so is a
 * file without any address, which would otherwise let everyone in. */
#define ALLOW_FILE_MAX (1u << 20)

static void allow_file(struct opts *o, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		cli_usage("--allow-file %s: %s", path, strerror(errno));
	char *buf = malloc(ALLOW_FILE_MAX + 1);
	if (!buf)
		cli_fail(EXIT_FAIL, "out of memory");
	size_t n = fread(buf, 1, ALLOW_FILE_MAX + 1, f);
	int err = ferror(f) ? errno : 0;
	fclose(f);
	if (err)
		cli_usage("--allow-file %s: %s", path, sk_strerror(-err));
	if (n > ALLOW_FILE_MAX)
		cli_usage("--allow-file %s: larger than %u bytes", path, ALLOW_FILE_MAX);
	if (memchr(buf, 0, n))
		cli_usage("--allow-file %s: NUL byte: not a text file", path);
	buf[n] = 0;
	size_t before = o->so.nallow;
	unsigned lineno = 0;
	for (char *line = buf, *next; line < buf + n; line = next) {
		lineno++;
		char *end = line + strcspn(line, "\n");
		next = *end ? end + 1 : end;
		*end = 0;
		char *p = line + strspn(line, " \t");
		p[strcspn(p, "#\r")] = 0;
		size_t len = strlen(p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			p[--len] = 0;
		if (!*p)
			continue;
		char opt[600];
		snprintf(opt, sizeof opt, "--allow-file %s line %u", path, lineno);
		add_cidr(&o->so.allow, &o->so.nallow, p, opt);
	}
	free(buf);
	if (o->so.nallow == before)
		cli_usage("--allow-file %s: no addresses in the file", path);
}

static uint64_t parse_size(const char *opt, const char *text)
{
	/* Bytes, or with a K/M/G suffix (binary multiples). */
	char num[32];
	size_t len = strlen(text);
	uint64_t mult = 1;
	if (len && len < sizeof num) {
		char last = text[len - 1];
		if (last == 'K' || last == 'k')
			mult = 1024;
		else if (last == 'M' || last == 'm')
			mult = 1024 * 1024;
		else if (last == 'G' || last == 'g')
			mult = 1024ULL * 1024 * 1024;
		if (mult > 1)
			len--;
	}
	snprintf(num, sizeof num, "%.*s", (int)len, text);
	/* Checked here so the message shows what was typed, suffix and all. */
	uint64_t v;
	int rc = sk_parse_u64(num, 1, (1ULL << 40) / mult, &v);
	if (rc == SK_ERANGE)
		cli_usage("%s %s: out of range 1 byte to 1024G", opt, text);
	if (rc)
		cli_usage("%s '%s': not a size (examples: 65536, 512K, 1M)", opt, text);
	return v * mult;
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "keep-open", no_argument, NULL, 'k' },
		{ "echo", no_argument, NULL, OPT_ECHO },
		{ "reply", required_argument, NULL, OPT_REPLY },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "broker", no_argument, NULL, OPT_BROKER },
		{ "chat", no_argument, NULL, OPT_CHAT },
		{ "chat-style", required_argument, NULL, OPT_CHAT_STYLE },
		{ "exec", required_argument, NULL, OPT_EXEC },
		{ "sh-exec", required_argument, NULL, OPT_SH_EXEC },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "deny", required_argument, NULL, OPT_DENY },
		{ "allow-file", required_argument, NULL, OPT_ALLOW_FILE },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "max-buffer", required_argument, NULL, OPT_MAX_BUFFER },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "hex", no_argument, NULL, OPT_HEX },
		{ "no-shutdown", no_argument, NULL, OPT_NO_SHUTDOWN },
		{ "crlf", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "stats", no_argument, NULL, OPT_STATS },
		TLS_SERVER_LONGOPTS,
		{ "client-ca", required_argument, NULL, OPT_CLIENT_CA },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	o->so.max_conns = 1000;
	o->so.max_buffer = 1024 * 1024;
	char err[SK_ERRLEN];
	int c;
	while ((c = cli_getopt(argc, argv, "k46Cvh", longopts)) != -1) {
		if (tls_opt_take(&o->tls, c, optarg))
			continue;
		switch (c) {
		case 'k': o->so.keep = true; break;
		case '4': o->family = AF_INET; break;
		case '6': o->family = AF_INET6; break;
		case OPT_ECHO:
			o->so.mode = SK_SERVER_ECHO;
			o->modes++;
			break;
		case OPT_REPLY: o->reply_text = optarg; break;
		case OPT_RULES: o->rules_file = optarg; break;
		case OPT_APPEND:
			if (sk_append_parse(optarg, &o->append, err))
				cli_usage("--append: %s", err);
			o->so.append = &o->append;
			break;
		case OPT_BROKER:
			o->so.mode = SK_SERVER_BROKER;
			o->modes++;
			break;
		case OPT_CHAT:
			o->so.mode = SK_SERVER_CHAT;
			o->modes++;
			break;
		case OPT_CHAT_STYLE:
			if (!strcmp(optarg, "ncat"))
				o->so.chat_style = SK_CHAT_NCAT;
			else if (!strcmp(optarg, "sockit"))
				o->so.chat_style = SK_CHAT_SOCKIT;
			else
				cli_usage("--chat-style '%s': ncat or sockit", optarg);
			o->chat_style_set = true;
			break;
		case OPT_EXEC:
		case OPT_SH_EXEC:
			o->so.mode = SK_SERVER_EXEC;
			o->so.exec_cmd = optarg;
			o->so.exec_shell = c == OPT_SH_EXEC;
			o->modes++;
			break;
		case OPT_MAX_CONNS: o->so.max_conns = cli_number("--max-conns", optarg, 1, 10000000); break;
		case OPT_ALLOW: add_cidr(&o->so.allow, &o->so.nallow, optarg, "--allow"); break;
		case OPT_DENY: add_cidr(&o->so.deny, &o->so.ndeny, optarg, "--deny"); break;
		case OPT_ALLOW_FILE: allow_file(o, optarg); break;
		case OPT_IDLE: o->so.idle_ms = cli_duration_ms("--idle-timeout", optarg); break;
		case OPT_MAX_BUFFER: o->so.max_buffer = parse_size("--max-buffer", optarg); break;
		case OPT_RAW: o->so.raw = true; break;
		case OPT_HEX: o->so.show.hex = true; break;
		case OPT_NO_SHUTDOWN: o->no_shutdown = true; break;
		case 'C': o->so.crlf = true; break;
		case 'v': o->so.verbose = o->so.show.verbose = true; break;
		case OPT_STATS: o->so.stats = true; break;
		case 'h': cli_help(usage);
		default: cli_usage("unexpected option");
		}
	}
	if (optind >= argc)
		cli_usage("missing [ADDR]:PORT");
	if (optind + 1 < argc)
		cli_usage("unexpected argument '%s'", argv[optind + 1]);
	if (o->reply_text || o->rules_file) {
		o->so.mode = SK_SERVER_REPLY;
		o->modes++;
	}
	if (sk_endpoint_parse(argv[optind], "tcp", &o->ep, err))
		cli_usage("%s", err);
	if (o->modes > 1)
		cli_usage("--echo, --reply/--rules, --broker, --chat and --exec exclude each other");
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
					 .client_cert = o.tls.client_ca != NULL,
					 .idle_ms = o.so.idle_ms };
		status = first.stream ? tcp_relay(loop, first.stream, tls, first.peer, &ro)
				      : EXIT_FAIL;
	} else {
		status = tcp_server_run(srv);
	}
	sk_tls_ctx_free(ctx);
	free(o.so.allow);
	free(o.so.deny);
	sk_rules_free(o.so.rules);
	uv_loop_close(loop);
	return status;
}
