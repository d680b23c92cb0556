/* The scan driver: the TCP phase (connect or SYN) and the UDP phase over
 * one seed and shard, resume from a checkpoint and checkpoints while the
 * engines run, the raw phases' routes and held source port, and one
 * summary of it all. */
#include "sockit/scan.h"
#include "sockit/clock.h"
#include "sockit/error.h"
#include "ledger.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void sk_scan_opts_init(struct sk_scan_opts *o)
{
	*o = (struct sk_scan_opts){
		.shard_count = 1,
		.checkpoint_ms = 2000,
		.retries = 2,
		.min_timeout_ms = 200,
		.threads = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1,
		.banner_timeout_ms = 2000,
		.route = { .wait_ms = 2000 },
	};
}

/* One phase under way: what its checkpoints say and how its progress
 * is told. */
struct phase_run {
	const struct sk_scan_opts *o;
	struct sk_checkpoint ckpt;
	enum sk_scan_proto proto;
	uint64_t steps;
	uint64_t started_ns, last_ckpt_ns;
	bool ckpt_written, ckpt_failed;
	bool *checkpoint_failed;
	struct sk__ledger *ledger; /* with a checkpoint file: results held */
	char err[SK_ERRLEN];
};

static void release_one(const struct sk_scan_result *r, void *ctx)
{
	const struct sk_scan_opts *o = ctx;
	if (o->on_result)
		o->on_result(r, o->ctx);
}

/* Releases the held results, has the caller flush them, and writes the
 * checkpoint that covers exactly those and the earlier ones.  The first
 * write of a scan comes before any probe: when it fails the scan does not
 * start (it could never be resumed).  Later failures are told once and
 * again only after a write succeeded in between. */
static int save_checkpoint(struct phase_run *pr)
{
	const struct sk_scan_opts *o = pr->o;
	if (!o->resume)
		return 0;
	int rc =
	    sk__ledger_release(pr->ledger, release_one, (void *)o, &pr->ckpt);
	if (o->on_flush)
		o->on_flush(o->ctx);
	if (!rc)
		rc = sk_checkpoint_write(o->resume, &pr->ckpt, pr->err);
	else
		sk_err_set(pr->err, rc, "%s", o->resume);
	if (!rc) {
		pr->ckpt_written = true;
		pr->ckpt_failed = false;
		return 0;
	}
	if (!pr->ckpt_written) {
		*pr->checkpoint_failed = true;
		return rc;
	}
	if (!pr->ckpt_failed && o->on_checkpoint_error)
		o->on_checkpoint_error(rc, pr->err, o->ctx);
	pr->ckpt_failed = true;
	return 0;
}

static void on_engine_progress(const struct sk_scan_stats *s, void *ctx)
{
	struct phase_run *pr = ctx;
	const struct sk_scan_opts *o = pr->o;
	uint64_t now = sk_clock_ns();
	if (now - pr->last_ckpt_ns >= o->checkpoint_ms * 1000000u) {
		save_checkpoint(pr);
		pr->last_ckpt_ns = now;
	}
	if (o->on_progress) {
		struct sk_scan_progress p = {
			.phase = pr->proto,
			.steps = pr->steps,
			.done = s->done,
			.sent = s->sent,
			.elapsed_ns = now - pr->started_ns,
		};
		o->on_progress(&p, o->ctx);
	}
}

static void on_engine_result(const struct sk_scan_result *r, void *ctx)
{
	const struct phase_run *pr = ctx;
	if (pr->ledger)
		sk__ledger_add(pr->ledger, r);
	else if (pr->o->on_result)
		pr->o->on_result(r, pr->o->ctx);
}

static uint64_t random_seed(void)
{
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	return seed;
}

/* Picks our source port for a raw phase and holds it with a bound socket
 * of the same protocol, so that the kernel gives it to no connection of
 * its own while the scan runs (its replies would be ours).  Returns the
 * socket to close afterwards, or a negative error with err. */
