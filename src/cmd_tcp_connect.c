/* sockit tcp connect: a client like nc/ncat, with verified TLS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sockit/append.h"
#include "sockit/bytes.h"
#include "sockit/conn.h"
#include "sockit/connect.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "tcp.h"
#include "tls_opts.h"

static const char usage[] =
	"usage: sockit tcp connect HOST:PORT [options]\n"
	"\n"
	"Connects to HOST:PORT ([v6]:PORT, :PORT for this host, unix:PATH) and\n"
	"relays stdin to the socket and the socket to stdout.  Every address of\n"
	"HOST is tried in turn.  At the end of stdin the sending side is shut\n"
	"down (the server sees EOF) and sockit exits when the server closes.\n"
	"\n"
	"  -4, -6              IPv4 or IPv6 addresses only\n"
	"  -w, --timeout D     connect timeout per address (500ms, 2s, 1m)\n"
	"  -s, --source ADDR   local address; --source [ADDR]:PORT sets both\n"
	"  -p PORT             local port\n"
	"  --retry N           retry all addresses N more times, backing off\n"
	"  --send TEXT         send TEXT (C escapes: \\r \\n \\t \\xHH) instead of\n"
	"                      stdin, print the reply, exit when the server closes\n"
	"  --hex-input         --send TEXT, or each stdin line, is hex bytes\n"
	"                      (48 65 6c, 48656c, 0x48)\n"
	"  --append SPEC       add crc16-modbus, crc32, sum8, xor8 or TEXT to --send,\n"
	"                      or to each stdin line\n"
	"                      (with either, stdin is read as lines: each line,\n"
	"                      its line ending removed, is one message)\n"
	"  --wait-reply D      with --send: exit D after sending (1 if no reply)\n"
	"  -q SECS             exit SECS after the end of stdin (0: at once)\n"
	"  --no-shutdown       keep the sending side open at the end of stdin\n"
	"  --send-only         only send: what the server sends is ignored, and\n"
	"                      sockit exits once stdin's end is sent\n"
	"  --recv-only         only receive: stdin is never read, the sending\n"
	"                      side stays open; exits when the server closes\n"
	"  --exec CMD          run CMD with the socket as its stdin and stdout\n"
	"                      instead of relaying stdio (as ncat --exec), its\n"
	"                      environment as in tcp listen (NCAT_REMOTE_ADDR ...)\n"
	"  --sh-exec CMD       the same through /bin/sh -c\n"
	"  -C, --crlf          send line ends as CRLF\n"
	"  --hex               show received bytes as a hexdump\n"
	"  -v, --verbose       connection lines and each chunk tagged on stderr\n"
	"  --stats             byte counts and rates at exit (and on SIGUSR1);\n"
	"                      on a terminal also a live status line\n"
	"  --tls               TLS; the certificate is verified against the system\n"
	"                      store and HOST\n"
	"  --sni NAME          server name sent in the handshake (default HOST)\n"
	"  --cafile FILE       trust the CA certificates in FILE instead\n"
	"  --alpn LIST         offer protocols, e.g. h2,http/1.1\n"
	"  --insecure          do not verify the certificate (says so on stderr)\n"
	"  --cert F --key F    client certificate\n"
	"  -h, --help          this help\n"
	"\n"
	"examples:\n"
	"  printf 'GET / HTTP/1.0\\r\\n\\r\\n' | sockit tcp connect localhost:80\n"
	"  sockit tcp connect 127.0.0.1:7 --send 'hello\\n' --wait-reply 2s\n"
	"  sockit tcp connect --tls --cafile ca.pem localhost:8443\n"
	"  sockit tcp connect -v --retry 5 [::1]:9000 < file\n"
	"\n"
	"exit status: 0 the session ended normally, 1 connecting, TLS or the\n"
	"session failed, 2 usage error.\n";

struct opts {
	struct sk_endpoint ep;
	char host[SK_HOSTLEN];
	struct sk_connect_opts co;
	struct relay_opts ro;
	struct tcp_tls_opts tls;
	const char *send_text;
	const char *exec_cmd; /* --exec, --sh-exec */
	bool exec_shell;
	bool hex_input;
	struct sk_append append;
	uint8_t *send_buf;
	char source[SK_HOSTLEN];
};

