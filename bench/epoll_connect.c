/* The kernel's limit for a connect scan of every port of 127.0.0.1: a bare
 * loop of non-blocking connects on epoll, nothing else (no randomised
 * order, no retries, no output but a count; a refusal already there after
 * connect() is read at once, and the refused socket is reused after a
 * connect(AF_UNSPEC), the two kernel-side savings sockit makes too).  Bench code, not part of
 * sockit: bench/scan.sh compiles and times it with 1 and 2 threads.
 * usage: epoll_connect THREADS  -> prints the number of open ports */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define WINDOW 4096

struct job {
	unsigned first, step;
	unsigned open;
};

static void done_fd(int fd, int ep, unsigned *open)
{
	int e = 0;
	socklen_t l = sizeof e;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l);
	if (e == 0) {
		struct sockaddr_in a, b;
		socklen_t la = sizeof a, lb = sizeof b;
		/* A connection to itself is no open port. */
		if (getsockname(fd, (struct sockaddr *)&a, &la) == 0 &&
		    getpeername(fd, (struct sockaddr *)&b, &lb) == 0 &&
		    !(a.sin_port == b.sin_port))
			(*open)++;
		struct linger lg = { 1, 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	if (ep >= 0)
		epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

static void *run(void *arg)
{
	struct job *j = arg;
	int ep = epoll_create1(0);
	struct epoll_event evs[256];
	unsigned inflight = 0, port = j->first;
	int spare = -1;
	while (port <= 65535 || inflight) {
		while (port <= 65535 && inflight < WINDOW) {
			int fd = spare >= 0 ? spare : socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			spare = -1;
			if (fd < 0)
				break;
			struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
						  .sin_addr.s_addr = htonl(0x7f000001) };
			port += j->step;
			if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 || errno != EINPROGRESS) {
				done_fd(fd, -1, &j->open);
				continue;
			}
			/* On loopback a closed port's reset is already here. */
			int e = 0;
			socklen_t l = sizeof e;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e) {
				/* Refused: connect(AF_UNSPEC) makes the socket
				 * ready for the next port. */
				struct sockaddr un = { .sa_family = AF_UNSPEC };
				if (connect(fd, &un, sizeof un) == 0)
					spare = fd;
				else
					close(fd);
				continue;
			}
			struct epoll_event ev = { .events = EPOLLOUT, .data.fd = fd };
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			inflight++;
		}
		int n = epoll_wait(ep, evs, 256, 1000);
		for (int i = 0; i < n; i++) {
			done_fd(evs[i].data.fd, ep, &j->open);
			inflight--;
		}
		if (n == 0 && port > 65535)
			break;
	}
	if (spare >= 0)
		close(spare);
	close(ep);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned nt = argc > 1 && argv[1][0] == '2' ? 2 : 1;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct job jobs[2];
	pthread_t th[2];
	for (unsigned t = 0; t < nt; t++) {
		jobs[t] = (struct job){ 1 + t, nt, 0 };
		pthread_create(&th[t], NULL, run, &jobs[t]);
	}
	unsigned open = 0;
	for (unsigned t = 0; t < nt; t++) {
		pthread_join(th[t], NULL);
		open += jobs[t].open;
	}
	printf("%u\n", open);
	return 0;
}
