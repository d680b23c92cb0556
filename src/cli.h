/* What every command shares: the command table, one-line diagnostics with
 * the exit statuses, and option values parsed once with range checks. */
#ifndef SOCKIT_CLI_H
#define SOCKIT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "sockit/output.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct command {
	const char *name; /* "cidr", or "udp send" for a group's member */
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* The table lives in main.c; commands.h declares each cmd_* function. */
extern const struct command commands[];

/* The command being run ("tcp connect"), for messages. */
const char *cli_command(void);

/* Prints "sockit: CMD: MESSAGE" on stderr (one line). */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_warn, then exit with status. */
noreturn void cli_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A usage error: the message and a pointer to --help, then exit 2. */
noreturn void cli_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* A library message starts with what it is about ("certificate c.pem: no
 * usable PEM certificate"), never with an option: the library does not know
 * the program's flags.  cli_name_option puts the option that supplied the
 * value in its place ("--cert c.pem: ..."): the first subject of map
 * (ending with { NULL, NULL }) that err starts with is replaced.  err has
 * room for cap bytes. */
struct cli_subject {
	const char *subject, *option;
};
void cli_name_option(char *err, size_t cap, const struct cli_subject *map);

/* getopt_long with sockit's conventions: errors are one line and exit 2,
 * and every command accepts -h/--help (the caller handles 'h'). */
int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/* Prints usage text for --help and exits 0. */
noreturn void cli_help(const char *usage);

/* Option values: each exits 2 with a message naming the option on bad
 * input. */
uint64_t cli_number(const char *opt, const char *text, uint64_t min,
		    uint64_t max);
uint64_t cli_duration_ms(const char *opt, const char *text);
uint16_t cli_port(const char *opt, const char *text, const char *proto);
enum sk_color_mode cli_color(const char *text);

/* Flushes stdout and tells whether output was lost (a full disk, a closed
 * descriptor: said in one line) or its reader went away (EPIPE, as with
 * `| head`: *reader_gone, nothing said).  False when all of it went out. */
bool cli_stdout_lost(bool *reader_gone);

/* cli_stdout_lost, then exit 1 if anything was lost or the reader is
 * gone: for commands that print until interrupted. */
void cli_stdout_flush(void);

/* Writes all of buf to fd, retrying short writes; false on error. */
bool cli_write_all(int fd, const void *buf, size_t n);

#endif
