/* sockit tour: the lesson, run on loopback and narrated. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "tour.h"

static const char usage[] =
	"usage: sockit tour [--list | --step N] [--pause]\n"
	"\n"
	"Runs the network-programming lesson that sockit grew from, step by step\n"
	"on loopback: each step says what it shows, prints the sockit command that\n"
	"does it and runs it.  Listeners it starts are its own, on port 0, and are\n"
	"stopped before it ends.\n"
	"\n"
	"  --list        list the steps\n"
	"  --step N      run step N only\n"
	"  --pause       wait for Enter between steps (when stdin is a terminal)\n"
	"  -h, --help    this help\n"
	"\n"
	"examples:\n"
	"  sockit tour\n"
	"  sockit tour --list\n"
	"  sockit tour --step 2\n"
	"\n"
	"exit status: 0 every step ran, 1 a step failed, 2 usage error.\n";

void tour_say(const char *text)
{
	printf("%s\n", text);
	fflush(stdout);
}

/* prog is NULL for this sockit, else another program (ip) looked up in PATH. */
static void print_command(const char *prog, const char *const *args, bool background)
{
	printf("\n$ %s", prog ? prog : "sockit");
	for (const char *const *a = args; *a; a++)
		printf(strpbrk(*a, " \t'\"\\$") ? " '%s'" : " %s", *a);
	printf("%s\n", background ? " &" : "");
	fflush(stdout);
}

static pid_t start(const char *prog, const char *const *args, bool background, int *stderr_fd)
{
	int fds[2] = { -1, -1 };
	if (stderr_fd && pipe(fds) != 0)
		return -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* A tour stopped by a signal must not leave its listeners
		 * behind: each child ends with it ("leaves nothing running"). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		if (background) {
			int null = open("/dev/null", O_RDONLY);
			if (null >= 0 && null != STDIN_FILENO) {
				dup2(null, STDIN_FILENO);
				close(null);
			}
		}
		if (stderr_fd) {
			dup2(fds[1], STDERR_FILENO);
			close(fds[0]);
			close(fds[1]);
		}
		size_t n = 0;
		while (args[n])
			n++;
		char **argv = calloc(n + 2, sizeof *argv);
		if (!argv)
			_exit(127);
		argv[0] = (char *)(prog ? prog : "sockit");
		for (size_t i = 0; i < n; i++)
			argv[i + 1] = (char *)args[i];
		if (prog)
			execvp(prog, argv);
		else
			execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (stderr_fd) {
		close(fds[1]);
		if (pid < 0)
			close(fds[0]);
		else
			*stderr_fd = fds[0];
	}
	return pid;
}

static int run(const char *prog, const char *const *args)
{
	print_command(prog, args, false);
	pid_t pid = start(prog, args, false, NULL);
	if (pid < 0)
		return -1;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int tour_run(const char *const *args)
{
	return run(NULL, args);
}

int tour_run_ip(const char *const *args)
{
	return run("ip", args);
}

pid_t tour_spawn(const char *const *args, int *stderr_fd)
{
	print_command(NULL, args, true);
	return start(NULL, args, true, stderr_fd);
}

int tour_read_line(int fd, char *buf, size_t cap, int ms)
{
	size_t n = 0;
	bool any = false;
	while (n + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, ms) <= 0)
			return -1;
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		any = true;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = 0;
	return any ? (int)n : -1;
}

unsigned tour_listening(int fd, char *addr, size_t cap)
{
	char line[512];
	while (tour_read_line(fd, line, sizeof line, 5000) >= 0) {
		const char *at = strstr(line, "listening on ");
		if (!at)
			continue;
		at += strlen("listening on ");
		const char *colon = strrchr(at, ':');
		unsigned port = 0;
		if (!colon || sscanf(colon + 1, "%u", &port) != 1 || port > 65535)
			return 0;
		if (addr && snprintf(addr, cap, "%s", at) >= (int)cap)
			return 0;
		return port;
	}
	return 0;
}

