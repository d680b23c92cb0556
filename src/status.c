/* The status line (status.h).  stdout and stderr are replaced by stdio
 * cookie streams whose writes pass through status_write: that catches every
 * printf and cli_warn without touching them.  One lock keeps the state
 * whole when a scan's workers print results while its main thread redraws
 * the line.  A FILE pointer taken from stdout before status_begin
 * bypasses it: start the line first. */
#include "status.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "sockit/clock.h"
#include "sockit/progress.h"

static struct {
	bool on;
	bool shown;	 /* the line is on the screen */
	bool stale;	 /* text changed since it was drawn */
	bool out_tty;	 /* stdout is a terminal: the same screen */
	bool partial[3]; /* fd 1 or 2 last wrote a line without its end */
	size_t width;	 /* columns the text may take */
	char text[512];
	uint64_t drawn_ns;
	bool wrapped; /* stdout and stderr are our cookie streams */
} st;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void erase(void)
{
	if (!st.shown)
		return;
	cli_write_all(STDERR_FILENO, "\r\033[K", 4);
	st.shown = false;
}

static void draw(void)
{
	if (!st.text[0] || st.partial[1] || st.partial[2])
		return;
	char line[sizeof st.text + 8];
	int n =
	    snprintf(line, sizeof line, "\r%.*s\033[K", (int)st.width, st.text);
	cli_write_all(STDERR_FILENO, line, (size_t)n);
	st.shown = true;
	st.stale = false;
	st.drawn_ns = sk_clock_ns();
}

bool status_write(int fd, const void *p, size_t n)
{
	pthread_mutex_lock(&lock);
	bool shares = st.on && (fd == STDERR_FILENO ||
				(fd == STDOUT_FILENO && st.out_tty));
	if (shares)
		erase();
	bool ok = cli_write_all(fd, p, n);
	int saved = errno;
	if (shares && n)
		st.partial[fd] = ((const char *)p)[n - 1] != '\n';
	if (shares)
		draw();
	pthread_mutex_unlock(&lock);
	errno = saved;
	return ok;
}

static ssize_t cookie_write(void *fd, const char *p, size_t n)
{
	return status_write((int)(intptr_t)fd, p, n) ? (ssize_t)n : -1;
}

static FILE *wrap(int fd, int mode)
{
	cookie_io_functions_t io = { .write = cookie_write };
	FILE *f = fopencookie((void *)(intptr_t)fd, "w", io);
	if (f)
		setvbuf(f, NULL, mode, BUFSIZ);
	return f;
}

static void at_exit(void)
{
	status_end(false);
}

bool status_begin(void)
{
	if (st.on || !isatty(STDERR_FILENO))
		return st.on;
	struct winsize ws;
	st.width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1
		       ? (size_t)ws.ws_col - 1
		       : 79;
	if (st.width > sizeof st.text - 1)
		st.width = sizeof st.text - 1;
	/* The cookies stay for the rest of the run, passing writes straight
	 * through once the line is off: whoever kept the FILE pointer (a
	 * report writer) can go on using it. */
	if (!st.wrapped) {
		fflush(stdout);
		st.out_tty = isatty(STDOUT_FILENO);
		FILE *err = wrap(STDERR_FILENO, _IONBF);
		FILE *out = st.out_tty ? wrap(STDOUT_FILENO, _IOLBF) : NULL;
		if (!err || (st.out_tty && !out) || atexit(at_exit)) {
			if (err)
				fclose(err);
			if (out)
				fclose(out);
			return false;
		}
		stderr = err;
		if (out)
			stdout = out;
		st.wrapped = true;
	}
	pthread_mutex_lock(&lock);
	st.on = true;
	pthread_mutex_unlock(&lock);
	return true;
}

bool status_on(void)
{
	pthread_mutex_lock(&lock);
	bool on = st.on;
	pthread_mutex_unlock(&lock);
	return on;
}

void status_set(const char *text, bool force)
{
	pthread_mutex_lock(&lock);
	/* The same text as on the screen needs no drawing; text set but not
	 * drawn yet (too soon) does, even when it comes again. */
	if (st.on && (st.stale || !st.shown || strcmp(st.text, text))) {
		snprintf(st.text, sizeof st.text, "%s", text);
		st.stale = true;
		if (force || sk_clock_ns() - st.drawn_ns >= 100000000u)
			draw();
	}
	pthread_mutex_unlock(&lock);
}

void status_progress(const char *prefix, const struct sk_progress *p,
		     const char *suffix, bool force)
{
	char bar[SK_PROGRESSLEN], line[sizeof st.text];
	sk_progress_format(p, bar, sizeof bar);
	snprintf(line, sizeof line, "%s%s%s", prefix, bar, suffix);
	status_set(line, force);
}

void status_end(bool keep)
{
	/* Before the lock: the flush writes through status_write. */
	fflush(stdout);
	pthread_mutex_lock(&lock);
	if (!st.on) {
		pthread_mutex_unlock(&lock);
		return;
	}
	if (keep && st.text[0]) {
		if (!st.shown || st.stale)
			draw();
		if (st.shown)
			cli_write_all(STDERR_FILENO, "\n", 1);
		st.shown = false;
	}
	erase();
	st.on = false;
	st.text[0] = 0;
	pthread_mutex_unlock(&lock);
}
