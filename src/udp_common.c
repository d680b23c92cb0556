/* Shared by the udp commands: display, the loop around the session and
 * stats. */
#include "udp_common.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "sockit/bytes.h"
#include "sockit/error.h"
#include "sockit/hexdump.h"
#include "sockit/loop.h"
#include "sockit/output.h"

/* ts (the kernel's receive time) or now, broken down in local time or UTC;
 * returns the microseconds. */
static int broken_down(const struct timespec *ts, bool utc, struct tm *tm)
{
	struct timespec now;
	if (!ts) {
		clock_gettime(CLOCK_REALTIME, &now);
		ts = &now;
	}
	time_t t = ts->tv_sec;
	if (utc)
		gmtime_r(&t, tm);
	else
		localtime_r(&t, tm);
	return (int)((ts->tv_nsec / 1000) % 1000000);
}

static void stamp(const struct timespec *ts, char *buf, size_t cap)
{
	struct tm tm;
	int usec = broken_down(ts, false, &tm);
	char hms[16];
	strftime(hms, sizeof hms, "%H:%M:%S", &tm);
	snprintf(buf, cap, "%.8s.%06d", hms, usec);
}

/* {"time":"2026-11-25T11:31:22.123456Z","dir":"in","peer":"127.0.0.1:5000",
 *  "size":6,"len":6,"data":"hello\n"} (or "hex":"68656c6c6f0a" with --hex). */
static void show_json(const struct udp_show *s, char dir, const char *who,
		      const uint8_t *p, size_t len, size_t size,
		      const struct timespec *ts)
{
	struct tm tm;
	int usec = broken_down(ts, true, &tm);
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	struct sk_str j = { 0 };
	sk_str_printf(&j, "{\"time\":\"%s.%06dZ\",\"dir\":\"%s\",", when, usec,
		      dir == '<' ? "in" : "out");
	sk_json_key(&j, "peer");
	sk_json_string(&j, (const uint8_t *)who, strlen(who));
	sk_str_printf(&j, ",\"size\":%zu,\"len\":%zu,", size, len);
	if (s->hex) {
		char *hex = malloc(2 * len + 1);
		if (hex) {
			sk_hex_encode(p, len, hex, 2 * len + 1);
			sk_str_printf(&j, "\"hex\":\"%s\"}\n", hex);
			free(hex);
		}
	} else {
		sk_json_key(&j, "data");
		sk_json_string(&j, p, len);
		sk_str_puts(&j, "}\n");
	}
	if (j.p)
		fputs(j.p, stdout);
	sk_str_free(&j);
}

void udp_show(const struct udp_show *s, char dir, const char *who,
	      const uint8_t *p, size_t len, size_t size,
	      const struct timespec *ts)
{
	if (s->quiet && !s->verbose)
		return;
	if (s->json) {
		show_json(s, dir, who, p, len, size, ts);
		return;
	}
	char head[160];
	char cut[64] = "";
	if (size > len)
		snprintf(cut, sizeof cut, " (cut to %zu)", len);
	if (s->verbose) {
		char when[48];
		stamp(ts, when, sizeof when);
		snprintf(head, sizeof head, "%s %c [%s] %zu bytes%s:", when, dir, who,
			 size, cut);
	} else if (s->timestamps) {
		char when[48];
		stamp(ts, when, sizeof when);
		snprintf(head, sizeof head, "%s [%s]%s", when, who, cut);
	} else {
		snprintf(head, sizeof head, "[%s]%s", who, cut);
	}
	if (s->hex) {
		size_t cap = SK_HEXDUMP_SIZE(len);
		char *dump = malloc(cap);
		if (!dump)
			return;
		sk_hexdump(p, len, 0, dump, cap);
		if (s->verbose)
			printf("%s\n%s", head, dump);
		else
			printf("%s %zu bytes\n%s", head, size, dump);
		free(dump);
		return;
	}
	/* One trailing line ending is the line's own end, not shown escaped;
	 * -v's length and --hex show the exact bytes. */
	size_t show = len;
	if (show && p[show - 1] == '\n') {
		show--;
		if (show && p[show - 1] == '\r')
			show--;
	}
	char small[1024];
	size_t need = 4 * show + 1;
	char *text = need <= sizeof small ? small : malloc(need);
	if (!text)
		return;
	sk_escape(p, show, text, need);
	printf("%s %s\n", head, text);
	if (text != small)
		free(text);
}