struct client {
	struct opts *o;
	uv_loop_t *loop;
	int status;
	bool connected;
	uv_stream_t *stream;
	struct sockaddr_storage peer_addr, local_addr; /* for --exec */
	char peer[SK_ADDRSTRLEN + SK_PATHLEN];
	char last[SK_ERRLEN]; /* the last attempt's failure, as -v showed it */
};

static void on_attempt(void *data, const struct sockaddr *sa, int status,
		       const char *msg)
{
	struct client *c = data;
	if (!c->o->ro.show.verbose)
		return;
	char addr[SK_ADDRSTRLEN + SK_PATHLEN] = "";
	if (sa)
		sk_sockaddr_format(sa, true, addr, sizeof addr);
	if (status == 1)
		cli_warn("connecting to %s", addr);
	else if (status == 2)
		cli_warn("%s", msg);
	else if (status < 0)
		cli_warn("%s", msg);
	snprintf(c->last, sizeof c->last, "%s", status < 0 && msg ? msg : "");
}

static void on_connected(const struct sk_connect_result *res, void *data)
{
	struct client *c = data;
	if (res->status) {
		c->status = EXIT_FAIL;
		/* With -v the one address's failure was just shown. */
		if (strcmp(res->err, c->last))
			cli_warn("%s", res->err);
		return;
	}
	c->connected = true;
	c->stream = res->stream;
	c->peer_addr = res->peer;
	c->local_addr = res->local;
	sk_sockaddr_format((const struct sockaddr *)&res->peer, true, c->peer,
			   sizeof c->peer);
	if (c->o->ro.show.verbose) {
		char local[SK_ADDRSTRLEN] = "";
		if (res->local.ss_family)
			sk_sockaddr_format((const struct sockaddr *)&res->local, true,
					   local, sizeof local);
		cli_warn("connected to %s%s%s", c->peer, *local ? " from " : "", local);
	}
}

static void parse_source(const struct cli_opt *opt, const char *text)
{
	struct opts *o = opt->to;
	struct sk_endpoint ep;
	bool ported = cli_source(text, "tcp", &ep);
	snprintf(o->source, sizeof o->source, "%s", ep.host);
	/* "[]:PORT" names only the port; a bare address is taken as given. */
	o->co.source = ported && !o->source[0] ? NULL : o->source;
	if (ported)
		o->co.source_port = ep.port;
}

/* --send-only and --recv-only against the options they make pointless. */
static void check_one_way(const struct opts *o)
{
	const struct relay_opts *ro = &o->ro;
	if (ro->send_only && ro->recv_only)
		cli_usage("--send-only and --recv-only exclude each other");
	if (o->exec_cmd && (ro->send_only || ro->recv_only))
		cli_usage("--send-only and --recv-only concern stdin and stdout, "
			  "which --exec does not use");
	if (ro->recv_only && (o->send_text || ro->quit_ms >= 0 || ro->crlf ||
			      o->hex_input || o->append.kind || ro->no_shutdown))
		cli_usage("--recv-only sends nothing: --send, -q, -C, --hex-input, "
			  "--append and --no-shutdown do not apply");
	if (ro->send_only && (ro->wait_reply_ms || ro->quit_ms >= 0 ||
			      ro->show.hex || ro->no_shutdown))
		cli_usage("--send-only ignores replies and ends with stdin: "
			  "--wait-reply, -q, --hex and --no-shutdown do not apply");
}

static void take_exec(const struct cli_opt *opt, const char *text)
{
	struct opts *o = opt->to;
	o->exec_cmd = text;
	o->exec_shell = opt->name[0] == 's';
}

