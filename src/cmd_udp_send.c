/* sockit udp send: datagrams from TEXT, stdin or a file, optionally
 * repeated, then optionally waiting for the replies. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sockit/bytes.h"
#include "sockit/error.h"
#include "udp_common.h"

static const char usage[] =
	"usage: sockit udp send HOST:PORT [TEXT] [options]\n"
	"\n"
	"Sends TEXT as one datagram (C escapes: \\r \\n \\t \\0 \\\\ \\xHH).  Without\n"
	"TEXT, each line of stdin is one datagram (its line ending removed, bytes\n"
	"otherwise as they are), or all of stdin with --whole.  ':PORT' sends to\n"
	"this host.\n"
	"\n"
	"  --whole            all of stdin as one datagram\n"
	"  --file F           the contents of F as one datagram (at most 65,507\n"
	"                     bytes over IPv4, 65,527 over IPv6)\n"
	"  --hex-input        TEXT, stdin lines or F are hex ('48 65 6c', '48656c',\n"
	"                     '0x48,0x65')\n"
	"  --append SPEC      add crc16-modbus, crc32, sum8, xor8 or TEXT to each\n"
	"                     datagram\n"
	"  -s, --source [ADDR]:PORT  send from this local address and port\n"
	"                     (SO_REUSEADDR)\n"
	"  --repeat N         send each datagram N times\n"
	"  --interval D       wait D between datagrams (500ms, 1s)\n"
	"  --broadcast        allow sending to a broadcast address\n"
	"  --ttl N            IP TTL / IPv6 hop limit, unicast and multicast (1-255)\n"
	"  --multicast-if A   send multicast out of the interface with address A\n"
	"                     (IPv4) or named A ('eth0'; IPv6)\n"
	"  --wait-reply D     then wait up to D for replies and print each as\n"
	"                     '[ip:port] message'; ends early once there are as many\n"
	"                     replies as datagrams sent (not with --broadcast)\n"
	"  --hex              show replies as a hexdump\n"
	"  -v, --verbose      each datagram sent ('>') and reply ('<') with time,\n"
	"                     peer and length\n"
	"  --max-size N       reply buffer (1-65536, default 65536)\n"
	"  --json             one JSON object per reply (and per datagram sent with\n"
	"                     -v): time (UTC, microseconds), dir, peer, size, len,\n"
	"                     data (or hex with --hex)\n"
	"  --stats            TX/RX per peer at exit and on SIGUSR1 (stderr);\n"
	"                     on a terminal also a live status line\n"
	"  -4, -6             IPv4 / IPv6 only\n"
	"  -h, --help         this help\n"
	"\n"
	"examples:\n"
	"  sockit udp send 127.0.0.1:5400 'hello\\n'\n"
	"  printf 'a\\nb\\n' | sockit udp send [::1]:5400\n"
	"  sockit udp send 127.0.0.1:502 --hex-input '01 03 00 00 00 02' --append crc16-modbus\n"
	"  sockit udp send 127.0.0.1:7 ping --wait-reply 2s\n"
	"  sockit udp send 127.0.0.1:5400 tick --repeat 10 --interval 100ms --source :5401\n"
	"\n"
	"exit status: 0 sent (and, with --wait-reply, a reply came), 1 a send failed\n"
	"or no reply came, 2 usage error (bad text or hex, payload too large).\n";

struct send {
	struct udp_run run;
	struct sk_udp_session *ss;
	struct sk_addr to;
	char to_name[SK_ADDRSTRLEN];
	struct sk_append append;
	struct udp_show show;
	bool stats, hex_input, broadcast;
	size_t max_payload;
	uint64_t repeat, interval_ms, wait_ms;
	bool whole;
	const char *file; /* --file */
	int status;
	bool done;
};

static void finish(struct send *s, int status)
{
	if (s->done)
		return;
	s->done = true;
	s->status = status;
	sk_udp_session_stop(s->ss);
	uv_stop(&s->run.loop);
}

/* "[over ]LEN bytes: datagram too large (IPv4 carries at most N bytes)" */
static const char *too_large(const struct send *s, const char *over, size_t len)
{
	static char text[128];
	snprintf(text, sizeof text, "%s%zu bytes: datagram too large (%s carries at most %zu bytes)",
		 over, len, s->max_payload == SK_UDP_MAX_V6 ? "IPv6" : "IPv4", s->max_payload);
	return text;
}

/* Queues TEXT or --file (freeing cur), the whole input. */
static void queue(struct send *s, uint8_t *cur, size_t len, const char *what)
{
	int rc = sk_udp_session_queue(s->ss, (const struct sockaddr *)&s->to.ss, s->to.len, cur,
				      len, s->repeat, s->interval_ms);
	if (rc == -EMSGSIZE)
		cli_warn("%s: %s", what, too_large(s, "", sk_udp_session_wire_len(s->ss, cur, len)));
	free(cur);
	if (rc < 0)
		finish(s, rc == -EMSGSIZE ? EXIT_USAGE : EXIT_FAIL);
	else
		sk_udp_session_input_end(s->ss);
}

