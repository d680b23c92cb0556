/* sockit udp send: datagrams from TEXT, stdin or a file, optionally
 * repeated, then optionally waiting for the replies. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sockit/bytes.h"
#include "sockit/loop.h"
#include "sockit/error.h"
#include "sockit/fdio.h"
#include "stats_line.h"
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
	uv_loop_t loop;
	struct sk_udp *u;
	struct sk_addr to;
	char to_name[SK_ADDRSTRLEN];
	struct sk_append append;
	bool has_append;
	struct udp_show show;
	struct sk_peers peers;
	struct sk_peer *peer; /* the destination */
	bool stats, hex_input, broadcast;
	size_t max_payload;
	/* the datagram being sent */
	uint8_t *cur;
	size_t curlen;
	bool have;
	uint64_t repeat, left, interval_ms;
	bool waiting; /* interval timer running */
	uv_timer_t tick;
	/* input */
	struct sk_fdin *in;
	bool whole, input_done;
	struct sk_str all; /* --whole */
	uint64_t line_no;
	/* replies */
	uint64_t wait_ms, sent, replies;
	uv_timer_t deadline;
	bool wait_started;
	uv_signal_t sigint, sigterm, sigusr1;
	uv_prepare_t flush;
	struct stats_line live; /* --stats on a terminal */
	int status;
	bool done;
};

static void finish(struct send *s, int status)
{
	if (s->done)
		return;
	s->done = true;
	s->status = status;
	if (s->in)
		sk_fdin_close(s->in);
	s->in = NULL;
	uv_stop(&s->loop);
}

static void on_deadline(uv_timer_t *t);

static void after_send(struct send *s)
{
	if (!s->wait_ms) {
		finish(s, EXIT_OK);
		return;
	}
	if (s->wait_started)
		return;
	s->wait_started = true;
	if (!s->broadcast && s->replies >= s->sent) {
		finish(s, EXIT_OK);
		return;
	}
	uv_timer_start(&s->deadline, on_deadline, s->wait_ms, 0);
}

static void pump(struct send *s);

/* -v: one '>' line per datagram sent, the --append suffix included. */
static void show_sent(struct send *s)
{
	uint8_t suffix[SK_APPEND_MAX];
	size_t sn = s->has_append ? sk_append_suffix(&s->append, s->cur, s->curlen, suffix) : 0;
	uint8_t *all = malloc(s->curlen + sn + 1);
	if (!all)
		return;
	if (s->curlen)
		memcpy(all, s->cur, s->curlen);
	memcpy(all + s->curlen, suffix, sn);
	udp_show(&s->show, '>', s->to_name, all, s->curlen + sn, s->curlen + sn, NULL);
	free(all);
}

static void on_tick(uv_timer_t *t)
{
	struct send *s = t->data;
	s->waiting = false;
	pump(s);
}

/* Sends what is pending, one datagram per interval. */
static void pump(struct send *s)
{
	/* Back-to-back copies go out 64 per system call (one at a time with
	 * -v, which shows each). */
	if (!s->done && s->have && s->left > 1 && !s->waiting && !s->interval_ms &&
	    !s->show.verbose) {
		uint8_t suffix[SK_APPEND_MAX];
		size_t sn = s->has_append ? sk_append_suffix(&s->append, s->cur, s->curlen, suffix) : 0;
		struct iovec iov[2] = {
			{ .iov_base = s->cur, .iov_len = s->curlen },
			{ .iov_base = suffix, .iov_len = sn },
		};
		while (s->left > 1) {
			unsigned n = s->left - 1 > 1u << 20 ? 1u << 20 : (unsigned)(s->left - 1);
			int rc = sk_udp_send_repeat(s->u, iov, sn ? 2 : 1,
						    (const struct sockaddr *)&s->to.ss, s->to.len, n);
			if (rc < 0) {
				cli_warn("%s: %s%s", s->to_name, sk_strerror(rc),
					 rc == -EACCES ? " (a broadcast address needs --broadcast)" : "");
				finish(s, EXIT_FAIL);
				return;
			}
			s->sent += (uint64_t)rc;
			s->left -= (uint64_t)rc;
			s->peer->tx_bytes += (uint64_t)rc * (s->curlen + sn);
			s->peer->tx_msgs += (uint64_t)rc;
		}
	}
	while (!s->done && s->have && s->left && !s->waiting) {
		int rc = udp_send_one(s->u, s->has_append ? &s->append : NULL, s->cur,
				      s->curlen, (const struct sockaddr *)&s->to.ss, s->to.len);
		if (rc < 0) {
			cli_warn("%s: %s%s", s->to_name, sk_strerror(rc),
				 rc == -EACCES ? " (a broadcast address needs --broadcast)" : "");
			finish(s, EXIT_FAIL);
			return;
		}
		s->sent++;
		sk_peer_tx(s->peer, (size_t)rc, uv_now(&s->loop));
		if (s->show.verbose)
			show_sent(s);
		s->left--;
		/* The interval is between datagrams: none after the last. */
		if (s->interval_ms && (s->left || !s->input_done)) {
			s->waiting = true;
			uv_timer_start(&s->tick, on_tick, s->interval_ms, 0);
		}
	}
	if (s->done || s->waiting || (s->have && s->left))
		return;
	if (s->have) {
		s->have = false;
		free(s->cur);
		s->cur = NULL;
		if (s->in && !s->input_done)
			sk_fdin_resume(s->in);
	}
	if (s->input_done)
		after_send(s);
}