static int reserve_port(const struct sk_scan_opts *o, int family, int type,
			uint16_t *port, char *err)
{
	for (int attempt = 0; attempt < 32; attempt++) {
		uint16_t p = o->sport;
		if (!p) {
			uint16_t r = 0;
			if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
				r = (uint16_t)(getpid() + attempt);
			p = (uint16_t)(40000 + r % 20000);
		}
		int fd = socket(family, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return sk_err_set(err, -errno, "source port: socket");
		struct sockaddr_storage ss = { 0 };
		socklen_t len;
		if (family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
			sin->sin_family = AF_INET;
			sin->sin_port = htons(p);
			len = sizeof *sin;
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(p);
			len = sizeof *sin6;
		}
		if (bind(fd, (struct sockaddr *)&ss, len) == 0) {
			*port = p;
			return fd;
		}
		int e = -errno;
		close(fd);
		if (o->sport)
			return sk_err_set(err, e, "source port %u", p);
	}
	return sk_err_set(err, -EADDRINUSE, "no free source port");
}

/* The plans of both phases and where to start: from the checkpoint when
 * there is one for this very scan.  Returns the first phase (0 or 1),
 * with *start its first step, or a negative error. */
static int plan_scan(const struct sk_scan_opts *o, struct sk_plan plan[2],
		     uint64_t *seed, struct sk_checkpoint *old,
		     struct sk_scan_summary *sum, char *err)
{
	const struct sk_ports *ports[2] = { o->tcp, o->udp };
	bool have_old = false;
	*seed = o->have_seed ? o->seed : random_seed();
	if (o->resume) {
		int rc = sk_checkpoint_read(o->resume, old, err);
		if (rc && rc != -ENOENT) {
			sum->checkpoint_failed = true;
			return rc;
		}
		if (rc == 0) {
			if (o->have_seed && old->seed != o->seed) {
				sum->checkpoint_failed = true;
				snprintf(err, SK_ERRLEN,
					 "%s: written with seed %" PRIu64,
					 o->resume, old->seed);
				return SK_EBADCHECKPOINT;
			}
			*seed = old->seed;
			have_old = true;
		}
	}
	for (unsigned ph = 0; ph < 2; ph++) {
		if (!ports[ph])
			continue;
		int rc = sk_plan_init(&plan[ph], o->targets, ports[ph], *seed,
				      o->shard_index,
				      o->shard_count ? o->shard_count : 1, err);
		if (rc)
			return rc;
	}
	if (!have_old)
		return ports[0] ? 0 : 1;
	unsigned ph = old->phase;
	if (!ports[ph] ||
	    old->fingerprint != sk_plan_fingerprint(&plan[ph], ph) ||
	    old->shard_index != plan[ph].shard_index ||
	    old->shard_count != plan[ph].shard_count ||
	    (old->ndone && old->done[old->ndone - 1].last >= plan[ph].steps)) {
		sum->checkpoint_failed = true;
		snprintf(err, SK_ERRLEN,
			 "%s: written by a different scan (targets, ports or "
			 "shard differ)",
			 o->resume);
		return SK_EBADCHECKPOINT;
	}
	sum->resumed = true;
	return (int)ph;
}

/* Runs one phase's engine from step start; fills *st. */
static int run_engine(const struct sk_scan_opts *o, const struct sk_plan *plan,
		      enum sk_scan_proto proto, uint64_t start,
		      const struct sk_routes *routes, const uint8_t key[16],
		      struct phase_run *pr, struct sk_scan_stats *st, char *err)
{
	if (proto == SK_SCAN_TCP && !o->syn) {
		struct sk_scan_connect_opts co = {
			.plan = plan,
			.start = start,
			.concurrency = o->concurrency,
			.rate = o->rate,
			.retries = o->retries,
			.max_timeout_ms = o->timeout_ms ? o->timeout_ms : 3000,
			.min_timeout_ms = o->min_timeout_ms,
			.threads = o->threads,
			.banner = o->banner,
			.banner_timeout_ms = o->banner_timeout_ms,
			.probe = o->probe,
			.probe_len = o->probe_len,
			.on_result = on_engine_result,
			.on_progress = on_engine_progress,
			.ctx = pr,
			.stop = o->stop,
		};
		return sk_scan_connect(&co, st, err);
	}
	uint16_t sport = 0;
	const struct sk_route *any = sk_routes_at(routes, 0);
	int hold = reserve_port(o, any->src.family,
				proto == SK_SCAN_TCP ? SOCK_STREAM : SOCK_DGRAM,
				&sport, err);
	if (hold < 0)
		return hold;
	struct sk_raw_opts ro = {
		.plan = plan,
		.proto = proto,
		.start = start,
		.rate = o->rate ? o->rate : 10000,
		.retries = o->retries,
		.wait_ms = o->timeout_ms ? o->timeout_ms : 1000,
		.routes = routes,
		.sport = sport,
		.key = key,
		.on_result = on_engine_result,
		.on_progress = on_engine_progress,
		.ctx = pr,
		.stop = o->stop,
	};
	int rc = sk_scan_raw(&ro, st, err);
	close(hold);
	return rc;
}

static void add_stats(struct sk_scan_summary *sum, bool raw,
		      const struct sk_scan_stats *st)
{
	sum->done += st->done;
	sum->retries += st->retries;
	if (raw) {
		sum->frames += st->sent;
		sum->replies += st->received;
		sum->first_pass_frames += st->sent - st->retries;
		sum->first_pass_ns += st->first_pass_ns;
	}
	sum->icmp_limited += st->icmp_limited;
	sum->slowed += st->slowed;
}

/* Runs phase ph from step start, its checkpoints included. */
static int run_phase(const struct sk_scan_opts *o, const struct sk_plan *plan,
		     unsigned ph, uint64_t seed,
		     const struct sk_checkpoint *old, bool first,
		     const struct sk_routes *routes, const uint8_t key[16],
		     struct sk_scan_summary *sum, char *err)
{
	struct phase_run pr = {
		.o = o,
		.ckpt = { .fingerprint = sk_plan_fingerprint(plan, ph),
			  .seed = seed,
			  .shard_index = plan->shard_index,
			  .shard_count = plan->shard_count,
			  .phase = ph },
		.proto = ph == 0 ? SK_SCAN_TCP : SK_SCAN_UDP,
		.steps = plan->steps,
		.started_ns = sk_clock_ns(),
		/* Only the scan's very first write may end it. */
		.ckpt_written = !first,
		.checkpoint_failed = &sum->checkpoint_failed,
	};
	pr.last_ckpt_ns = pr.started_ns;
	uint64_t start = old ? old->next : 0;
	if (o->resume) {
		int rc = sk__ledger_new(&pr.ledger, plan, start,
					old ? old->done : NULL,
					old ? old->ndone : 0);
		if (rc)
			return sk_err_set(err, rc, "scan");
	}
	int rc = save_checkpoint(&pr);
	if (rc) {
		memcpy(err, pr.err, SK_ERRLEN);
	} else {
		struct sk_scan_stats st;
		rc = run_engine(o, plan, pr.proto, start, routes, key, &pr, &st,
				err);
		if (rc >= 0) {
			add_stats(sum, pr.proto == SK_SCAN_UDP || o->syn, &st);
			save_checkpoint(&pr);
		}
	}
	sk__ledger_free(pr.ledger);
	return rc;
}

int sk_scan_run(const struct sk_scan_opts *o, struct sk_scan_summary *sum,
		char *err)
{
	uint64_t t0 = sk_clock_ns();
	memset(sum, 0, sizeof *sum);
	if (!o->targets || (!o->tcp && !o->udp))
		return sk_err_set(err, SK_ENOPORTS, "scan: no ports to scan");
	struct sk_plan plan[2];
	struct sk_checkpoint old = { 0 };
	uint64_t seed;
	int first = plan_scan(o, plan, &seed, &old, sum, err);
	if (first < 0) {
		sk_checkpoint_free(&old);
		return first;
	}
	sum->seed = seed;
	uint8_t key[16];
	struct sk_routes *routes = NULL;
	int rc = 0;
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
		rc = sk_err_set(err, -EAGAIN,
				"scan: no randomness for the probe cookies");
	if (!rc && ((o->tcp && o->syn) || o->udp))
		rc = sk_routes_build(&routes, o->targets, &o->route, err);
	const struct sk_ports *ports[2] = { o->tcp, o->udp };
	for (unsigned ph = (unsigned)first; ph < 2 && rc == 0; ph++) {
		if (!ports[ph])
			continue;
		/* Only the phase a checkpoint was read for continues from it;
		 * after a finished TCP phase the file says UDP from step 0. */
		rc = run_phase(o, &plan[ph], ph, seed,
			       sum->resumed && ph == (unsigned)first ? &old
								     : NULL,
			       ph == (unsigned)first, routes, key, sum, err);
	}
	sk_routes_free(routes);
	sk_checkpoint_free(&old);
	sum->elapsed_ns = sk_clock_ns() - t0;
	return rc;
}
