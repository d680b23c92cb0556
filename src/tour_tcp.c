/* The tour's TCP steps: a client exchange, then the lesson's server for
 * one client and for many at once, answering "I Know". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tour.h"

/* Prints what the server logged so far, indented, without waiting long. */
static void show_log(int fd, int wait_ms)
{
	char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	fflush(stdout);
	while (poll(&p, 1, wait_ms) > 0) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (ssize_t i = 0, start = 0; i < n; i++)
			if (buf[i] == '\n') {
				printf("  (server) %.*s\n", (int)(i - start), buf + start);
				start = i + 1;
			}
		wait_ms = 50;
	}
	fflush(stdout);
}

int tour_tcp_client(void)
{
	tour_say("TCP is a connection: the client connects (the three-way handshake),\n"
		 "then both sides read and write a byte stream, with no message\n"
		 "boundaries, until one side shuts its sending half down.  Here a server\n"
		 "that sends back what it gets listens on a free port, and the client\n"
		 "sends one line, shuts down its sending side (the server sees end of\n"
		 "file) and prints the reply until the server closes.");
	static const char *const srv[] = { "tcp", "listen", "127.0.0.1:0", "--echo", NULL };
	int err_fd;
	char target[32];
	pid_t pid = tour_serve(srv, &err_fd, target, sizeof target);
	if (pid < 0)
		return 1;
	const char *const cli[] = { "tcp", "connect", "-v", target, "--send",
				    "hello over TCP\\n", NULL };
	int rc = tour_run(cli);
	tour_wait(pid, 2000);
	show_log(err_fd, 100);
	close(err_fd);
	return rc == 0 ? 0 : 1;
}

static int ask(const char *target, int n)
{
	pid_t pids[8];
	char text[64];
	int failed = 0;
	for (int i = 0; i < n; i++) {
		snprintf(text, sizeof text, "client %d: do you know?\\n", i + 1);
		const char *const cli[] = { "tcp", "connect", target, "--send", text,
					    "--wait-reply", "2s", NULL };
		pids[i] = tour_spawn(cli, NULL);
	}
	for (int i = 0; i < n; i++) {
		int st;
		if (pids[i] < 0 || waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			failed++;
	}
	return failed;
}

int tour_tcp_server(void)
{
	tour_say("The lesson's server listens, accepts a client and answers \"I Know\"\n"
		 "to whatever it hears.  First one client, like nc -l: the server exits\n"
		 "when that client leaves.");
	static const char *const one[] = { "tcp", "listen", "127.0.0.1:0", "--reply",
					   "I Know\\n", NULL };
	int err_fd;
	char target[32];
	pid_t pid = tour_serve(one, &err_fd, target, sizeof target);
	if (pid < 0)
		return 1;
	const char *const cli[] = { "tcp", "connect", target, "--send",
				    "do you know?\\n", "--wait-reply", "2s", NULL };
	int failed = tour_run(cli) != 0;
	tour_stop(pid);
	show_log(err_fd, 100);
	close(err_fd);

	tour_say("\nThe lesson then gives each client its own thread so that many are\n"
		 "served at once.  sockit serves them all on one thread with an event\n"
		 "loop (epoll): each connection is a small state, not a thread, which is\n"
		 "how one process holds ten thousand clients.  -k keeps the server\n"
		 "running; three clients now connect at the same moment.");
	static const char *const many[] = { "tcp", "listen", "-k", "127.0.0.1:0",
					    "--reply", "I Know\\n", NULL };
	pid = tour_serve(many, &err_fd, target, sizeof target);
	if (pid < 0)
		return 1;
	failed += ask(target, 3);
	show_log(err_fd, 300);
	tour_stop(pid);
	close(err_fd);
	return failed ? 1 : 0;
}
