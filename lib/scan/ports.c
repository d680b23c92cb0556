/* Port sets: nmap's -p syntax, and top-N lists by nmap's frequency data. */
#include "sockit/array.h"
#include "sockit/scan.h"
#include "sockit/endpoint.h"
#include "core/say.h"
#include "sockit/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nmap's 100 most frequent ports (nmap-services frequencies), used when
 * the services file is not installed. */
static const uint16_t top_tcp[] = {
	80, 23, 443, 21, 22, 25, 3389, 110, 445, 139, 143, 53, 135, 3306, 8080,
	1723, 111, 995, 993, 5900, 1025, 587, 8888, 199, 1720, 465, 548, 113,
	81, 6001, 10000, 514, 5060, 179, 1026, 2000, 8443, 8000, 32768, 554, 26,
	1433, 49152, 2001, 515, 8008, 49154, 1027, 5666, 646, 5000, 5631, 631,
	49153, 8081, 2049, 88, 79, 5800, 106, 2121, 1110, 49155, 6000, 513, 990,
	5357, 427, 49156, 543, 544, 5101, 144, 7, 389, 8009, 3128, 444, 9999,
	5009, 7070, 5190, 3000, 5432, 3986, 1900, 13, 1029, 9, 6646, 5051,
	49157, 1028, 873, 1755, 2717, 4899, 9100, 119, 37,
};

static const uint16_t top_udp[] = {
	631, 161, 137, 123, 138, 1434, 445, 135, 67, 53, 139, 500, 68, 520,
	1900, 4500, 514, 49152, 162, 69, 5353, 111, 49154, 1701, 998, 996, 997,
	999, 3283, 49153, 1812, 136, 2222, 2049, 32768, 5060, 1025, 1433, 3456,
	80, 20031, 1026, 7, 1646, 1645, 593, 518, 2048, 626, 1027, 177, 1719,
	427, 497, 4444, 1023, 65024, 19, 9, 49193, 1029, 49, 88, 1028, 17185,
	1718, 49186, 2000, 31337, 49201, 49192, 515, 2223, 443, 49181, 1813,
	120, 158, 49200, 3703, 32815, 17, 5000, 32771, 33281, 1030, 623, 1022,
	32769, 5632, 10000, 49194, 49191, 49182, 49156, 9200, 30718, 49211,
	49190, 49188,
};

static void set_bit(struct sk_ports *p, enum sk_scan_proto proto, unsigned port)
{
	p->bits[proto][port >> 3] |= (uint8_t)(1u << (port & 7));
}

static int one_port(const char *text, size_t n, enum sk_scan_proto proto,
		    unsigned dflt, unsigned *out, char *err)
{
	char buf[64];
	if (n == 0) {
		*out = dflt;
		return 0;
	}
	if (n >= sizeof buf)
		return sk_err_set(err, SK_EBADPORTS, "port '%.32s...': too long", text);
	memcpy(buf, text, n);
	buf[n] = 0;
	uint16_t port;
	char e[SK_ERRLEN];
	if (buf[0] >= '0' && buf[0] <= '9' && strspn(buf, "0123456789") != n)
		return sk_err_set(err, SK_EBADPORTS, "'%s': not a port 1-65535", buf);
	int rc = sk_port_parse(buf, proto == SK_SCAN_UDP ? "udp" : "tcp", &port, e);
	if (rc == SK_ENOSERVICE)
		return sk_err_set(err, rc, "'%s': no such service in /etc/services", buf);
	if (rc)
		return sk_err_set(err, SK_EBADPORTS, "'%s': not a port 1-65535", buf);
	if (port == 0)
		return sk_err_set(err, SK_EBADPORTS, "port 0 cannot be scanned");
	*out = port;
	return 0;
}

int sk_ports_parse(struct sk_ports *p, const char *spec,
		   enum sk_scan_proto default_proto, char *err)
{
	enum sk_scan_proto proto = default_proto;
	const char *s = spec;
	if (!*s)
		return sk_err_set(err, SK_EBADPORTS, "empty port list");
	for (;;) {
		size_t whole = strcspn(s, ","), n = whole;
		const char *item = s;
		if ((n >= 2 && item[1] == ':') &&
		    (item[0] == 'T' || item[0] == 't' || item[0] == 'U' || item[0] == 'u')) {
			proto = (item[0] == 'T' || item[0] == 't') ? SK_SCAN_TCP : SK_SCAN_UDP;
			item += 2;
			n -= 2;
		}
		if (n == 0)
			return sk_err_set(err, SK_EBADPORTS, "'%.64s': empty item", spec);
		/* A range is split at the first '-' that is not part of a
		 * service name: names never start with '-', and "a-b" with a
		 * name on either side would be ambiguous, so ranges take
		 * numbers or names without dashes. */
		const char *dash = memchr(item, '-', n);
		unsigned lo, hi;
		int rc;
		/* Service names may hold a dash ("netbios-ns"): a whole item
		 * starting with a letter is tried as one name first. */
		bool letter = (item[0] >= 'a' && item[0] <= 'z') ||
			      (item[0] >= 'A' && item[0] <= 'Z');
		if (dash && letter && one_port(item, n, proto, 0, &lo, NULL) == 0) {
			hi = lo;
		} else if (dash) {
			size_t ln = (size_t)(dash - item), rn = n - ln - 1;
			if ((rc = one_port(item, ln, proto, 1, &lo, err)) ||
			    (rc = one_port(dash + 1, rn, proto, 65535, &hi, err)))
				return rc;
			if (hi < lo)
				return sk_err_set(err, SK_EBADPORTS,
						  "'%.*s': range end below its start", (int)n,
						  item);
		} else {
			if ((rc = one_port(item, n, proto, 0, &lo, err)))
				return rc;
			hi = lo;
		}
		for (unsigned port = lo; port <= hi; port++)
			set_bit(p, proto, port);
		if (!s[whole])
			break;
		s += whole + 1;
		if (!*s)
			return sk_err_set(err, SK_EBADPORTS, "'%.64s': trailing comma", spec);
	}
	return 0;
}

