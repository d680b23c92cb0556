/* Interfaces and AF_PACKET sockets, for sending and receiving whole
 * Ethernet frames (arp, neighbour discovery). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockit/capture.h"
#include "sockit/error.h"

static unsigned mask_bits(const uint8_t *m, size_t n)
{
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++)
		for (int b = 7; b >= 0; b--)
			bits += (m[i] >> b) & 1;
	return bits;
}

int sk_link_info(const char *ifname, struct sk_link_info *out, char *err)
{
	memset(out, 0, sizeof *out);
	out->ifindex = (int)if_nametoindex(ifname);
	if (!out->ifindex)
		return sk_err_set(err, -ENODEV, "%s: no such interface", ifname);
	struct ifaddrs *all;
	if (getifaddrs(&all) != 0)
		return sk_err_set(err, -errno, "%s: %s", ifname, strerror(errno));
	for (struct ifaddrs *a = all; a; a = a->ifa_next) {
		if (strcmp(a->ifa_name, ifname) || !a->ifa_addr)
			continue;
		out->up = a->ifa_flags & IFF_UP;
		out->loopback = a->ifa_flags & IFF_LOOPBACK;
		int fam = a->ifa_addr->sa_family;
		if (fam == AF_PACKET) {
			const struct sockaddr_ll *ll = (const void *)a->ifa_addr;
			if (ll->sll_halen == 6) {
				memcpy(out->mac, ll->sll_addr, 6);
				out->has_mac = ll->sll_hatype == 1; /* ARPHRD_ETHER */
			}
		} else if (fam == AF_INET && !out->has_ipv4) {
			const struct sockaddr_in *in = (const void *)a->ifa_addr;
			memcpy(out->ipv4, &in->sin_addr, 4);
			out->has_ipv4 = true;
			if (a->ifa_netmask) {
				const struct sockaddr_in *m = (const void *)a->ifa_netmask;
				out->prefix = mask_bits((const uint8_t *)&m->sin_addr, 4);
			}
		} else if (fam == AF_INET6 && !out->has_ipv6_ll) {
			const struct sockaddr_in6 *in6 = (const void *)a->ifa_addr;
			const uint8_t *b = in6->sin6_addr.s6_addr;
			if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) {
				memcpy(out->ipv6_ll, b, 16);
				out->has_ipv6_ll = true;
			}
		}
	}
	freeifaddrs(all);
	return 0;
}

int sk_link_for_ipv4(const uint8_t addr[4], char *name, size_t cap, char *err)
{
	struct ifaddrs *all;
	if (getifaddrs(&all) != 0)
		return sk_err_set(err, -errno, "interfaces: %s", strerror(errno));
	int rc = SK_ENOIFACE;
	uint32_t want;
	memcpy(&want, addr, 4);
	for (struct ifaddrs *a = all; a; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || !a->ifa_netmask ||
		    (a->ifa_flags & IFF_LOOPBACK) || !(a->ifa_flags & IFF_UP))
			continue;
		uint32_t ip = ((const struct sockaddr_in *)(const void *)a->ifa_addr)->sin_addr.s_addr;
		uint32_t m = ((const struct sockaddr_in *)(const void *)a->ifa_netmask)->sin_addr.s_addr;
		if ((ip & m) == (want & m)) {
			snprintf(name, cap, "%s", a->ifa_name);
			rc = 0;
			break;
		}
	}
	freeifaddrs(all);
	if (rc) {
		char t[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, addr, t, sizeof t);
		sk_err_set(err, rc, "%s is on no local network", t);
	}
	return rc;
}

int sk_packet_socket(int ifindex, uint16_t ethertype, char *err)
{
	/* Protocol 0 at first: the socket takes no frames until bind names
	 * the protocol and the link.  Opened with the protocol, it would hook
	 * every interface and bind would unhook it again, which waits for an
	 * RCU grace period (11 ms measured here, a third of a small sweep). */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EPERM || errno == EACCES)
			return sk_err_set(err, SK_ENOPERM, "raw socket");
		return sk_err_set(err, -errno, "raw socket: %s", strerror(errno));
	}
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_protocol = htons(ethertype),
				  .sll_ifindex = ifindex };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int e = errno;
		close(fd);
		return sk_err_set(err, -e, "bind to interface %d: %s", ifindex, strerror(e));
	}
	return fd;
}

int sk_packet_send(int fd, int ifindex, const uint8_t *frame, size_t len)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
				  .sll_halen = 6 };
	memcpy(sa.sll_addr, frame, 6);
	ssize_t n = sendto(fd, frame, len, 0, (struct sockaddr *)&sa, sizeof sa);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}