void tour_wait(pid_t pid, int ms)
{
	for (int waited = 0; waited < ms; waited += 20) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return;
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	tour_stop(pid);
}

pid_t tour_serve(const char *const *args, int *stderr_fd, char *target, size_t cap)
{
	*stderr_fd = -1;
	pid_t pid = tour_spawn(args, stderr_fd);
	unsigned port = pid > 0 ? tour_listening(*stderr_fd, NULL, 0) : 0;
	if (!port) {
		tour_stop(pid);
		if (*stderr_fd >= 0)
			close(*stderr_fd);
		*stderr_fd = -1;
		return -1;
	}
	snprintf(target, cap, "127.0.0.1:%u", port);
	return pid;
}

void tour_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int step_count(void)
{
	int n = 0;
	while (tour_steps[n].title)
		n++;
	return n;
}

static int run_step(int i)
{
	printf("\n== Step %d of %d: %s ==\n   (lesson: %s)\n\n", i + 1,
	       step_count(), tour_steps[i].title, tour_steps[i].lesson);
	fflush(stdout);
	return tour_steps[i].run();
}

/* The scratch directories of the step running.  Static because the signal
 * handler that removes them when a signal stops the tour can reach nothing
 * else. */
#define MAX_SCRATCH 4
static char scratch[MAX_SCRATCH][PATH_MAX];
static volatile sig_atomic_t nscratch;

void tour_scratch_add(const char *dir)
{
	if (nscratch < MAX_SCRATCH && strlen(dir) < PATH_MAX) {
		snprintf(scratch[nscratch], PATH_MAX, "%s", dir);
		nscratch++;
	}
}

void tour_scratch_drop(const char *dir)
{
	for (int i = 0; i < nscratch; i++)
		if (!strcmp(scratch[i], dir)) {
			nscratch--;
			if (i != nscratch)
				memcpy(scratch[i], scratch[nscratch], PATH_MAX);
			return;
		}
}

/* SIGINT, SIGTERM, SIGHUP: the children end with the tour (PDEATHSIG); its
 * scratch directories go too, with rm -rf (fork and execve are safe in a
 * signal handler, a directory walk is not), then the signal does what it
 * would have done. */
static void on_stop(int sig)
{
	for (int i = 0; i < nscratch; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char *args[] = { "rm", "-rf", "--", scratch[i], NULL };
			char *env[] = { NULL };
			execve("/bin/rm", args, env);
			_exit(127);
		}
		if (pid > 0)
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int cmd_tour(int argc, char **argv)
{
	bool list = false, pause = false;
	int only = 0;
	const struct cli_opt table[] = {
		CLI_FLAG(0, "list", &list),
		CLI_NUM(0, "step", &only, 1, (uint64_t)step_count()),
		CLI_FLAG(0, "pause", &pause),
	};
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 0, 0, NULL);
	if (list) {
		int width = 0;
		for (int i = 0; i < step_count(); i++)
			if ((int)strlen(tour_steps[i].title) > width)
				width = (int)strlen(tour_steps[i].title);
		for (int i = 0; i < step_count(); i++)
			printf("%2d  %-*s  lesson: %s\n", i + 1, width, tour_steps[i].title,
			       tour_steps[i].lesson);
		return EXIT_OK;
	}
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (only)
		return run_step(only - 1) ? EXIT_FAIL : EXIT_OK;
	pause = pause && isatty(STDIN_FILENO);
	int failed = 0;
	for (int i = 0; i < step_count(); i++) {
		if (run_step(i)) {
			failed++;
			cli_warn("step %d (%s) failed", i + 1, tour_steps[i].title);
		}
		if (pause && tour_steps[i + 1].title) {
			printf("\n[Enter for the next step]");
			fflush(stdout);
			int ch;
			while ((ch = getchar()) != '\n' && ch != EOF)
				;
		}
	}
	printf("\nThe tour ran %d steps%s.\n", step_count(),
	       failed ? " with failures" : "");
	return failed ? EXIT_FAIL : EXIT_OK;
}
