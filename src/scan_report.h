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

/* The progress bar on stderr ("[=====     ] 1200/65535 9000/s ETA 7s"),
 * drawn over itself; on is false when stderr is no terminal or -q. */
struct scan_bar {
	bool on, shown;
};

void scan_bar_init(struct scan_bar *b, bool on);
void scan_bar_draw(struct scan_bar *b, const struct sk_scan_progress *p);
/* Erases the bar's line, if one was drawn. */
void scan_bar_clear(struct scan_bar *b);

#endif
