/* sockit sniff: capture with libpcap (or read a pcap/pcapng file), decode
 * with lib/packet, print a line per packet, the layers, a hexdump or NDJSON. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sniff_out.h"
#include "sockit/capture.h"
#include "sockit/error.h"

static const char usage[] =
	"usage: sockit sniff [-i IF | -r FILE] [options] [FILTER...]\n"
	"\n"
	"Captures packets with libpcap, or reads a pcap or pcapng file, and decodes\n"
	"them: one line per packet in tcpdump -nn's words by default, each layer with\n"
	"its byte range and header fields with --layers (the encapsulation view),\n"
	"a hexdump with the layer boundaries with --hex, NDJSON with --json.  FILTER\n"
	"is a BPF expression as tcpdump takes it ('tcp port 80', 'arp or icmp').\n"
	"\n"
	"  -i, --interface IF  interface to capture on, or 'any' (default: the\n"
	"                    first interface that is up and not loopback)\n"
	"  -r, --read FILE   read a pcap or pcapng file ('-' for stdin)\n"
	"  -w, --write FILE  write the packets to a pcap file ('-' for stdout) instead\n"
	"                    of printing them (add --print to do both)\n"
	"  -c, --count N     stop after N packets\n"
	"  --timeout D       stop after D (500ms, 2s, 1m)\n"
	"  -s, --snaplen N   bytes to keep of each packet (default 262144)\n"
	"  --promisc         promiscuous mode (off by default)\n"
	"  -e                show the link layer (MAC addresses, EtherType)\n"
	"  --layers          each layer in its own block: byte range, header fields,\n"
	"                    padding of short frames\n"
	"  --hex             hexdump of each layer's bytes\n"
	"  --json            one JSON object per packet with a 'layers' array\n"
	"  --print           print packets even with -w\n"
	"  -t                no timestamp\n"
	"  -n                accepted for tcpdump habits (sockit never resolves names)\n"
	"  --user USER       as root: become USER once the capture is open\n"
	"  -q, --quiet       no 'listening on' and statistics lines on stderr\n"
	"  -h, --help        this help\n"
	"\n"
	"Sequence numbers are absolute (tcpdump's -S).  Bad checksums show as\n"
	"[bad tcp cksum], headers the capture cuts as [|tcp], never a crash.\n"
	"Live capture needs root or CAP_NET_RAW.  At exit sockit reports the packets\n"
	"captured, received by the filter and dropped by the kernel.\n"
	"\n"
	"examples:\n"
	"  sockit sniff -i lo -c 10 tcp port 8080\n"
	"  sockit sniff -r trace.pcap --layers arp\n"
	"  sockit sniff -i any -w out.pcap udp\n"
	"  sockit sniff -r trace.pcapng --json | jq .layers[].name\n"
	"\n"
	"exit status: 0 done, 1 capture failed (no permission, no interface,\n"
	"unreadable file), 2 usage error (including a bad filter).\n";

struct sniff_opts {
	struct sk_capture_opts cap;
	const char *write, *user;
	uint64_t count, timeout_ms;
	bool print, quiet;
	struct sniff_fmt fmt;
	char filter[4096];
};

static void parse_opts(int argc, char **argv, struct sniff_opts *o)
{
	memset(o, 0, sizeof *o);
	bool numeric; /* -n: names are never looked up anyway */
	const struct cli_opt table[] = {
		CLI_STR('i', "interface", &o->cap.iface),
		CLI_STR('r', "read", &o->cap.file),
		CLI_STR('w', "write", &o->write),
		CLI_NUM('c', "count", &o->count, 1, UINT64_MAX),
		CLI_NUM('s', "snaplen", &o->cap.snaplen, 1, 262144),
		CLI_MS(0, "timeout", &o->timeout_ms),
		CLI_FLAG(0, "promisc", &o->cap.promisc),
		CLI_FLAG('e', NULL, &o->fmt.link),
		CLI_FLAG(0, "layers", &o->fmt.layers),
		CLI_FLAG(0, "hex", &o->fmt.hex),
		CLI_FLAG(0, "json", &o->fmt.json),
		CLI_FLAG(0, "print", &o->print),
		CLI_FLAG('t', NULL, &o->fmt.no_time),
		CLI_FLAG('n', NULL, &numeric),
		CLI_STR(0, "user", &o->user),
		CLI_FLAG('q', "quiet", &o->quiet),
	};
	cli_parse(argc, argv, table, usage);
	size_t k = 0;
	for (int i = optind; i < argc; i++) {
		int n = snprintf(o->filter + k, sizeof o->filter - k, "%s%s", k ? " " : "",
				 argv[i]);
		if (n < 0 || (size_t)n >= sizeof o->filter - k)
			cli_usage("filter expression too long");
		k += (size_t)n;
	}
	o->cap.filter = k ? o->filter : NULL;
	if (o->cap.iface && o->cap.file)
		cli_usage("-i and -r exclude each other");
	if (o->fmt.json && (o->fmt.layers || o->fmt.hex))
		cli_usage("--json already holds every layer; drop --layers/--hex");
	if (o->write && !strcmp(o->write, "-") && o->print)
		cli_usage("-w - writes packets to stdout: --print has nowhere to go");
	if (o->timeout_ms && o->cap.file)
		cli_usage("--timeout is for live capture");
	o->print = !o->write || o->print;
}