static void parse(int argc, char **argv, struct opts *o)
{
	o->ro.quit_ms = -1;
	bool wait_set = false;
	const struct cli_opt table[] = {
		CLI_FAMILY(&o->co.family),
		CLI_MS('w', "timeout", &o->co.timeout_ms, .label = "-w"),
		CLI_CALL('s', "source", parse_source, o),
		CLI_PORT('p', NULL, &o->co.source_port, "tcp"),
		CLI_MS('q', NULL, &o->ro.quit_ms),
		CLI_NUM(0, "retry", &o->co.retries, 0, 1000),
		CLI_STR(0, "send", &o->send_text),
		CLI_FLAG(0, "hex-input", &o->hex_input),
		CLI_APPEND(&o->append),
		CLI_MS(0, "wait-reply", &o->ro.wait_reply_ms, .seen = &wait_set),
		CLI_FLAG(0, "no-shutdown", &o->ro.no_shutdown),
		CLI_FLAG(0, "send-only", &o->ro.send_only),
		CLI_FLAG(0, "recv-only", &o->ro.recv_only),
		CLI_CALL(0, "exec", take_exec, o),
		CLI_CALL(0, "sh-exec", take_exec, o),
		CLI_FLAG('C', "crlf", &o->ro.crlf),
		CLI_FLAG(0, "hex", &o->ro.show.hex),
		CLI_FLAG('v', "verbose", &o->ro.show.verbose),
		CLI_FLAG(0, "stats", &o->ro.stats),
		TLS_CLIENT_OPTS(&o->tls),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 1, 1, "missing HOST:PORT");
	cli_endpoint("", argv[optind], "tcp", NULL, &o->ep);
	if (o->ep.kind == SK_ENDPOINT_INET && o->ep.port == 0)
		cli_usage("%s: port 0 cannot be connected to", argv[optind]);
	tls_check_client(&o->tls);
	if (wait_set && !o->send_text)
		cli_usage("--wait-reply needs --send");
	/* The program has the socket itself: nothing passes through sockit
	 * to be converted, encrypted or sent. */
	if (o->exec_cmd && (o->send_text || o->tls.on || o->ro.crlf))
		cli_usage("--exec/--sh-exec exclude --send, --tls and -C in tcp connect "
			  "(the program has the socket itself)");
	if (o->send_text && o->ro.quit_ms >= 0)
		cli_usage("-q applies to stdin; with --send use --wait-reply");
	check_one_way(o);
	if (o->ep.kind == SK_ENDPOINT_UNIX && (o->co.source || o->co.source_port))
		cli_usage("-s/-p/--source make no sense for unix:%s", o->ep.path);
	if (o->send_text) {
		size_t n = strlen(o->send_text), bad = 0;
		o->send_buf = malloc(n + 1 + SK_APPEND_MAX);
		if (!o->send_buf)
			cli_fail(EXIT_FAIL, "out of memory");
		int len = o->hex_input ? sk_hex_decode(o->send_text, n, o->send_buf, &bad)
				       : sk_unescape(o->send_text, n, o->send_buf, &bad);
		if (len < 0)
			cli_usage("--send: %s at offset %zu", sk_strerror(len), bad);
		len += (int)sk_append_suffix(&o->append, o->send_buf, (size_t)len,
					     o->send_buf + len);
		o->ro.send = o->send_buf;
		o->ro.send_len = (size_t)len;
	} else {
		/* stdin as lines, each one message (see relay_opts). */
		o->ro.hex_input = o->hex_input;
		o->ro.append = o->append.kind ? &o->append : NULL;
	}
	snprintf(o->host, sizeof o->host, "%s", o->ep.host[0] ? o->ep.host : "localhost");
	o->co.on_attempt = on_attempt;
}

static struct sk_tls *make_tls(struct opts *o, struct sk_tls_ctx **ctx)
{
	char err[SK_ERRLEN];
	*ctx = tls_client_ctx(&o->tls, "the server");
	struct sk_tls *t;
	if (sk_tls_new(*ctx, false, o->host, o->tls.sni, &t, err))
		cli_fail(EXIT_FAIL, "%s", err);
	return t;
}

int cmd_tcp_connect(int argc, char **argv)
{
	struct opts o = { 0 };
	parse(argc, argv, &o);
	tcp_process_setup();
	uv_loop_t *loop = uv_default_loop();
	struct sk_tls_ctx *ctx = NULL;
	struct sk_tls *tls = o.tls.on ? make_tls(&o, &ctx) : NULL;

	struct client cl = { .o = &o, .loop = loop };
	char err[SK_ERRLEN];
	int rc = sk_connect_start(loop, &o.ep, &o.co, on_connected, &cl, NULL, err);
	if (rc)
		cli_fail(EXIT_FAIL, "%s", err);
	uv_run(loop, UV_RUN_DEFAULT);
	int status = cl.status;
	if (cl.connected && o.exec_cmd) {
		status = tcp_connect_exec(loop, cl.stream, &cl.peer_addr,
					  &cl.local_addr, o.exec_cmd, o.exec_shell);
	} else if (cl.connected) {
		status = tcp_relay(loop, cl.stream, tls, cl.peer, &o.ro);
		tls = NULL; /* the relay owns it */
	}
	sk_tls_free(tls);
	sk_tls_ctx_free(ctx);
	free(o.send_buf);
	uv_loop_close(loop);
	return status;
}