/* Queues one datagram (taking cur), checking its size with the suffix. */
static void queue(struct send *s, uint8_t *cur, size_t len, const char *what)
{
	uint8_t suffix[SK_APPEND_MAX];
	size_t sn = s->has_append ? sk_append_suffix(&s->append, cur, len, suffix) : 0;
	if (len + sn > s->max_payload) {
		free(cur);
		cli_warn("%s: %zu bytes: datagram too large (%s carries at most %zu bytes)",
			 what, len + sn, s->max_payload == SK_UDP_MAX_V6 ? "IPv6" : "IPv4",
			 s->max_payload);
		finish(s, EXIT_USAGE);
		return;
	}
	s->cur = cur;
	s->curlen = len;
	s->have = true;
	s->left = s->repeat;
	if (s->in && !s->input_done)
		sk_fdin_pause(s->in);
	pump(s);
}

/* --whole: stdin gathered into one datagram. */
static void on_chunk(void *arg, const uint8_t *p, size_t n)
{
	struct send *s = arg;
	if (s->done)
		return;
	if (sk_str_append(&s->all, (const char *)p, n)) {
		cli_warn("stdin: over %zu bytes: datagram too large (%s "
			 "carries at most %zu bytes)",
			 s->max_payload,
			 s->max_payload == SK_UDP_MAX_V6 ? "IPv6" : "IPv4",
			 s->max_payload);
		finish(s, EXIT_USAGE);
	}
}

static void on_line(void *arg, const struct sk_line *line)
{
	struct send *s = arg;
	const char *p = (const char *)line->p;
	size_t n = line->len;
	if (s->done)
		return;
	s->line_no++;
	if (!s->hex_input && line->cut) {
		/* Only a piece of the line: its real length is unknown, only
		 * that it does not fit. */
		cli_warn("stdin line %llu: over %zu bytes: datagram too large (%s carries at most %zu bytes)",
			 (unsigned long long)s->line_no, s->max_payload,
			 s->max_payload == SK_UDP_MAX_V6 ? "IPv6" : "IPv4", s->max_payload);
		finish(s, EXIT_USAGE);
		return;
	}
	char what[48];
	snprintf(what, sizeof what, "stdin line %llu", (unsigned long long)s->line_no);
	uint8_t *buf = malloc(n + 1);
	if (!buf) {
		finish(s, EXIT_FAIL);
		return;
	}
	size_t len = n;
	if (s->hex_input) {
		size_t bad = 0;
		int rc = sk_hex_decode(p, n, buf, &bad);
		if (rc < 0) {
			free(buf);
			cli_warn("%s: bad hex at offset %zu", what, bad);
			finish(s, EXIT_USAGE);
			return;
		}
		len = (size_t)rc;
	} else {
		memcpy(buf, p, n);
	}
	queue(s, buf, len, what);
}

