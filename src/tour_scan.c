/* The tour's port-scanner step: the lesson scans every port of 127.0.0.1
 * with a pool of blocking connects and checks the result against nmap.
 * Here three servers started on port 0 are the ports to find. */
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tour.h"

#define SERVERS 3

/* Runs this sockit with a short argument string (digits, commas, dashes
 * and option names: nothing a shell would read specially) and returns
 * how many of want[] its NDJSON output lists as open. */
static int count_found(const char *args, const unsigned *want, int n)
{
	char exe[PATH_MAX], cmd[PATH_MAX + 256];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0 || memchr(exe, '\'', (size_t)len))
		return -1;
	exe[len] = 0;
	snprintf(cmd, sizeof cmd, "'%s' %s", exe, args);
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	bool seen[SERVERS] = { false };
	char line[512];
	while (fgets(line, sizeof line, f)) {
		const char *p = strstr(line, "\"port\":");
		unsigned port = 0;
		if (!p || !strstr(line, "\"state\":\"open\"") || sscanf(p + 7, "%u", &port) != 1)
			continue;
		for (int i = 0; i < n; i++)
			if (want[i] == port)
				seen[i] = true;
	}
	pclose(f);
	int found = 0;
	for (int i = 0; i < n; i++)
		found += seen[i];
	return found;
}

static bool have_nmap(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char dir[PATH_MAX];
	while (*path) {
		size_t k = strcspn(path, ":");
		if (k && k < sizeof dir - 8) {
			snprintf(dir, sizeof dir, "%.*s/nmap", (int)k, path);
			if (access(dir, X_OK) == 0)
				return true;
		}
		path += k + (path[k] == ':');
	}
	return false;
}

int tour_scan(void)
{
	tour_say("A port is open when something listens on it: a connect() to it\n"
		 "succeeds.  The lesson finds the open ports of 127.0.0.1 by trying\n"
		 "all 65,535 of them with a pool of threads doing blocking connects,\n"
		 "and checks the result against nmap.  Three small servers start here\n"
		 "on port 0 (the kernel picks free ports); the scan must find them.");
	pid_t pids[SERVERS];
	int fds[SERVERS];
	unsigned ports[SERVERS] = { 0 };
	int started = 0, rc = 1;
	/* The servers serve an empty directory of their own, under $TMPDIR
	 * as mkdtemp's users expect (else /tmp). */
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/sockit-tour-scan-XXXXXX",
		 tmp && *tmp && strlen(tmp) < sizeof dir - 32 ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	tour_scratch_add(dir);
	for (; started < SERVERS; started++) {
		const char *const serve[] = { "http", "serve", dir, "--bind", "127.0.0.1:0", "-q",
					      NULL };
		fds[started] = -1;
		pids[started] = tour_spawn(serve, &fds[started]);
		if (pids[started] <= 0)
			break;
		ports[started] = tour_listening(fds[started], NULL, 0);
		if (!ports[started]) {
			started++;
			goto out;
		}
	}
	tour_say("\nEvery port, in a random order, many connects at once on epoll; a\n"
		 "closed port answers with a reset at once, so the whole range takes\n"
		 "about a second.  Other servers running on this machine show up too.");
	const char *const scan[] = { "scan", "127.0.0.1", "--connect", "-p-", NULL };
	if (tour_run(scan) > 1)
		goto out;
	char args[160];
	snprintf(args, sizeof args, "scan 127.0.0.1 --connect -p %u,%u,%u --json -q", ports[0],
		 ports[1], ports[2]);
	int found = count_found(args, ports, SERVERS);
	printf("\nthe three servers listen on %u, %u and %u: %d of 3 found%s\n", ports[0],
	       ports[1], ports[2], found < 0 ? 0 : found, found == SERVERS ? " (all)" : "");
	fflush(stdout);
	rc = found == SERVERS ? 0 : 1;
	if (rc == 0 && have_nmap()) {
		tour_say("\nnmap's connect scan (-sT) of the same range, for comparison:");
		char cmd[64];
		snprintf(cmd, sizeof cmd, "nmap -sT -p- -n -Pn -T5 127.0.0.1");
		printf("$ %s\n", cmd);
		fflush(stdout);
		if (system(cmd) != 0)
			rc = 1;
	}
	if (rc == 0)
		tour_say("\nA naive scanner can report closed ports as open: a connect to\n"
			 "127.0.0.1:p that gets the source port p connects to itself (TCP\n"
			 "simultaneous open).  sockit checks that the two ends differ and asks\n"
			 "again.  As root, 'sockit scan --syn' sends raw SYNs instead, and\n"
			 "--shard I/N splits one scan between machines.");
out:
	for (int i = 0; i < started; i++) {
		tour_stop(pids[i]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	rmdir(dir);
	tour_scratch_drop(dir);
	return rc;
}
