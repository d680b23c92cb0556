/* Capture and link-layer I/O: libpcap handles for live interfaces and
 * pcap/pcapng files, the default interface, an AF_PACKET socket for sending
 * and receiving raw frames (arp), an interface's addresses, and dropping
 * root after opening.  The decoding is in sockit/dissect.h. */
#ifndef SOCKIT_CAPTURE_H
#define SOCKIT_CAPTURE_H

#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sk_capture_opts {
	const char *iface;  /* live: interface name or "any"; NULL: the default */
	const char *file;   /* or a pcap / pcapng file ("-" is stdin) */
	int snaplen;        /* 0 means 262144 */
	bool promisc;       /* live: promiscuous mode */
	bool immediate;     /* live: deliver each packet at once (no buffering) */
	int timeout_ms;     /* live: the read timeout; 0 means 100 */
	int buffer_bytes;   /* live: kernel ring size; 0 means libpcap's */
	const char *filter; /* BPF filter expression, or NULL */
};

/* Opens the capture described by o and applies the filter.  Returns 0 and
 * *out, or a negative code with err ("what: why"):
 *   SK_ENOPERM     no permission to capture on the interface
 *   -ENODEV        no such interface
 *   -ENOENT/...    the file cannot be opened (-errno when known)
 *   SK_EMALFORMED  the file is not a pcap or pcapng file
 *   SK_EBADFILTER  the filter does not compile
 *   SK_ENOIFACE    no interface given and none is up
 *   SK_ECAPTURE    anything else libpcap reports
 * Close with pcap_close. */
int sk_capture_open(const struct sk_capture_opts *o, pcap_t **out, char *err);

/* What a capture run does with each frame, and when it ends. */
struct sk_capture_run_opts {
	bool live;           /* a live interface (not a file): the dump is
			      * flushed after every frame, and reading goes
			      * on through quiet spells */
	uint64_t count;      /* end after this many frames; 0: no limit */
	uint64_t timeout_ms; /* end after this long; 0: no limit */
	pcap_dumper_t *dump; /* every frame is written here too; or NULL */
	/* Ends the run, within a tenth of a second, once nonzero (a signal
	 * handler sets it, beside pcap_breakloop); or NULL. */
	const volatile sig_atomic_t *stop;
	void *ctx;
	/* Each frame (h->caplen bytes); nonzero ends the run.  May be NULL. */
	int (*on_frame)(void *ctx, const struct pcap_pkthdr *h, const uint8_t *bytes);
};

struct sk_capture_run_stats {
	uint64_t frames;
	int dump_errno; /* the first write to the dump that failed, or 0 */
};

/* Reads frames from p until the file ends, count frames came, timeout_ms
 * passed, on_frame asked to end, a dump write failed, *stop was set, or
 * pcap_breakloop(p) was called (from a signal handler, say).  The dump is flushed, not
 * closed.  Returns 0, SK_ECAPTURE with libpcap's reason, or -errno when
 * the dump could not be written (st->dump_errno), with err. */
int sk_capture_run(pcap_t *p, const struct sk_capture_run_opts *o,
		   struct sk_capture_run_stats *st, char *err);

/* The first interface that is up and running and is not loopback, as
 * tcpdump picks; SK_ENOIFACE when there is none. */
int sk_capture_default_iface(char *name, size_t cap, char *err);

/* As root: switch to user (its groups, group and uid), keeping nothing.
 * Returns 0, -EPERM when not root, -ENOENT for an unknown user, with err
 * "user NAME: why". */
int sk_drop_privileges(const char *user, char *err);

struct sk_link_info {
	int ifindex;
	uint8_t mac[6];
	bool has_mac;  /* an Ethernet-like interface */
	bool up, loopback;
	bool has_ipv4;
	uint8_t ipv4[4];
	unsigned prefix;
	bool has_ipv6_ll;
	uint8_t ipv6_ll[16]; /* the link-local address, for neighbour solicitation */
};

/* What the kernel knows about an interface.  Returns 0, -ENODEV. */
int sk_link_info(const char *ifname, struct sk_link_info *out, char *err);

/* The interface whose IPv4 network contains addr (the one a neighbour
 * lookup goes out of), into name.  Returns 0 or SK_ENOIFACE. */
int sk_link_for_ipv4(const uint8_t addr[4], char *name, size_t cap, char *err);

/* An AF_PACKET raw socket bound to ifindex receiving ethertype frames
 * (non-blocking, close-on-exec).  Returns the fd, SK_ENOPERM without
 * CAP_NET_RAW, or -errno. */
int sk_packet_socket(int ifindex, uint16_t ethertype, char *err);

/* Sends one whole frame on a socket from sk_packet_socket.  Returns 0 or
 * -errno. */
int sk_packet_send(int fd, int ifindex, const uint8_t *frame, size_t len);

#endif