static void on_end(void *arg, int status)
{
	struct send *s = arg;
	if (s->done)
		return;
	if (status < 0) {
		cli_warn("stdin: %s", sk_strerror(status));
		finish(s, EXIT_FAIL);
		return;
	}
	s->input_done = true;
	sk_fdin_close(s->in);
	s->in = NULL;
	if (s->whole) {
		uint8_t *buf = malloc(s->all.len + 1);
		if (!buf) {
			finish(s, EXIT_FAIL);
			return;
		}
		size_t len = s->all.len;
		if (s->hex_input) {
			size_t bad = 0;
			int rc = sk_hex_decode(s->all.p ? s->all.p : "", s->all.len, buf, &bad);
			if (rc < 0) {
				free(buf);
				cli_warn("stdin: bad hex at offset %zu", bad);
				finish(s, EXIT_USAGE);
				return;
			}
			len = (size_t)rc;
		} else if (len) {
			memcpy(buf, s->all.p, len);
		}
		queue(s, buf, len, "stdin");
		return;
	}
	pump(s);
}

static void on_reply(void *arg, const struct sk_dgram *d)
{
	struct send *s = arg;
	uint64_t now = uv_now(&s->loop);
	struct sk_peer *peer = NULL;
	char who[SK_ADDRSTRLEN];
	sk_sockaddr_format(d->from, true, who, sizeof who);
	if (sk_peers_get(&s->peers, d->from, d->fromlen, now, &peer) >= 0)
		sk_peer_rx(peer, d->size, now);
	if (d->size > d->len)
		cli_warn("reply from %s of %zu bytes cut to %zu (raise --max-size)", who,
			 d->size, d->len);
	udp_show(&s->show, '<', who, d->data, d->len, d->size, &d->ts);
	s->replies++;
	if (s->wait_started && !s->broadcast && s->replies >= s->sent)
		finish(s, EXIT_OK);
}

static void on_deadline(uv_timer_t *t)
{
	struct send *s = t->data;
	if (s->replies)
		finish(s, EXIT_OK);
	else {
		cli_warn("no reply from %s", s->to_name);
		finish(s, EXIT_FAIL);
	}
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct send *s = h->data;
	if (signum == SIGUSR1) {
		udp_stats_print(&s->peers, uv_now(&s->loop), "SIGUSR1");
		return;
	}
	finish(s, s->replies || !s->wait_ms ? EXIT_OK : EXIT_FAIL);
}

/* Reads all of a file that must fit one datagram. */
static uint8_t *read_file(const char *path, size_t max, bool hex, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		cli_fail(EXIT_FAIL, "--file %s: %s", path, strerror(errno));
	struct stat st;
	if (!hex && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size > max)
		cli_fail(EXIT_USAGE, "--file %s: %llu bytes: datagram too large (%s carries at most %zu bytes)",
			  path, (unsigned long long)st.st_size,
			  max == SK_UDP_MAX_V6 ? "IPv6" : "IPv4", max);
	/* Hex text is at most 3 characters a byte plus a little; read enough
	 * to tell "too large" from "just fits". */
	size_t cap = hex ? 6 * max + 64 : max + 1;
	uint8_t *buf = malloc(cap);
	if (!buf)
		cli_fail(EXIT_FAIL, "out of memory");
	errno = 0;
	size_t n = fread(buf, 1, cap, f);
	int err = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (err)
		cli_fail(EXIT_FAIL, "--file %s: %s", path, strerror(err));
	if (hex) {
		size_t bad = 0;
		uint8_t *out = malloc(n / 2 + 1);
		if (!out)
			cli_fail(EXIT_FAIL, "out of memory");
		int rc = sk_hex_decode((const char *)buf, n, out, &bad);
		if (rc < 0)
			cli_usage("--file %s: bad hex at offset %zu", path, bad);
		free(buf);
		buf = out;
		n = (size_t)rc;
	}
	*len = n;
	return buf;
}

/* What the command line says beyond struct send's own fields. */
struct send_args {
	int family, ttl;
	const char *dest, *text, *file, *source, *append, *mif;
	size_t max_size;
};

