/* The tour's timeouts step: a receive that would wait forever, bounded. */
#include <stdio.h>
#include <unistd.h>

#include "tour.h"

int tour_timeouts(void)
{
	tour_say("A blocking recv() waits for ever if nothing comes, so the lesson\n"
		 "sets a timeout on its sockets (settimeout) and treats running out of\n"
		 "time as an answer of its own.  Every sockit command that waits takes\n"
		 "a limit and says when it ran out, with exit status 1.  A listener\n"
		 "that expects one datagram gives up after half a second of silence:");
	static const char *const udp[] = { "udp", "listen", "127.0.0.1:0", "-c", "1", "-w",
					   "500ms", NULL };
	int failed = tour_run(udp) != 1;

	tour_say("\nA TCP server that reads but never answers (--no-shutdown keeps its\n"
		 "side open), and a client that waits at most one second for a reply:");
	static const char *const srv[] = { "tcp", "listen", "127.0.0.1:0", "--no-shutdown",
					   NULL };
	int err_fd;
	char target[32];
	pid_t pid = tour_serve(srv, &err_fd, target, sizeof target);
	if (pid < 0)
		return 1;
	const char *const cli[] = { "tcp", "connect", target, "--send", "are you there?\\n",
				    "--no-shutdown", "--wait-reply", "1s", NULL };
	failed += tour_run(cli) != 1;
	/* The client has gone, so the one-client server ends by itself. */
	tour_wait(pid, 2000);
	close(err_fd);
	if (!failed)
		tour_say("\nBoth ended on time with status 1.  The same limits exist for\n"
			 "connecting (tcp connect -w 2s tries the next address after 2 s) and\n"
			 "for servers (tcp listen --idle-timeout 30s drops a silent client).");
	return failed ? 1 : 0;
}