/* What was wrong with stdin's datagrams. */
static void input_failed(struct send *s)
{
	const struct sk_udp_input_error *e = sk_udp_session_input_error(s->ss);
	char what[PATH_MAX + 16] = "stdin";
	if (s->file)
		snprintf(what, sizeof what, "--file %s", s->file);
	else if (e->line)
		snprintf(what, sizeof what, "stdin line %llu", (unsigned long long)e->line);
	if (e->code == SK_EBADHEX)
		cli_warn("%s: bad hex at offset %zu", what, e->offset);
	else if (e->code == -EMSGSIZE)
		cli_warn("%s: %s", what,
			 too_large(s, e->size ? "" : "over ", e->size ? e->size : s->max_payload));
	else
		cli_warn("%s: %s", what, sk_strerror(e->code));
	finish(s, e->code == SK_EBADHEX || e->code == -EMSGSIZE ? EXIT_USAGE : EXIT_FAIL);
}

/* -v: one '>' line per datagram sent, the --append suffix included. */
static void on_sent(void *arg, const struct sockaddr *to,
		    struct sk_peer *peer, const uint8_t *p, size_t n, bool answer)
{
	struct send *s = arg;
	(void)to;
	(void)peer;
	(void)answer;
	if (s->show.verbose)
		udp_show(&s->show, '>', s->to_name, p, n, n, NULL);
}

static void on_reply(void *arg, const struct sk_dgram *d, struct sk_peer *peer)
{
	struct send *s = arg;
	char who[SK_ADDRSTRLEN];
	(void)peer;
	sk_sockaddr_format(d->from, true, who, sizeof who);
	if (d->size > d->len)
		cli_warn("reply from %s of %zu bytes cut to %zu (raise --max-size)", who,
			 d->size, d->len);
	udp_show(&s->show, '<', who, d->data, d->len, d->size, &d->ts);
}

static void on_end(void *arg, enum sk_udp_session_end why, int code)
{
	struct send *s = arg;
	if (why == SK_UDP_SESSION_INPUT) {
		input_failed(s);
	} else if (why == SK_UDP_SESSION_FAILED) {
		cli_warn("%s: %s%s", s->to_name, sk_strerror(code),
			 code == -EACCES ? " (a broadcast address needs --broadcast)" : "");
		finish(s, EXIT_FAIL);
	} else if (why == SK_UDP_SESSION_WAITED && !sk_udp_session_received(s->ss)) {
		cli_warn("no reply from %s", s->to_name);
		finish(s, EXIT_FAIL);
	} else {
		finish(s, EXIT_OK);
	}
}

/* --file: its contents as one datagram, read as --whole reads stdin; a
 * regular file too large is refused by its size before it is read. */