void udp_text_bytes(const char *opt, const char *text, bool hex_input,
		    uint8_t **out, size_t *len)
{
	size_t bad = 0;
	int rc = sk_text_decode(text, strlen(text),
				hex_input ? SK_TEXT_HEX : SK_TEXT_ESCAPES, out, &bad);
	if (rc == -ENOMEM)
		cli_fail(EXIT_FAIL, "out of memory");
	if (rc < 0)
		cli_usage("%s: %s at offset %zu ('%.8s')", opt,
			  hex_input ? "bad hex" : "bad escape", bad, text + bad);
	*len = (size_t)rc;
}

struct sk_rules *udp_load_rules(const char *file, const char *reply)
{
	if (!file && !reply)
		return NULL;
	struct sk_rules *r = sk_rules_new();
	if (!r)
		cli_fail(EXIT_FAIL, "out of memory");
	char err[SK_ERRLEN];
	int rc = file ? sk_rules_load(r, file, err) : 1;
	if (rc < 0)
		cli_fail(EXIT_USAGE, "--rules %s", err);
	if (rc == 0)
		cli_fail(EXIT_USAGE, "--rules %s: no rules in the file", file);
	if (reply && sk_rules_add(r, SK_MATCH_ANY, NULL, reply, err) < 0)
		cli_fail(EXIT_USAGE, "--reply: %s", err);
	return r;
}

void udp_stats_print(const struct sk_peers *peers, uint64_t now_ms,
		     const char *why)
{
	struct sk_str s = { 0 };
	sk_str_printf(&s, "stats (%s):\n", why);
	sk_peers_format(peers, now_ms, "dgrams", &s);
	fflush(stdout);
	fputs(s.p ? s.p : "", stderr);
	sk_str_free(&s);
}

static void flush_cb(uv_prepare_t *h)
{
	cli_stdout_flush();
	if (h->data)
		fflush(h->data);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct udp_run *r = h->data;
	if (signum == SIGUSR1)
		udp_stats_print(sk_udp_session_peers(r->session), uv_now(&r->loop),
				"SIGUSR1");
	else
		r->on_stop(r->arg);
}

static void signal_start(struct udp_run *r, uv_signal_t *h, int signum)
{
	uv_signal_init(&r->loop, h);
	h->data = r;
	uv_signal_start(h, on_signal, signum);
}

void udp_run_start(struct udp_run *r, struct sk_udp_session *session, bool stats,
		   void (*on_stop)(void *arg), void *arg, FILE *extra)
{
	r->session = session;
	r->stats = stats;
	r->on_stop = on_stop;
	r->arg = arg;
	signal_start(r, &r->sigint, SIGINT);
	signal_start(r, &r->sigterm, SIGTERM);
	if (r->stats)
		signal_start(r, &r->sigusr1, SIGUSR1);
	uv_prepare_init(&r->loop, &r->flush);
	r->flush.data = extra;
	uv_prepare_start(&r->flush, flush_cb);
	uv_unref((uv_handle_t *)&r->flush);
}

void udp_run_live(struct udp_run *r)
{
	if (r->stats)
		stats_line_start(&r->live, &r->loop, stats_read_peers,
				 sk_udp_session_peers(r->session), "dgrams");
}

void udp_run(struct udp_run *r)
{
	uv_run(&r->loop, UV_RUN_DEFAULT);
	fflush(stdout);
	stats_line_stop(&r->live);
	if (r->stats)
		udp_stats_print(sk_udp_session_peers(r->session), uv_now(&r->loop),
				"exit");
	sk_udp_session_free(r->session);
	sk_loop_drain(&r->loop);
	uv_loop_close(&r->loop);
}

void udp_say_listening(const struct sk_udp *u)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char name[SK_ADDRSTRLEN];
	sk_udp_local(u, &ss, &len);
	sk_sockaddr_format((struct sockaddr *)&ss, true, name, sizeof name);
	cli_warn("listening on %s", name);
}

void udp_ends(const char *peer, const char *opt, const char *local, int family,
	      struct sk_udp_ends *out)
{
	char err[SK_ERRLEN];
	int rc = sk_udp_ends_parse(peer, local, family, out, err);
	const char *what = out->peer_failed ? "" : opt, *sep = out->peer_failed ? "" : ": ";
	if (rc == SK_EBADENDPOINT || rc == SK_EBADPORT || rc == SK_EBADHOST ||
	    rc == SK_ENOSERVICE || rc == SK_ETOOLONG || rc == SK_EFAMILY)
		cli_usage("%s%s%s", what, sep, err);
	if (rc)
		cli_fail(EXIT_FAIL, "%s%s%s", what, sep, err);
}
