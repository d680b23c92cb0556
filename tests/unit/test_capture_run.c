/* sk_capture_run over pcap files: every frame to the callback and the
 * dump, the count, an early end, and a dump that cannot be written. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit/capture.h"
#include "sockit/error.h"

static char path[64], copy[80];

/* A pcap file of n Ethernet frames, frame i filled with byte i. */
static void write_pcap(int n)
{
	snprintf(path, sizeof path, "/tmp/sockit-capture-run-XXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(copy, sizeof copy, "%s.copy", path);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	cr_assert_not_null(d);
	for (int i = 0; i < n; i++) {
		uint8_t frame[60];
		memset(frame, i, sizeof frame);
		struct pcap_pkthdr h = { .ts = { i, 0 }, .caplen = 60, .len = 60 };
		pcap_dump((u_char *)d, &h, frame);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static pcap_t *open_file(const char *name)
{
	pcap_t *p;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_capture_open(&(struct sk_capture_opts){ .file = name }, &p, err), 0,
		     "%s", err);
	return p;
}

struct seen {
	int frames, stop_at;
	uint8_t last;
};

static int on_frame(void *ctx, const struct pcap_pkthdr *h, const uint8_t *bytes)
{
	struct seen *s = ctx;
	cr_expect_eq(h->caplen, 60);
	s->last = bytes[0];
	return ++s->frames == s->stop_at;
}

static void cleanup(void)
{
	unlink(path);
	unlink(copy);
}

Test(capture_run, every_frame_to_the_callback_and_the_dump, .fini = cleanup)
{
	write_pcap(5);
	pcap_t *p = open_file(path);
	struct seen s = { 0 };
	struct sk_capture_run_opts o = { .ctx = &s, .on_frame = on_frame,
					 .dump = pcap_dump_open(p, copy) };
	struct sk_capture_run_stats st;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_capture_run(p, &o, &st, err), 0, "%s", err);
	pcap_dump_close(o.dump);
	pcap_close(p);
	cr_expect_eq(st.frames, 5);
	cr_expect_eq(s.frames, 5);
	cr_expect_eq(s.last, 4);
	/* The copy holds the same frames. */
	p = open_file(copy);
	s = (struct seen){ 0 };
	o = (struct sk_capture_run_opts){ .ctx = &s, .on_frame = on_frame };
	cr_assert_eq(sk_capture_run(p, &o, &st, err), 0, "%s", err);
	pcap_close(p);
	cr_expect_eq(s.frames, 5);
}

Test(capture_run, count_and_callback_end_the_run, .fini = cleanup)
{
	write_pcap(10);
	pcap_t *p = open_file(path);
	struct seen s = { 0 };
	struct sk_capture_run_opts o = { .count = 3, .ctx = &s, .on_frame = on_frame };
	struct sk_capture_run_stats st;
	char err[SK_ERRLEN];
	cr_assert_eq(sk_capture_run(p, &o, &st, err), 0, "%s", err);
	cr_expect_eq(st.frames, 3);
	pcap_close(p);
	p = open_file(path);
	s = (struct seen){ .stop_at = 2 };
	o = (struct sk_capture_run_opts){ .ctx = &s, .on_frame = on_frame };
	cr_assert_eq(sk_capture_run(p, &o, &st, err), 0, "%s", err);
	cr_expect_eq(st.frames, 2);
	cr_expect_eq(s.last, 1);
	pcap_close(p);
}

Test(capture_run, a_dump_that_cannot_be_written_ends_the_run, .fini = cleanup)
{
	write_pcap(200);
	pcap_t *p = open_file(path);
	struct sk_capture_run_opts o = { .dump = pcap_dump_open(p, "/dev/full") };
	cr_assert_not_null(o.dump);
	struct sk_capture_run_stats st;
	char err[SK_ERRLEN];
	cr_expect_eq(sk_capture_run(p, &o, &st, err), -ENOSPC, "%s", err);
	cr_expect_eq(st.dump_errno, ENOSPC);
	cr_expect_lt(st.frames, 200);
	pcap_dump_close(o.dump);
	pcap_close(p);
}
