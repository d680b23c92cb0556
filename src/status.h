/* The status line: one line of counters or progress on stderr, redrawn in
 * place (at most ten times a second) when stderr is a terminal.  While it
 * is on, stderr and a terminal stdout go through it: each line printed
 * erases the status line first and redraws it after, so the two never
 * share a row.  When stderr is not a terminal it is never on and every
 * call here is a no-op (status_write just writes). */
#ifndef SOCKIT_STATUS_H
#define SOCKIT_STATUS_H

#include <stdbool.h>
#include <stddef.h>

/* Turns the status line on if stderr is a terminal; returns whether it is
 * on.  Nothing shows until status_set.  Call it before keeping the stdout
 * pointer anywhere: stdout and stderr become streams of its own (for good:
 * once the line is off they write straight through). */
bool status_begin(void);

/* Whether the status line is on. */
bool status_on(void);

/* The line's new text (cut to the terminal's width).  It is drawn now if
 * the last drawing is 100 ms old or force is set, and otherwise by a later
 * call; never in the middle of a line printed without its newline. */
void status_set(const char *text, bool force);

/* Writes n bytes to fd (1 or 2) around the status line, for output that
 * does not go through stdio.  Returns false on a write error (errno set). */
bool status_write(int fd, const void *p, size_t n);

/* A progress bar as the line's text: prefix, sk_progress_format's bar of
 * p, then suffix; drawn as status_set draws. */
struct sk_progress;
void status_progress(const char *prefix, const struct sk_progress *p,
		     const char *suffix, bool force);

/* Ends the status line: erased, or with keep left on the screen as an
 * ordinary line.  Also done (erasing) at exit; status_begin starts it
 * again. */
void status_end(bool keep);

#endif
