/* sockit udp relay: nc -u HOST PORT and nc -ul PORT, unlabelled bytes both
 * ways, on the one-stream relay (sockit/relay.h) over a UDP socket locked
 * to one peer (sockit/udp_peer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/udp.h"
#include "sockit/udp_peer.h"
#include "tcp.h"

/* Each read of stdin goes out as one datagram of at most this, as nc -u
 * sends (ncat -u: 8192). */
#define DATAGRAM_MAX 16384

static const char usage[] =
	"usage: sockit udp relay HOST:PORT [options]\n"
	"       sockit udp relay -l [ADDR]:PORT [options]\n"
	"\n"
	"A raw two-way UDP relay, as nc -u and ncat -u: stdin goes to the peer\n"
	"(each read one datagram of at most 16384 bytes), and what the peer\n"
	"sends goes to stdout as it is, without labels.  With -l it binds\n"
	"[ADDR]:PORT (:PORT every interface, IPv4 and IPv6), waits for the\n"
	"first datagram and locks onto its sender: it answers only that peer,\n"
	"and datagrams from anyone else are dropped.  The end of stdin does not\n"
	"end the relay (UDP has no end to send; -q does); an empty datagram\n"
	"from the peer does, as in nc -u.\n"
	"\n"
	"  -l, --listen        wait for the first sender on [ADDR]:PORT\n"
	"  -4, -6              IPv4 or IPv6 only\n"
	"  -s, --source ADDR   without -l: local address; [ADDR]:PORT sets both\n"
	"  -p PORT             without -l: local port\n"
	"  -q D                exit D after the end of stdin (0: at once)\n"
	"  --idle-timeout D    exit (status 1) after D without a datagram\n"
	"                      either way (500ms, 30s, 5m)\n"
	"  -C, --crlf          send stdin's line ends as CRLF\n"
	"  --hex               show received bytes as a hexdump\n"
	"  -v, --verbose       the peer locked onto, each datagram tagged\n"
	"  --stats             byte counts and rates at exit (and on SIGUSR1)\n"
	"  -h, --help          this help\n"
	"\n"
	"examples:\n"
	"  sockit udp relay -l :5000 > received.bin\n"
	"  echo ping | sockit udp relay -q 2s 127.0.0.1:5000\n"
	"  sockit udp relay -6 -s [::1]:6000 [::1]:5000\n"
	"\n"
	"exit status: 0 ended (-q, an empty datagram, stdout closed), 1 cannot\n"
	"resolve or bind, the peer refused (ICMP port unreachable) or idle,\n"
	"2 usage error.\n";

struct opts {
	struct sk_endpoint ep;
	bool listen;
	int family;
	const char *source;
	uint16_t source_port;
	struct relay_opts ro;
};

static void parse(int argc, char **argv, struct opts *o)
{
	o->ro.quit_ms = -1;
	const struct cli_opt table[] = {
		CLI_FLAG('l', "listen", &o->listen),
		CLI_FAMILY(&o->family),
		CLI_STR('s', "source", &o->source),
		CLI_PORT('p', NULL, &o->source_port, "udp"),
		CLI_MS('q', NULL, &o->ro.quit_ms),
		CLI_MS(0, "idle-timeout", &o->ro.idle_ms),
		CLI_FLAG('C', "crlf", &o->ro.crlf),
		CLI_FLAG(0, "hex", &o->ro.show.hex),
		CLI_FLAG('v', "verbose", &o->ro.show.verbose),
		CLI_FLAG(0, "stats", &o->ro.stats),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 1, 1, o->listen ? "missing [ADDR]:PORT" : "missing HOST:PORT");
	cli_endpoint("", argv[optind], "udp", "UDP needs HOST:PORT, not unix:", &o->ep);
	if (o->listen && (o->source || o->source_port))
		cli_usage("-s/-p set the local end without -l; with -l it is [ADDR]:PORT");
	if (!o->listen && o->ep.port == 0)
		cli_usage("%s: port 0 cannot be sent to", argv[optind]);
	o->ro.datagram_max = DATAGRAM_MAX;
	o->ro.end_at_peer_eof = true; /* an empty datagram */
	o->ro.no_shutdown = true;     /* nothing to tell the peer */
}

