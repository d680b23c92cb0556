/* sk_scan_run: a connect scan of 127.0.0.1 against ports this test holds
 * (listening: open; bound but not listening: closed), and resume from a
 * checkpoint. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit/error.h"
#include "sockit/scan.h"

#define NOPEN	5
#define NCLOSED 40

struct held {
	int fd[NOPEN + NCLOSED];
	uint16_t port[NOPEN + NCLOSED]; /* the first NOPEN listen */
};

static void hold_ports(struct held *h)
{
	for (int i = 0; i < NOPEN + NCLOSED; i++) {
		h->fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		cr_assert_geq(h->fd[i], 0);
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr.s_addr =
					       htonl(INADDR_LOOPBACK) };
		cr_assert_eq(
		    bind(h->fd[i], (struct sockaddr *)&sin, sizeof sin), 0);
		socklen_t len = sizeof sin;
		getsockname(h->fd[i], (struct sockaddr *)&sin, &len);
		h->port[i] = ntohs(sin.sin_port);
		if (i < NOPEN)
			cr_assert_eq(listen(h->fd[i], SOMAXCONN), 0);
	}
}

static void release_ports(struct held *h)
{
	for (int i = 0; i < NOPEN + NCLOSED; i++)
		close(h->fd[i]);
}

/* Targets 127.0.0.1 and the held ports, finished. */
static void build(const struct held *h, struct sk_targets **t,
		  struct sk_ports *p)
{
	char err[SK_ERRLEN];
	cr_assert_eq(sk_targets_new(t), 0);
	cr_assert_eq(sk_targets_add(*t, "127.0.0.1", SK_TARGETS_NORESOLVE, err),
		     0);
	cr_assert_eq(sk_targets_finish(*t, SK_TARGETS_DEFAULT_MAX, err), 0);
	memset(p, 0, sizeof *p);
	char spec[16];
	for (int i = 0; i < NOPEN + NCLOSED; i++) {
		snprintf(spec, sizeof spec, "%u", h->port[i]);
		cr_assert_eq(sk_ports_parse(p, spec, SK_SCAN_TCP, err), 0);
	}
	cr_assert_eq(sk_ports_finish(p, err), 0, "%s", err);
}

/* What the callbacks saw: each port's state and how often it came. */
struct seen {
	int count[65536];
	enum sk_port_state state[65536];
	unsigned results, progress, flushes;
};

static void on_result(const struct sk_scan_result *r, void *ctx)
{
	struct seen *s = ctx;
	cr_assert_eq(r->proto, SK_SCAN_TCP);
	cr_assert_eq(r->ip.family, AF_INET);
	s->count[r->port]++;
	s->state[r->port] = r->state;
	s->results++;
}

static void on_flush(void *ctx)
{
	((struct seen *)ctx)->flushes++;
}

static void expect_states(const struct held *h, const struct seen *s,
			  const bool *want)
{
	for (int i = 0; i < NOPEN + NCLOSED; i++) {
		uint16_t port = h->port[i];
		if (want && !want[port]) {
			cr_assert_eq(s->count[port], 0,
				     "port %u reported though done", port);
			continue;
		}
		cr_assert_eq(s->count[port], 1, "port %u reported %d times",
			     port, s->count[port]);
		cr_assert_eq(
		    s->state[port], i < NOPEN ? SK_STATE_OPEN : SK_STATE_CLOSED,
		    "port %u: %s", port, sk_port_state_name(s->state[port]));
	}
}

Test(scan_run, connect_scan_of_loopback_reports_each_port_once)
{
	struct held h;
	hold_ports(&h);
	struct sk_targets *t;
	struct sk_ports p;
	build(&h, &t, &p);
	static struct seen seen;
	memset(&seen, 0, sizeof seen);
	struct sk_scan_opts o;
	sk_scan_opts_init(&o);
	o.targets = t;
	o.tcp = &p;
	o.on_result = on_result;
	o.ctx = &seen;
	struct sk_scan_summary sum;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_scan_run(&o, &sum, err), 0, "%s", err);
	expect_states(&h, &seen, NULL);
	cr_assert_eq(seen.results, NOPEN + NCLOSED);
	cr_assert_eq(sum.done, NOPEN + NCLOSED);
	cr_assert_eq(sum.frames, 0); /* no raw phase */
	cr_assert_not(sum.resumed);
	sk_ports_free(&p);
	sk_targets_free(t);
	release_ports(&h);
}

