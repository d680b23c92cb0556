/* A capture run (sockit/capture.h): libpcap's dispatch loop with a frame
 * count, a deadline, an optional dump file whose write errors are caught
 * (pcap_dump itself reports none), and an end a signal handler can ask
 * for with pcap_breakloop. */
#include <errno.h>
#include <poll.h>

#include "core/say.h"
#include "sockit/capture.h"
#include "sockit/clock.h"
#include "sockit/error.h"

struct run {
	const struct sk_capture_run_opts *o;
	pcap_t *p;
	struct sk_capture_run_stats *st;
	bool stop;
};

/* Whether everything given to pcap_dump reached the file. */
static bool dump_ok(struct run *r)
{
	errno = 0;
	if (pcap_dump_flush(r->o->dump) == 0 && !ferror(pcap_dump_file(r->o->dump)))
		return true;
	if (!r->st->dump_errno)
		r->st->dump_errno = errno ? errno : EIO;
	return false;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct run *r = (struct run *)(void *)user;
	const struct sk_capture_run_opts *o = r->o;
	r->st->frames++;
	if (o->dump) {
		pcap_dump((u_char *)o->dump, h, bytes);
		if (ferror(pcap_dump_file(o->dump)) && !r->st->dump_errno)
			r->st->dump_errno = errno ? errno : EIO;
	}
	if (o->on_frame && o->on_frame(o->ctx, h, bytes))
		r->stop = true;
	if (o->live && o->dump)
		dump_ok(r);
	if ((o->count && r->st->frames >= o->count) || r->stop || r->st->dump_errno)
		pcap_breakloop(r->p);
}

/* Waits until the capture has something to read, at most a tenth of a
 * second at a time: a non-blocking dispatch does not look at
 * pcap_breakloop's flag when nothing came, so the stop flag is what a
 * signal handler's end is seen by.  False once the deadline passed or
 * the flag is set. */
static bool wait_ready(pcap_t *p, uint64_t deadline, const volatile sig_atomic_t *stop)
{
	uint64_t now = sk_clock_ms();
	if (now >= deadline || (stop && *stop))
		return false;
	uint64_t left = deadline - now;
	struct pollfd pfd = { .fd = pcap_get_selectable_fd(p), .events = POLLIN };
	poll(&pfd, 1, left < 100 ? (int)left : 100);
	return true;
}

int sk_capture_run(pcap_t *p, const struct sk_capture_run_opts *o,
		   struct sk_capture_run_stats *st, char *err)
{
	*st = (struct sk_capture_run_stats){ 0 };
	struct run r = { .o = o, .p = p, .st = st };
	uint64_t deadline = o->timeout_ms ? sk_clock_ms() + o->timeout_ms : 0;
	/* libpcap's own wait ends only with a packet (a TPACKET_V3 ring wakes
	 * its reader for nothing else), so a quiet interface would hold the
	 * run past its deadline: with one, the wait is ours. */
	bool wait_here = o->live && deadline && pcap_get_selectable_fd(p) >= 0 &&
			 pcap_setnonblock(p, 1, (char[PCAP_ERRBUF_SIZE]){ 0 }) == 0;
	int rc;
	for (;;) {
		if (wait_here && !wait_ready(p, deadline, o->stop)) {
			rc = 0;
			break;
		}
		rc = pcap_dispatch(p, -1, on_packet, (u_char *)&r);
		if (rc < 0 || (!o->live && rc == 0))
			break;
		if (deadline && sk_clock_ms() >= deadline)
			break;
	}
	if (o->dump)
		dump_ok(&r);
	if (rc == PCAP_ERROR)
		return sk__err_say(err, SK_ECAPTURE, "%s", pcap_geterr(p));
	if (st->dump_errno)
		return sk__err_say(err, -st->dump_errno, "%s", sk_strerror(-st->dump_errno));
	return 0;
}
