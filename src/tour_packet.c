/* The tour's Ethernet/ARP step: frames made by sockit's own ARP builder,
 * written to a pcap and shown by sniff --layers (the 28-byte ARP message and
 * the 18 bytes of padding that make up Ethernet's 46-byte minimum payload);
 * as root, a UDP datagram on lo captured live and shown layer by layer, and
 * an ARP exchange with a network namespace.  Every packet is sent by a
 * sockit command the tour runs, never by the tour itself. */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "sockit/pktbuild.h"
#include "tour.h"

static int write_arp_pcap(const char *path)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6] = { 0 };
	static const uint8_t m1[6] = { 0x02, 0, 0, 0, 0, 0x01 }, m2[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t a1[4] = { 198, 18, 0, 1 }, a2[4] = { 198, 18, 0, 2 };
	uint8_t req[SK_BUILD_MAX], rep[SK_BUILD_MAX];
	/* The request as the sender's capture sees it (the NIC pads it after
	 * capture), the reply as it arrives from the wire: padded to 60. */
	int nreq = sk_build_arp(req, sizeof req, SK_ARP_REQUEST, bcast, m1, a1, zero, a2, false);
	int nrep = sk_build_arp(rep, sizeof rep, SK_ARP_REPLY, m1, m2, a2, m1, a1, true);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (!dead || nreq < 0 || nrep < 0)
		return -1;
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	if (!d) {
		pcap_close(dead);
		return -1;
	}
	struct timeval now;
	gettimeofday(&now, NULL);
	struct pcap_pkthdr h = { .ts = now, .caplen = (bpf_u_int32)nreq, .len = (bpf_u_int32)nreq };
	pcap_dump((u_char *)d, &h, req);
	h.ts.tv_usec = (h.ts.tv_usec + 137) % 1000000;
	h.caplen = h.len = (bpf_u_int32)nrep;
	pcap_dump((u_char *)d, &h, rep);
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

/* Reads a background sniff's stderr until it says it is listening. */
static bool sniff_ready(int errfd)
{
	char line[256];
	return tour_read_line(errfd, line, sizeof line, 5000) >= 0 &&
	       !strncmp(line, "listening on", 12);
}

/* Lets a background sniff print its packets and leave: its stderr ends
 * when it exits after its -c count. */
static void sniff_finish(pid_t pid, int errfd)
{
	char line[256];
	while (tour_read_line(errfd, line, sizeof line, 6000) >= 0)
		;
	close(errfd);
	tour_stop(pid);
}

static int live_udp(void)
{
	tour_say("\nAs root the tour can also capture for real: sockit sniff listens on\n"
		 "lo while a listener on a kernel-chosen port receives one datagram\n"
		 "from udp send, and shows it peeled layer by layer.  Loopback has no\n"
		 "real Ethernet: its frames carry zero MAC addresses, and the UDP\n"
		 "checksum is left to \"offload\" (the kernel never computes it on lo),\n"
		 "which sniff marks instead of calling bad.");
	const char *const listen[] = { "udp", "listen", "127.0.0.1:0", "-c", "1", "-w", "5s", NULL };
	int listen_err;
	char dest[32];
	pid_t listener = tour_serve(listen, &listen_err, dest, sizeof dest);
	if (listener < 0)
		return 1;
	char filter[64];
	snprintf(filter, sizeof filter, "udp dst port %s", strrchr(dest, ':') + 1);
	const char *const sniff[] = { "sniff", "-i", "lo", "-c", "1", "--layers", "--timeout",
				      "5s", filter, NULL };
	int errfd = -1, status = 1;
	pid_t pid = tour_spawn(sniff, &errfd);
	if (pid > 0 && sniff_ready(errfd)) {
		const char *const send[] = { "udp", "send", dest, "hello, layers", NULL };
		status = tour_run(send) == 0 ? 0 : 1;
	}
	if (errfd >= 0)
		sniff_finish(pid, errfd);
	else
		tour_stop(pid);
	tour_wait(listener, 3000);
	close(listen_err);
	return status;
}

/* As root: a namespace behind a veth pair (198.18.255.0/30), an ARP
 * request from this side with sockit arp, captured by sockit sniff.  The
 * namespace is made with ip(8) commands the tour prints as it runs them. */
static int live_arp(void)
{
	char ns[32], host[16], peer[16];
	snprintf(ns, sizeof ns, "sktour%d", (int)getpid() % 100000);
	snprintf(host, sizeof host, "sktr%dh", (int)getpid() % 100000);
	snprintf(peer, sizeof peer, "sktr%dn", (int)getpid() % 100000);
	tour_say("\nAs root the tour also asks a real kernel: it makes a network\n"
		 "namespace behind a virtual Ethernet pair, 198.18.255.1 on this side and\n"
		 "198.18.255.2 on the other, captures ARP on this side, and asks.\n"
		 "sockit pads its request to 60 bytes as a network card would; the\n"
		 "other kernel's reply stays 42 bytes, because a virtual link has no\n"
		 "card to pad it: the 18 bytes exist only on real wires.");
	int status = 1;
	const char *const mk[][12] = {
		{ "netns", "add", ns, NULL },
		{ "link", "add", host, "type", "veth", "peer", "name", peer, "netns", ns, NULL },
		{ "addr", "add", "198.18.255.1/30", "dev", host, NULL },
		{ "link", "set", host, "up", NULL },
		{ "-n", ns, "addr", "add", "198.18.255.2/30", "dev", peer, NULL },
		{ "-n", ns, "link", "set", peer, "up", NULL },
	};
	for (size_t i = 0; i < sizeof mk / sizeof mk[0]; i++)
		if (tour_run_ip(mk[i]))
			goto out;
	const char *const sniff[] = { "sniff", "-i", host, "-c", "2", "-e", "--timeout", "5s",
				      "arp", NULL };
	int errfd = -1;
	pid_t pid = tour_spawn(sniff, &errfd);
	if (pid > 0 && sniff_ready(errfd)) {
		const char *const arp[] = { "arp", "198.18.255.2", "-i", host, "-c", "1",
					    "--wait", "300ms", NULL };
		status = tour_run(arp) == 0 ? 0 : 1;
	}
	if (errfd >= 0)
		sniff_finish(pid, errfd);
	else
		tour_stop(pid);
out:;
	/* Deleting the namespace deletes its end of the pair, and with it ours. */
	const char *const del_ns[] = { "netns", "del", ns, NULL };
	if (tour_run_ip(del_ns))
		status = 1;
	return status;
}

int tour_ethernet_arp(void)
{
	tour_say("On a LAN, IP packets travel inside Ethernet frames: destination MAC,\n"
		 "source MAC and an EtherType (0x0800 IPv4, 0x0806 ARP, 0x86dd IPv6),\n"
		 "then the payload, at least 46 bytes of it.  Before a host can send to\n"
		 "an IP address on its link it must learn the MAC that owns it: ARP\n"
		 "broadcasts \"who has 198.18.0.2? tell 198.18.0.1\" and the owner\n"
		 "answers \"198.18.0.2 is at 02:00:00:00:00:02\".  An ARP message is\n"
		 "only 28 bytes, so the frame is padded with 18 zero bytes.\n"
		 "\n"
		 "sockit built both frames with its own ARP builder (the same one\n"
		 "`sockit arp` sends) and wrote them to a pcap file; sniff --layers\n"
		 "shows each layer with the bytes it occupies:");
	char dir[] = "/tmp/sockit-tour-arp-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	tour_scratch_add(dir);
	char path[64];
	snprintf(path, sizeof path, "%s/arp.pcap", dir);
	int status = 1;
	if (write_arp_pcap(path) == 0) {
		const char *const args[] = { "sniff", "-r", path, "--layers", NULL };
		status = tour_run(args) == 0 ? 0 : 1;
		tour_say("\nThe request has no padding because it was captured on the way\n"
			 "out, before the network card padded it; the reply arrived from the\n"
			 "wire, 60 bytes (the 4-byte FCS is stripped by the card).  The same\n"
			 "frame as bytes, each layer's range marked:");
		const char *const hex[] = { "sniff", "-r", path, "--hex", "-t", "arp[7] = 2", NULL };
		if (status == 0)
			status = tour_run(hex) == 0 ? 0 : 1;
	}
	unlink(path);
	rmdir(dir);
	tour_scratch_drop(dir);
	if (status == 0 && geteuid() == 0)
		status = live_udp();
	if (status == 0 && geteuid() == 0)
		status = live_arp();
	else if (status == 0)
		tour_say("\n(Run the tour as root to also capture a live datagram on lo.)");
	return status;
}