Test(scan_run, resumes_where_the_checkpoint_says_and_refuses_another_scan)
{
	struct held h;
	hold_ports(&h);
	struct sk_targets *t;
	struct sk_ports p;
	build(&h, &t, &p);
	char path[] = "/tmp/sockit-test-ckpt-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);

	/* A checkpoint of this scan (seed 7) with its first 17 steps done. */
	struct sk_plan plan;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_plan_init(&plan, t, &p, 7, 0, 1, err), 0);
	/* Steps 20-22 were reported too, beyond the first gap. */
	struct sk_step_range done[] = { { 20, 22 } };
	struct sk_checkpoint c = { .fingerprint =
				       sk_plan_fingerprint(&plan, SK_SCAN_TCP),
				   .seed = 7,
				   .shard_count = 1,
				   .next = 17,
				   .done = done,
				   .ndone = 1 };
	cr_assert_eq(sk_checkpoint_write(path, &c, err), 0);
	static bool want[65536];
	memset(want, 0, sizeof want);
	for (uint64_t s = 17; s < plan.steps; s++) {
		if (s >= 20 && s <= 22)
			continue;
		struct sk_ip ip;
		enum sk_scan_proto proto;
		uint16_t port;
		sk_plan_probe(&plan, sk_plan_index(&plan, s), &ip, &proto,
			      &port);
		want[port] = true;
	}

	static struct seen seen;
	memset(&seen, 0, sizeof seen);
	struct sk_scan_opts o;
	sk_scan_opts_init(&o);
	o.targets = t;
	o.tcp = &p;
	o.resume = path;
	o.on_result = on_result;
	o.on_flush = on_flush;
	o.ctx = &seen;
	struct sk_scan_summary sum;
	cr_assert_eq(sk_scan_run(&o, &sum, err), 0, "%s", err);
	cr_assert(sum.resumed);
	cr_assert_eq(sum.seed, 7);
	cr_assert_eq(seen.results, NOPEN + NCLOSED - 17 - 3);
	expect_states(&h, &seen, want);
	/* Flushed before the first and the last checkpoint at least. */
	cr_assert_geq(seen.flushes, 2);
	cr_assert_eq(sk_checkpoint_read(path, &c, err), 0);
	cr_assert_eq(c.next, plan.steps);
	cr_assert_eq(c.ndone, 0);
	sk_checkpoint_free(&c);

	/* Another seed, or other ports, is another scan. */
	o.have_seed = true;
	o.seed = 8;
	cr_assert_eq(sk_scan_run(&o, &sum, err), SK_EBADCHECKPOINT);
	cr_assert(sum.checkpoint_failed);
	cr_assert(strstr(err, "seed 7"), "%s", err);
	o.have_seed = false;
	struct sk_ports fewer = { 0 };
	char spec[16];
	snprintf(spec, sizeof spec, "%u", h.port[0]);
	sk_ports_parse(&fewer, spec, SK_SCAN_TCP, err);
	sk_ports_finish(&fewer, err);
	o.tcp = &fewer;
	seen.results = 0;
	cr_assert_eq(sk_scan_run(&o, &sum, err), SK_EBADCHECKPOINT);
	cr_assert(strstr(err, "different scan"), "%s", err);
	cr_assert_eq(seen.results, 0);

	unlink(path);
	sk_ports_free(&fewer);
	sk_ports_free(&p);
	sk_targets_free(t);
	release_ports(&h);
}

Test(scan_run, a_checkpoint_that_cannot_be_written_stops_before_any_probe)
{
	struct held h;
	hold_ports(&h);
	struct sk_targets *t;
	struct sk_ports p;
	build(&h, &t, &p);
	static struct seen seen;
	memset(&seen, 0, sizeof seen);
	struct sk_scan_opts o;
	sk_scan_opts_init(&o);
	o.targets = t;
	o.tcp = &p;
	o.resume = "/nonexistent-sockit-dir/scan.ckpt";
	o.on_result = on_result;
	o.ctx = &seen;
	struct sk_scan_summary sum;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_scan_run(&o, &sum, err), -ENOENT);
	cr_assert(sum.checkpoint_failed);
	cr_assert(strstr(err, "/nonexistent-sockit-dir/scan.ckpt"), "%s", err);
	cr_assert_eq(seen.results, 0);
	/* Nothing to scan is an error, not a crash. */
	o.tcp = NULL;
	o.resume = NULL;
	cr_assert_lt(sk_scan_run(&o, &sum, err), 0);
	sk_ports_free(&p);
	sk_targets_free(t);
	release_ports(&h);
}