static void parse_args(int argc, char **argv, struct send *s, struct send_args *a)
{
	enum { OPT_WHOLE = 256, OPT_FILE, OPT_HEXIN, OPT_APPEND, OPT_REPEAT, OPT_INTERVAL,
	       OPT_BCAST, OPT_TTL, OPT_MIF, OPT_WAIT, OPT_HEX, OPT_MAX, OPT_STATS };
	static const struct option longopts[] = {
		{ "whole", no_argument, NULL, OPT_WHOLE },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "hex-input", no_argument, NULL, OPT_HEXIN },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "source", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, OPT_REPEAT },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "broadcast", no_argument, NULL, OPT_BCAST },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "multicast-if", required_argument, NULL, OPT_MIF },
		{ "wait-reply", required_argument, NULL, OPT_WAIT },
		{ "hex", no_argument, NULL, OPT_HEX },
		{ "verbose", no_argument, NULL, 'v' },
		{ "max-size", required_argument, NULL, OPT_MAX },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*a = (struct send_args){ .family = AF_UNSPEC, .max_size = 65536 };
	int c;
	while ((c = cli_getopt(argc, argv, "46s:vh", longopts)) != -1) {
		switch (c) {
		case '4': a->family = AF_INET; break;
		case '6': a->family = AF_INET6; break;
		case OPT_WHOLE: s->whole = true; break;
		case OPT_FILE: a->file = optarg; break;
		case OPT_HEXIN: s->hex_input = true; break;
		case OPT_APPEND: a->append = optarg; break;
		case 's': a->source = optarg; break;
		case OPT_REPEAT: s->repeat = cli_number("--repeat", optarg, 1, 1000000000); break;
		case OPT_INTERVAL: s->interval_ms = cli_duration_ms("--interval", optarg); break;
		case OPT_BCAST: s->broadcast = true; break;
		case OPT_TTL: a->ttl = (int)cli_number("--ttl", optarg, 1, 255); break;
		case OPT_MIF: a->mif = optarg; break;
		case OPT_WAIT:
			s->wait_ms = cli_duration_ms("--wait-reply", optarg);
			if (!s->wait_ms)
				cli_usage("--wait-reply: give a duration above 0");
			break;
		case OPT_HEX: s->show.hex = true; break;
		case 'v': s->show.verbose = true; break;
		case OPT_MAX: a->max_size = cli_number("--max-size", optarg, 1, 65536); break;
		case OPT_STATS: s->stats = true; break;
		case 'j': s->show.json = true; break;
		case 'h': cli_help(usage);
		default: cli_usage("unexpected option");
		}
	}
	if (optind >= argc)
		cli_usage("missing HOST:PORT");
	a->dest = argv[optind];
	a->text = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (argc - optind > 2)
		cli_usage("unexpected argument '%s' (quote TEXT with spaces)", argv[optind + 2]);
	if ((a->text != NULL) + (a->file != NULL) + s->whole > 1)
		cli_usage("give one of TEXT, --file and --whole");
}

/* The socket, bound to --source when given, with its options. */
static void open_socket(struct send *s, const struct send_args *a, const struct sk_udp_ends *e)
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
	int rc = sk_udp_new(&s->loop, &o, have_src ? (const struct sockaddr *)&e->local.ss : NULL,
			    have_src ? e->local.len : 0, &s->u, err);
	if (rc) {
		static const struct cli_subject subjects[] = {
			{ "TTL", "--ttl" },
			{ "multicast interface ", "--multicast-if " },
			{ NULL, NULL },
		};
		cli_name_option(err, sizeof err, subjects);
		cli_fail(rc == SK_EBADADDR ? EXIT_USAGE : EXIT_FAIL, "%s", err);
	}
}

/* Timers, signals and the flush of stdout on the loop. */
static void start_watchers(struct send *s)
{
	uv_timer_init(&s->loop, &s->tick);
	uv_timer_init(&s->loop, &s->deadline);
	s->tick.data = s->deadline.data = s;
	uv_signal_init(&s->loop, &s->sigint);
	uv_signal_init(&s->loop, &s->sigterm);
	uv_signal_init(&s->loop, &s->sigusr1);
	s->sigint.data = s->sigterm.data = s->sigusr1.data = s;
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	if (s->stats)
		uv_signal_start(&s->sigusr1, on_signal, SIGUSR1);
	udp_flush_start(&s->loop, &s->flush, NULL);
	if (s->stats)
		stats_line_start(&s->live, &s->loop, stats_read_peers, &s->peers, "dgrams");
}

