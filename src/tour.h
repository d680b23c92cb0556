/* The tour's steps and the helpers they use to run sockit commands. */
#ifndef SOCKIT_TOUR_H
#define SOCKIT_TOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tour_step {
	const char *title;
	const char *lesson; /* the lesson's step this retells */
	/* Runs the step; returns 0 or 1 if a command in it failed. */
	int (*run)(void);
};

/* Steps in lesson order; the table ends with a NULL title. */
extern const struct tour_step tour_steps[];

/* Prints a paragraph of narration. */
void tour_say(const char *text);

/* Prints "$ sockit ARGS..." then runs this sockit with those arguments,
 * its output going to ours.  Returns its exit status. */
int tour_run(const char *const *args);

/* The same for the system's `ip` command (the root-only steps build their
 * network namespace with it, in the open, so the reader can repeat them). */
int tour_run_ip(const char *const *args);

/* Starts this sockit in the background and prints "$ sockit ARGS... &".
 * Its stdin is /dev/null: a listener must not take the terminal as its
 * console.  With stderr_fd, its stderr comes back as a pipe, for
 * tour_listening.  Returns the pid or -1. */
pid_t tour_spawn(const char *const *args, int *stderr_fd);

/* Reads one line from fd into buf without its '\n', waiting at most ms for
 * each byte.  Returns its length, or -1 on a timeout or an end of file
 * before any byte. */
int tour_read_line(int fd, char *buf, size_t cap, int ms);

/* Reads a listener's stderr until its "listening on ADDR:PORT" line (other
 * lines, such as a TLS fingerprint, are skipped), copies ADDR:PORT into
 * addr when addr is not NULL, and returns the port; 0 if no such line came
 * within 5 seconds a line. */
unsigned tour_listening(int fd, char *addr, size_t cap);

/* tour_spawn for a server on 127.0.0.1:0 that says where it listens:
 * writes "127.0.0.1:PORT" into target and returns the pid, its stderr in
 * *stderr_fd.  If it does not start, it is stopped, nothing stays open and
 * -1 is returned. */
pid_t tour_serve(const char *const *args, int *stderr_fd, char *target, size_t cap);

/* Waits up to ms for a process started by tour_spawn to end by itself,
 * then stops it; either way it is reaped. */
void tour_wait(pid_t pid, int ms);

/* Stops a process started by tour_spawn and reaps it. */
void tour_stop(pid_t pid);

/* A step's scratch directory (from mkdtemp): removed with its contents if
 * a signal stops the tour before the step drops it (after removing it
 * itself).  At most four at a time. */
void tour_scratch_add(const char *dir);
void tour_scratch_drop(const char *dir);

/* Steps that live in their own files (src/tour_MODULE.c). */
int tour_ethernet_arp(void);
int tour_xfer(void);
int tour_http_get(void);
int tour_udp_send_listen(void);
int tour_udp_chat(void);
int tour_tcp_client(void);
int tour_tcp_server(void);
int tour_timeouts(void);
int tour_scan(void);

#endif