struct freq {
	double f;
	uint16_t port;
};

static int cmp_freq(const void *pa, const void *pb)
{
	const struct freq *a = pa, *b = pb;
	if (a->f != b->f)
		return a->f < b->f ? 1 : -1;
	return (a->port > b->port) - (a->port < b->port);
}

/* Reads "name<TAB>port/proto<TAB>frequency" lines of nmap-services. */
static int read_freqs(const char *path, enum sk_scan_proto proto, struct freq **out,
		      size_t *count)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	size_t n = 0, cap = 0;
	struct freq *v = NULL;
	char line[512];
	const char *want = proto == SK_SCAN_UDP ? "udp" : "tcp";
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		char *end;
		unsigned long port = strtoul(tab + 1, &end, 10);
		if (*end != '/' || port == 0 || port > 65535 || strncmp(end + 1, want, 3) ||
		    end[4] != '\t')
			continue;
		double fr = strtod(end + 5, NULL);
		if (sk_array_grow(&v, &cap, n + 1, sizeof *v)) {
			free(v);
			fclose(f);
			return -ENOMEM;
		}
		v[n++] = (struct freq){ fr, (uint16_t)port };
	}
	fclose(f);
	qsort(v, n, sizeof *v, cmp_freq);
	*out = v;
	*count = n;
	return 0;
}

int sk_ports_top(struct sk_ports *p, enum sk_scan_proto proto, unsigned n,
		 const char *services_path)
{
	struct freq *v = NULL;
	size_t count = 0;
	if (read_freqs(services_path ? services_path : "/usr/share/nmap/nmap-services",
		       proto, &v, &count) == 0 && count > 0) {
		unsigned added = 0;
		for (size_t i = 0; i < count && added < n; i++, added++)
			set_bit(p, proto, v[i].port);
		free(v);
		return (int)added;
	}
	free(v);
	const uint16_t *list = proto == SK_SCAN_UDP ? top_udp : top_tcp;
	size_t len = proto == SK_SCAN_UDP ? sizeof top_udp / sizeof *top_udp
					   : sizeof top_tcp / sizeof *top_tcp;
	unsigned added = 0;
	for (size_t i = 0; i < len && added < n; i++, added++)
		set_bit(p, proto, list[i]);
	return (int)added;
}

int sk_ports_finish(struct sk_ports *p, char *err)
{
	uint32_t n = 0;
	for (unsigned proto = 0; proto < 2; proto++)
		for (unsigned i = 0; i < 8192; i++)
			n += (uint32_t)__builtin_popcount(p->bits[proto][i]);
	if (n == 0)
		return sk_err_set(err, SK_ENOPORTS, "port list");
	free(p->list);
	p->list = malloc(n * sizeof *p->list);
	if (!p->list)
		return sk_err_set(err, -ENOMEM, "port list");
	uint32_t k = 0;
	for (unsigned proto = 0; proto < 2; proto++)
		for (unsigned port = 1; port < 65536; port++)
			if (p->bits[proto][port >> 3] & (1u << (port & 7)))
				p->list[k++] = proto << 16 | port;
	p->count = k;
	return 0;
}

void sk_ports_free(struct sk_ports *p)
{
	free(p->list);
	p->list = NULL;
	p->count = 0;
}

/* Parses or picks into all, then hands each scanned protocol its half. */
static int pick(const char *spec, unsigned top, struct sk_ports *all, bool want[2], char *err)
{
	static const unsigned top_default[2] = { 1000, 100 };
	for (unsigned proto = 0; proto < 2; proto++) {
		if (!want[proto])
			continue;
		int rc = spec ? sk_ports_parse(all, spec, proto, err)
			      : sk_ports_top(all, proto, top ? top : top_default[proto], NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sk_ports_for_scan(const char *spec, unsigned top, struct sk_ports *tcp,
		      struct sk_ports *udp, int *unscanned, char *err)
{
	struct sk_ports *sets[2] = { tcp, udp };
	bool want[2] = { tcp != NULL, udp != NULL };
	struct sk_ports *all = calloc(1, sizeof *all);
	if (!all)
		return sk_err_set(err, -ENOMEM, "port list");
	int rc = pick(spec, top, all, want, err);
	for (unsigned proto = 0; proto < 2 && !rc; proto++) {
		bool any = false;
		for (unsigned i = 0; i < 8192 && !any; i++)
			any = all->bits[proto][i] != 0;
		if (any && !want[proto]) {
			*unscanned = (int)proto;
			rc = sk__err_say(err, SK_EBADPORTS, "%s: %s ports in a scan without %s", spec,
					 proto ? "UDP" : "TCP", proto ? "UDP" : "TCP");
		}
	}
	for (unsigned proto = 0; proto < 2 && !rc; proto++)
		if (want[proto]) {
			memcpy(sets[proto]->bits[proto], all->bits[proto], sizeof all->bits[proto]);
			rc = sk_ports_finish(sets[proto], err);
		}
	free(all);
	return rc;
}
