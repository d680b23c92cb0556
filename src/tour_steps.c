/* The tour's steps: the lesson retold, one function per step. */
#include <stdio.h>

#include "tour.h"

static int layers(void)
{
	tour_say("Networks are described in layers.  The OSI model has seven; the\n"
		 "TCP/IP model that the Internet runs on folds them into four.  Each\n"
		 "layer only talks to the one above and the one below it.");
	puts("");
	puts("  OSI model (7)          TCP/IP model (4)      examples");
	puts("  ---------------------  --------------------  ------------------------");
	puts("  7 application          |                     HTTP, DNS, SSH, FTP");
	puts("  6 presentation         | application         TLS, UTF-8, compression");
	puts("  5 session              |                     sockets, sessions");
	puts("  4 transport            transport             TCP, UDP (ports)");
	puts("  3 network              internet              IPv4, IPv6, ICMP, ARP");
	puts("  2 data link            |                     Ethernet frames, MAC");
	puts("  1 physical             | network access      cables, radio, bits");
	puts("");
	tour_say("On the way out every layer wraps what it gets from above in its own\n"
		 "header (encapsulation); on the way in every layer peels its header off\n"
		 "and hands the rest up.  Programs only see the application layer: the\n"
		 "operating system does the wrapping and the peeling.");
	puts("");
	puts("  sending                                        receiving");
	puts("  [data]                                         [data]");
	puts("  [TCP hdr|data]                                 [TCP hdr|data]");
	puts("  [IP hdr|TCP hdr|data]                          [IP hdr|TCP hdr|data]");
	puts("  [Eth hdr|IP hdr|TCP hdr|data|FCS]  -- wire --> [Eth hdr|IP hdr|TCP hdr|data|FCS]");
	return 0;
}

static int prefixes(void)
{
	tour_say("An IPv4 address is 32 bits.  A prefix length such as /24 says how\n"
		 "many of the leading bits name the network; the rest name the host\n"
		 "inside it.  The netmask is the same thing written as an address:\n"
		 "24 one-bits, 255.255.255.0.  The lesson's example address has host\n"
		 "bits set, so sockit shows its network part and host part apart:");
	static const char *const args[] = { "cidr", "192.168.36.235/24", NULL };
	return tour_run(args) == 0 ? 0 : 1;
}

static int names(void)
{
	tour_say("Programs connect to names, but sockets need addresses.  The resolver\n"
		 "(getaddrinfo) asks /etc/hosts and DNS and may return several\n"
		 "addresses, IPv4 and IPv6; a careful client tries each in turn.\n"
		 "An empty host means this machine when connecting (the lesson's\n"
		 "connect(('', 8080))) and every interface when listening.");
	static const char *const args[] = { "resolve", "localhost", NULL };
	return tour_run(args) == 0 ? 0 : 1;
}

const struct tour_step tour_steps[] = {
	{ "Layers: OSI and TCP/IP side by side", "layer models, encapsulation", layers },
	{ "Ethernet and ARP: frames and padding", "Ethernet frame, ARP (28 bytes + 18 padding)", tour_ethernet_arp },
	{ "Addresses: network part and host part", "IPv4 header, CIDR, 192.168.36.235/24", prefixes },
	{ "Names: from a host name to addresses", "socket addresses, '' vs 127.0.0.1", names },
	{ "UDP: send to a listener on a fixed port", "UDP sendto/recvfrom, bind to port 5400", tour_udp_send_listen },
	{ "UDP chat: sending and receiving at once", "the two-way UDP network assistant", tour_udp_chat },
	{ "TCP client: connect, send, read the reply", "TCP client: connect, send, recv", tour_tcp_client },
	{ "HTTP GET: a page fetched by hand", "raw HTTP GET over a TCP socket, header/body split", tour_http_get },
	{ "TCP server: one client, then many answering \"I Know\"", "TCP server: accept, a thread per client", tour_tcp_server },
	{ "Timeouts: never wait for ever", "socket timeouts (settimeout)", tour_timeouts },
	{ "Port scanner: every port of 127.0.0.1", "concurrent connect scan checked against nmap", tour_scan },
	{ "File transfer: a framed, verified protocol", "file transfer over a home-made protocol", tour_xfer },
	{ NULL, NULL, NULL },
};