/* Datagrams from stdin: lines, or all of it with --whole. */
static void start_stdin(struct send *s)
{
	if (s->whole)
		s->all.max = s->hex_input ? 6 * s->max_payload + 64 : s->max_payload;
	static const struct sk_fdin_cbs cbs = {
		.on_data = on_chunk,
		.on_line = on_line,
		.on_end = on_end,
	};
	int rc = s->whole ? sk_fdin_open(&s->loop, STDIN_FILENO, &cbs, s, &s->in)
			  : sk_fdin_open_lines(&s->loop, STDIN_FILENO,
					       s->hex_input ? 6 * s->max_payload + 64
							    : s->max_payload,
					       &cbs, s, &s->in);
	if (rc)
		cli_fail(EXIT_FAIL, "stdin: %s", sk_strerror(rc));
}

static void teardown(struct send *s)
{
	fflush(stdout);
	stats_line_stop(&s->live);
	if (s->stats)
		udp_stats_print(&s->peers, uv_now(&s->loop), "exit");
	if (s->in)
		sk_fdin_close(s->in);
	sk_udp_close(s->u);
	sk_loop_drain(&s->loop);
	uv_loop_close(&s->loop);
	free(s->cur);
	sk_str_free(&s->all);
	sk_peers_free(&s->peers);
}

int cmd_udp_send(int argc, char **argv)
{
	struct send s;
	memset(&s, 0, sizeof s);
	s.repeat = 1;
	struct send_args a;
	parse_args(argc, argv, &s, &a);
	char err[SK_ERRLEN];
	struct sk_endpoint ep, sep;
	if (sk_endpoint_parse(a.dest, "udp", &ep, err))
		cli_usage("%s", err);
	if (ep.kind != SK_ENDPOINT_INET)
		cli_usage("%s: UDP needs HOST:PORT", a.dest);
	if (a.source && sk_endpoint_parse(a.source, "udp", &sep, err))
		cli_usage("--source: %s", err);
	if (a.append) {
		if (sk_append_parse(a.append, &s.append, err))
			cli_usage("--append: %s", err);
		s.has_append = true;
	}
	/* Command-line bytes are checked before anything is resolved or sent. */
	uint8_t *first = NULL;
	size_t first_len = 0;
	if (a.text)
		udp_text_bytes("TEXT", a.text, s.hex_input, &first, &first_len);

	struct sk_udp_ends ends;
	int rc = sk_udp_ends_resolve(&ep, a.source ? &sep : NULL, a.family, &ends, err);
	if (rc == SK_EBADPORT)
		cli_usage("%s: %s", a.dest, err);
	if (rc == SK_EFAMILY)
		cli_usage("--source %s %s", a.source, err);
	if (rc)
		cli_fail(EXIT_FAIL, "%s%s", ends.peer_failed ? "" : "--source: ", err);
	s.to = ends.peer;
	int family = s.to.ss.ss_family;
	sk_sockaddr_format((const struct sockaddr *)&s.to.ss, true, s.to_name, sizeof s.to_name);
	s.max_payload = udp_max_payload(family);
	if (a.file)
		first = read_file(a.file, s.max_payload, s.hex_input, &first_len);

	uv_loop_init(&s.loop);
	open_socket(&s, &a, &ends);
	sk_peers_init(&s.peers, 0, uv_now(&s.loop));
	sk_peers_get(&s.peers, (const struct sockaddr *)&s.to.ss, s.to.len,
		     uv_now(&s.loop), &s.peer);
	if (s.wait_ms) {
		rc = sk_udp_recv_start(s.u, a.max_size, UDP_BATCH, on_reply, &s, err);
		if (rc)
			cli_fail(EXIT_FAIL, "%s", err);
	}
	start_watchers(&s);
	if (first) {
		s.input_done = true;
		queue(&s, first, first_len, a.text ? "TEXT" : a.file);
	} else {
		start_stdin(&s);
	}
	if (!s.done)
		uv_run(&s.loop, UV_RUN_DEFAULT);
	teardown(&s);
	return s.status;
}
