/* The tour's UDP steps: send to a listener on a fixed port, then the
 * two-way exchange of the lesson's "network assistant". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tour.h"

int tour_udp_send_listen(void)
{
	tour_say("UDP sends datagrams: no connection, each message stands alone and\n"
		 "arrives whole or not at all.  The lesson binds a receiver to port 5400\n"
		 "and prints each message with the address it came from (recvfrom); the\n"
		 "sender needs only the destination (sendto).  Here the listener binds\n"
		 "port 0, so the kernel picks a free port that stands in for 5400, and\n"
		 "it leaves after two datagrams (-c 2).");
	const char *const listen[] = { "udp", "listen", "127.0.0.1:0", "-c", "2", "-v",
				       "-w", "5s", NULL };
	int err_fd;
	char dest[32];
	pid_t pid = tour_serve(listen, &err_fd, dest, sizeof dest);
	if (pid < 0)
		return 1;
	const char *const text[] = { "udp", "send", dest, "hello, port 5400\\n", NULL };
	const char *const hex[] = { "udp", "send", dest, "--hex-input", "de ad be ef 00", NULL };
	int rc = tour_run(text) == 0 && tour_run(hex) == 0 ? 0 : 1;
	/* Let the listener print both and leave on its own (-c 2). */
	tour_wait(pid, 3000);
	close(err_fd);
	if (rc == 0)
		tour_say("\nThe lesson's recvfrom(1024) would cut a longer datagram\n"
			 "silently; sockit reads up to 65,536 bytes and, with a smaller\n"
			 "--max-size, reports the true size of anything it had to cut.\n"
			 "Bytes that are not printable are shown escaped (\\xde), never raw.");
	return rc;
}

int tour_udp_chat(void)
{
	tour_say("The lesson's \"network assistant\" sends and receives at the same\n"
		 "time: one side answers, the other asks.  'udp chat' is that tool: it\n"
		 "reads lines to send and shows what arrives, each sender with a short\n"
		 "id ([1 127.0.0.1:40112]).  Here it answers by itself (--reply, with\n"
		 "the macros {{counter}} and {{peer}}), and -v shows both directions\n"
		 "with microsecond timestamps.  'udp send --wait-reply' asks three times\n"
		 "and prints each answer with its sender.");
	const char *const chat[] = { "udp", "chat", "--local", "127.0.0.1:0", "-v", "--reply",
				     "pong {{counter}} for {{peer}}\\n", "-w", "5s", NULL };
	int err_fd;
	char dest[32];
	pid_t pid = tour_serve(chat, &err_fd, dest, sizeof dest);
	if (pid < 0)
		return 1;
	const char *const ask[] = { "udp", "send", dest, "ping", "--repeat", "3", "--interval",
				    "100ms", "--wait-reply", "2s", NULL };
	int rc = tour_run(ask) == 0 ? 0 : 1;
	tour_stop(pid);
	close(err_fd);
	if (rc == 0)
		tour_say("\nAt a terminal, 'sockit udp chat --local :5400' is interactive:\n"
			 "type to send, /peers lists who sent what, /to ID picks the target,\n"
			 "/hex on switches to hex, /quit leaves.  'sockit ui' is the same\n"
			 "assistant full screen (receive pane, hex, checksums, repeat timer).");
	return rc;
}