/* The local end -s/-p name: -s takes a bare address (as tcp connect's
 * does) or [ADDR]:PORT, -p the port alone.  False when neither is given. */
static bool source_endpoint(const struct opts *o, struct sk_endpoint *ep)
{
	if (!o->source && !o->source_port)
		return false;
	const char *s = o->source ? o->source : "";
	if (!cli_source(s, "udp", ep))
		ep->port = o->source_port;
	else if (o->source_port)
		cli_usage("--source %s sets the port: -p is one too many", s);
	return true;
}

struct first {
	uv_stream_t *stream;
	char peer[SK_ADDRSTRLEN];
	uint8_t *data;
	size_t len;
	int status;
	char err[SK_ERRLEN];
};

static void on_first(void *data, int status, uv_stream_t *stream,
		     const struct sockaddr *peer, const uint8_t *first,
		     size_t first_len, const char *err)
{
	struct first *f = data;
	f->status = status;
	if (status < 0) {
		snprintf(f->err, sizeof f->err, "%s", err);
		return;
	}
	f->stream = stream;
	sk_sockaddr_format(peer, true, f->peer, sizeof f->peer);
	f->data = malloc(first_len + 1);
	if (!f->data)
		cli_fail(EXIT_FAIL, "out of memory");
	memcpy(f->data, first, first_len);
	f->len = first_len;
}

static void listen_first(uv_loop_t *loop, const struct opts *o, struct first *f)
{
	struct sk_addr addr;
	bool v6only;
	char err[SK_ERRLEN];
	struct sk_udp_accept *acc;
	if (sk_udp_listen_addr(&o->ep, o->family, &addr, &v6only, err) ||
	    sk_udp_accept_start(loop, (struct sockaddr *)&addr.ss, addr.len,
				v6only, on_first, f, &acc, err))
		cli_fail(EXIT_FAIL, "%s", err);
	struct sockaddr_storage local;
	socklen_t len;
	char where[SK_ADDRSTRLEN] = "";
	if (sk_udp_accept_local(acc, &local, &len) == 0)
		sk_sockaddr_format((struct sockaddr *)&local, true, where, sizeof where);
	cli_warn("listening on %s", where);
	uv_run(loop, UV_RUN_DEFAULT);
	if (f->status < 0)
		cli_fail(EXIT_FAIL, "%s", f->err);
	if (o->ro.show.verbose)
		cli_warn("%s: locked onto it; datagrams from anyone else are dropped",
			 f->peer);
}

static void connect_peer(uv_loop_t *loop, const struct opts *o, struct first *f)
{
	struct sk_endpoint src;
	bool sourced = source_endpoint(o, &src);
	struct sk_udp_ends ends;
	char err[SK_ERRLEN];
	if (sk_udp_ends_resolve(&o->ep, sourced ? &src : NULL, o->family, &ends, err))
		cli_fail(EXIT_FAIL, "%s%s", ends.peer_failed ? "" : "--source: ", err);
	if (sk_udp_peer_connect(loop, (struct sockaddr *)&ends.peer.ss, ends.peer.len,
				sourced ? (struct sockaddr *)&ends.local.ss : NULL,
				sourced ? ends.local.len : 0, &f->stream, err))
		cli_fail(EXIT_FAIL, "%s", err);
	sk_sockaddr_format((struct sockaddr *)&ends.peer.ss, true, f->peer, sizeof f->peer);
	if (o->ro.show.verbose)
		cli_warn("sending to %s", f->peer);
}

int cmd_udp_relay(int argc, char **argv)
{
	struct opts o = { 0 };
	parse(argc, argv, &o);
	tcp_process_setup();
	uv_loop_t *loop = uv_default_loop();
	struct first f = { 0 };
	if (o.listen)
		listen_first(loop, &o, &f);
	else
		connect_peer(loop, &o, &f);
	o.ro.received = f.data;
	o.ro.received_len = f.len;
	int status = tcp_relay(loop, f.stream, NULL, f.peer, &o.ro);
	free(f.data);
	uv_loop_close(loop);
	return status;
}
