/* sockit scan's output: NDJSON streamed as results come, or a per-host
 * table (text, or nmap's grepable form) printed at the end. */
#ifndef SOCKIT_SCAN_REPORT_H
#define SOCKIT_SCAN_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sockit/scan.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_GREPABLE };

struct report;

/* all: report every state in NDJSON (not only open ones); banner: the
 * JSON objects carry a "banner" key. */
struct report *report_new(FILE *out, enum report_format fmt, bool all, bool banner);

/* Takes one result (the engine serialises calls). */
void report_add(struct report *r, const struct sk_scan_result *res);

/* Prints the tables (text, grepable); NDJSON has nothing left to print. */
void report_finish(struct report *r);

uint64_t report_open_count(const struct report *r);
/* The errno of the first write to the output that failed (-1 when it was
 * not known any more), or 0. */
int report_errno(const struct report *r);
uint64_t report_host_count(const struct report *r);
void report_free(struct report *r);

/* The progress bar on the status line (status.h): " 11% [#.........]
 * 7864/65536  1.3 kprobes/s  ETA 0:44  open 2".  Off without a terminal. */
struct scan_bar {
	bool on;
};

/* Starts the bar if want and stderr is a terminal: before anything keeps
 * the stdout pointer (report_new), so that its lines go around the bar. */
void scan_bar_init(struct scan_bar *b, bool want);
/* Redraws, at most ten times a second; open: ports open so far. */
void scan_bar_draw(struct scan_bar *b, const struct sk_scan_progress *p,
		   uint64_t open);
/* Erases the bar, if one was drawn. */
void scan_bar_clear(struct scan_bar *b);

#endif