static int open_file(const struct send *s, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		cli_fail(EXIT_FAIL, "--file %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		cli_fail(EXIT_FAIL, "--file %s: %s", path, strerror(EISDIR));
	if (!s->hex_input && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size > s->max_payload)
		cli_fail(EXIT_USAGE, "--file %s: %s", path, too_large(s, "", (size_t)st.st_size));
	return fd;
}

/* What the command line says beyond struct send's own fields. */
struct send_args {
	int family, ttl;
	const char *dest, *text, *file, *source, *mif;
	size_t max_size;
};

static void parse_args(int argc, char **argv, struct send *s, struct send_args *a)
{
	*a = (struct send_args){ .family = AF_UNSPEC, .max_size = 65536 };
	bool wait_set = false;
	const struct cli_opt table[] = {
		CLI_FAMILY(&a->family),
		CLI_FLAG(0, "whole", &s->whole),
		CLI_STR(0, "file", &a->file),
		CLI_FLAG(0, "hex-input", &s->hex_input),
		CLI_APPEND(&s->append),
		CLI_STR('s', "source", &a->source),
		CLI_NUM(0, "repeat", &s->repeat, 1, 1000000000),
		CLI_MS(0, "interval", &s->interval_ms),
		CLI_FLAG(0, "broadcast", &s->broadcast),
		CLI_NUM(0, "ttl", &a->ttl, 1, 255),
		CLI_STR(0, "multicast-if", &a->mif),
		CLI_MS(0, "wait-reply", &s->wait_ms, .seen = &wait_set),
		CLI_FLAG(0, "hex", &s->show.hex),
		CLI_FLAG('v', "verbose", &s->show.verbose),
		CLI_NUM(0, "max-size", &a->max_size, 1, 65536),
		CLI_FLAG(0, "stats", &s->stats),
		CLI_FLAG(0, "json", &s->show.json),
	};
	cli_parse(argc, argv, table, usage);
	if (wait_set && !s->wait_ms)
		cli_usage("--wait-reply: give a duration above 0");
	if (optind >= argc)
		cli_usage("missing HOST:PORT");
	a->dest = argv[optind];
	a->text = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (argc - optind > 2)
		cli_usage("unexpected argument '%s' (quote TEXT with spaces)", argv[optind + 2]);
	if ((a->text != NULL) + (a->file != NULL) + s->whole > 1)
		cli_usage("give one of TEXT, --file and --whole");
}

static void on_stop(void *arg)
{
	struct send *s = arg;
	finish(s, sk_udp_session_received(s->ss) || !s->wait_ms ? EXIT_OK : EXIT_FAIL);
}

/* The socket, bound to --source when given, with its options, and the
 * session on it: receiving replies with --wait-reply. */
static void open_session(struct send *s, const struct send_args *a, const struct sk_udp_ends *e)
{
	char err[SK_ERRLEN];
	bool have_src = a->source != NULL;
	int family = s->to.ss.ss_family;
	struct sk_udp_opts o = {
		.family = family,
		.v6only = family == AF_INET6,
		.reuse = have_src,
		.broadcast = s->broadcast,
		.ttl = a->ttl,
		.mcast_if = a->mif,
		.rcvbuf = s->wait_ms ? UDP_RCVBUF_DEFAULT : 0,
	};
	struct sk_udp *u;
	int rc = sk_udp_new(&s->run.loop, &o, have_src ? (const struct sockaddr *)&e->local.ss : NULL,
			    have_src ? e->local.len : 0, &u, err);
	if (rc) {
		static const struct cli_subject subjects[] = {
			{ "TTL", "--ttl" },
			{ "multicast interface ", "--multicast-if " },
			{ NULL, NULL },
		};
		cli_name_option(err, sizeof err, subjects);
		cli_fail(rc == SK_EBADADDR ? EXIT_USAGE : EXIT_FAIL, "%s", err);
	}
	struct sk_udp_session_opts so = {
		.max_size = s->wait_ms ? a->max_size : 0,
		.append = s->append.kind ? &s->append : NULL,
		.end_after_input = true,
		.end_on_replies = !s->broadcast,
		.wait_ms = s->wait_ms,
		.each = s->show.verbose,
	};
	static const struct sk_udp_session_cbs cbs = {
		.on_recv = on_reply,
		.on_sent = on_sent,
		.on_end = on_end,
	};
	if (sk_udp_session_new(&s->run.loop, u, &so, &cbs, s, &s->ss, err))
		cli_fail(EXIT_FAIL, "%s", err);
	struct sk_peer *dest; /* in the --stats table from the start */
	sk_udp_session_peer(s->ss, (const struct sockaddr *)&s->to.ss, s->to.len, &dest);
}

int cmd_udp_send(int argc, char **argv)
{
	struct send s;
	memset(&s, 0, sizeof s);
	s.repeat = 1;
	struct send_args a;
	parse_args(argc, argv, &s, &a);
	/* Command-line bytes are checked before anything is resolved or sent. */
	uint8_t *first = NULL;
	size_t first_len = 0;
	if (a.text)
		udp_text_bytes("TEXT", a.text, s.hex_input, &first, &first_len);

	struct sk_udp_ends ends;
	udp_ends(a.dest, "--source", a.source, a.family, &ends);
	s.to = ends.peer;
	sk_sockaddr_format((const struct sockaddr *)&s.to.ss, true, s.to_name, sizeof s.to_name);
	s.max_payload = sk_udp_max_payload(s.to.ss.ss_family);
	s.file = a.file;

	uv_loop_init(&s.run.loop);
	open_session(&s, &a, &ends);
	udp_run_start(&s.run, s.ss, s.stats, on_stop, &s, NULL);
	udp_run_live(&s.run);
	struct sk_udp_feed feed = { .fd = a.file ? open_file(&s, a.file) : STDIN_FILENO,
				    .whole = s.whole || a.file, .hex = s.hex_input,
				    .repeat = s.repeat, .interval_ms = s.interval_ms };
	int rc;
	if (first)
		queue(&s, first, first_len, "TEXT");
	else if ((rc = sk_udp_session_feed(s.ss, &feed, (const struct sockaddr *)&s.to.ss,
					   s.to.len)))
		cli_fail(EXIT_FAIL, "%s: %s", a.file ? a.file : "stdin", sk_strerror(rc));
	udp_run(&s.run);
	if (a.file)
		close(feed.fd);
	return s.status;
}