struct sniff_run {
	struct sniff_opts *o;
	int linktype;
	unsigned long long n;
	bool live;
	bool out_failed;
};

/* What a signal handler needs: the handle to break, and the flag a run
 * with a deadline (which does its own waiting) looks at. */
static pcap_t *volatile break_me;
static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
	if (break_me)
		pcap_breakloop(break_me);
}

static int on_frame(void *ctx, const struct pcap_pkthdr *h, const uint8_t *bytes)
{
	struct sniff_run *r = ctx;
	r->n++;
	if (!r->o->print)
		return 0;
	struct sk_dissection d;
	sk_dissect(r->linktype, bytes, h->caplen, h->len, &d);
	sniff_print(stdout, &r->o->fmt, r->n, &h->ts, &d);
	if (r->live && (sniff_flush(stdout, &r->o->fmt) || fflush(stdout) == EOF))
		r->out_failed = true;
	return r->out_failed;
}

int cmd_sniff(int argc, char **argv)
{
	struct sniff_opts o;
	parse_opts(argc, argv, &o);
	char err[SK_ERRLEN];
	struct sniff_run r = { .o = &o, .live = !o.cap.file };
	char ifname[256] = "";
	if (r.live && !o.cap.iface) {
		int rc = sk_capture_default_iface(ifname, sizeof ifname, err);
		if (rc)
			cli_fail(EXIT_FAIL, "%s%s", err,
				 rc == SK_ENOIFACE ? " (use -i IF or -i any)"
						   : "");
		o.cap.iface = ifname;
	}
	o.cap.immediate = r.live;
	pcap_t *p;
	int rc = sk_capture_open(&o.cap, &p, err);
	if (rc)
		cli_fail(rc == SK_EBADFILTER ? EXIT_USAGE : EXIT_FAIL, "%s", err);
	int dlt = pcap_datalink(p);
	r.linktype = sk_linktype_from_dlt(dlt);
	struct sk_capture_run_opts ro = { .live = r.live, .count = o.count,
					  .timeout_ms = o.timeout_ms, .ctx = &r,
					  .on_frame = on_frame, .stop = &stop_now };
	if (o.write && !(ro.dump = pcap_dump_open(p, o.write)))
		cli_fail(EXIT_FAIL, "%s: %s", o.write, pcap_geterr(p));
	if (o.user && sk_drop_privileges(o.user, err) != 0) {
		static const struct cli_subject user[] = {
			{ "user ", "--user " }, { NULL, NULL }
		};
		cli_name_option(err, sizeof err, user);
		cli_fail(EXIT_FAIL, "%s", err);
	}
	/* Printed frames gather in sniff_out's buffer; a pcap written to
	 * stdout goes through stdio's. */
	if (!r.live && !o.print)
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	if (o.print && !o.quiet && !sk_dissect_knows(r.linktype)) {
		const char *dn = pcap_datalink_val_to_name(dlt);
		cli_warn("link type %d (%s) is not decoded: each frame is shown as raw data", dlt,
			 dn ? dn : "unnamed");
	}
	/* The handlers are in place before "listening on": whoever waits for
	 * that line may stop the capture at once. */
	break_me = p;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (r.live && !o.quiet) {
		const char *dn = pcap_datalink_val_to_name(dlt);
		fprintf(stderr, "listening on %s, link-type %s, snapshot length %d bytes\n",
			o.cap.iface, dn ? dn : "?", pcap_snapshot(p));
	}
	struct sk_capture_run_stats st;
	rc = sk_capture_run(p, &ro, &st, err);
	break_me = NULL;
	int status = rc ? EXIT_FAIL : EXIT_OK;
	if (rc == SK_ECAPTURE)
		cli_warn("%s: %s", o.cap.file ? o.cap.file : o.cap.iface, err);
	if (st.dump_errno)
		cli_warn("-w %s: %s", o.write, sk_strerror(-st.dump_errno));
	/* For '-' the dumper's FILE is stdout: it stays open for the check at
	 * exit, which has nothing more to say once the failure is told here. */
	if (ro.dump && strcmp(o.write, "-")) {
		pcap_dump_close(ro.dump);
	} else if (st.dump_errno) {
		__fpurge(stdout);
		clearerr(stdout);
	}
	if (sniff_flush(stdout, &o.fmt) || fflush(stdout) == EOF || r.out_failed) {
		if (errno != EPIPE)
			cli_warn("stdout: %s", sk_strerror(-errno));
		status = EXIT_FAIL;
	}
	struct pcap_stat ps;
	if (r.live && !o.quiet && pcap_stats(p, &ps) == 0)
		fprintf(stderr, "%llu packets captured, %u received by filter, %u dropped by kernel\n",
			(unsigned long long)st.frames, ps.ps_recv, ps.ps_drop);
	pcap_close(p);
	sniff_fmt_free(&o.fmt);
	return status;
}
