/* What every command shares: the command table, one-line diagnostics with
 * the exit statuses, and option values parsed once with range checks. */
#ifndef SOCKIT_CLI_H
#define SOCKIT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/socket.h>

#include "sockit/append.h"
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

/* A command's options as one table: each entry names the option, what
 * kind of value it takes and where the value goes; cli_parse builds the
 * getopt tables from it, parses and range-checks every value (a bad one
 * exits 2 with a one-line message naming the option) and leaves only the
 * checks across options to the command.  -h/--help prints usage and
 * exits 0. */
enum cli_kind {
	CLI_SET,  /* no value: stores .min */
	CLI_STR,  /* stores the text (const char *) */
	CLI_NUM,  /* a decimal number in [.min, .max] */
	CLI_MS,   /* a duration in milliseconds (500ms, 2s, 1m) */
	CLI_PORT, /* a port number or a service name of protocol .hint */
	CLI_SIZE, /* bytes, with a K/M/G/T suffix, in [1, .max]; .hint gives
		   * examples for the error */
	CLI_WORD, /* one of .words (NULL-terminated): stores its index; .hint
		   * ends the error ("'x': HINT") */
	CLI_CALL, /* .fn(entry, text) */
	CLI_ACT,  /* .fn(entry, NULL): a call without a value */
};

struct cli_opt {
	const char *name;  /* the long name ("timeout"), or NULL */
	int letter;        /* the short option ('w'), or 0 */
	enum cli_kind kind;
	void *to;          /* where the value goes (.fn's context) */
	size_t size;       /* sizeof *to: numbers are stored in that width */
	uint64_t min, max;
	const char *label; /* the option in messages: "--name" (else "-c")
			    * unless given */
	const char *hint;
	const char *alias; /* a second long name ("ssl" for "tls") */
	const char *const *words;
	void (*fn)(const struct cli_opt *opt, const char *text);
	bool *seen;        /* set when the option is given */
};

/* One line each in a table: L is the letter (or 0), N the long name (or
 * NULL), P where the value goes; more fields (.label, .seen, ...) may
 * follow as designated initializers. */
#define CLI_ENTRY_(L, N, K, P, ...) \
	{ .letter = (L), .name = (N), .kind = (K), .to = (P), .size = sizeof *(P), __VA_ARGS__ }
#define CLI_FLAG(L, N, P, ...) CLI_ENTRY_(L, N, CLI_SET, P, .min = 1, __VA_ARGS__)
#define CLI_SETV(L, N, P, V, ...) CLI_ENTRY_(L, N, CLI_SET, P, .min = (uint64_t)(V), __VA_ARGS__)
#define CLI_STR(L, N, P, ...) \
	CLI_ENTRY_(L, N, CLI_STR, (1 ? (P) : (const char **)0), __VA_ARGS__)
#define CLI_NUM(L, N, P, LO, HI, ...) \
	CLI_ENTRY_(L, N, CLI_NUM, P, .min = (LO), .max = (HI), __VA_ARGS__)
#define CLI_MS(L, N, P, ...) CLI_ENTRY_(L, N, CLI_MS, P, __VA_ARGS__)
#define CLI_PORT(L, N, P, PROTO, ...) CLI_ENTRY_(L, N, CLI_PORT, P, .hint = (PROTO), __VA_ARGS__)
#define CLI_SIZE(L, N, P, HI, EXAMPLES, ...) \
	CLI_ENTRY_(L, N, CLI_SIZE, P, .max = (HI), .hint = (EXAMPLES), __VA_ARGS__)
#define CLI_WORD(L, N, P, WORDS, HINT, ...) \
	CLI_ENTRY_(L, N, CLI_WORD, P, .words = (WORDS), .hint = (HINT), __VA_ARGS__)
#define CLI_CALL(L, N, FN, CTX, ...) \
	{ .letter = (L), .name = (N), .kind = CLI_CALL, .fn = (FN), .to = (CTX), __VA_ARGS__ }
#define CLI_ACT(L, N, FN, CTX, ...) \
	{ .letter = (L), .name = (N), .kind = CLI_ACT, .fn = (FN), .to = (CTX), __VA_ARGS__ }

/* Parses argv's options by table (n entries) and returns the index of the
 * first operand (optind). */
int cli_parse_n(int argc, char **argv, const struct cli_opt *table, size_t n,
		const char *usage);
#define cli_parse(argc, argv, table, usage) \
	cli_parse_n(argc, argv, table, sizeof(table) / sizeof *(table), usage)

struct sk_endpoint;
/* text as an endpoint of proto into ep, or exit 2 with the parser's
 * message after what ("--local: ", or ""); with need, text must be
 * HOST:PORT (not unix:PATH), else the message is WHAT, TEXT, ": " and need. */
void cli_endpoint(const char *what, const char *text, const char *proto, const char *need,
		  struct sk_endpoint *ep);

/* After cli_parse: at least min and at most max operands (argv[optind]
 * on), or exit 2 with missing, or naming the first one too many. */
/* -s/--source as tcp connect and udp relay read it: [ADDR]:PORT (bracketed,
 * or with one colon) sets address and port, anything else is a bare
 * address (IPv6 too) with port 0, into ep of proto.  A bad [ADDR]:PORT, or
 * unix:PATH, exits 2.  Returns whether text named a port. */
bool cli_source(const char *text, const char *proto, struct sk_endpoint *ep);

void cli_operands(int argc, char **argv, int min, int max, const char *missing);

/* The option as messages name it: .label, "--name" or "-c". */
const char *cli_opt_label(const struct cli_opt *opt, char *buf, size_t cap);

/* Prints usage text for --help and exits 0. */
noreturn void cli_help(const char *usage);

/* Option values: each exits 2 with a message naming the option on bad
 * input. */
uint64_t cli_number(const char *opt, const char *text, uint64_t min,
		    uint64_t max);
uint64_t cli_duration_ms(const char *opt, const char *text);
uint16_t cli_port(const char *opt, const char *text, const char *proto);
/* Bytes, or K/M/G/T (binary multiples), in [1, max]; examples end the
 * message for text that is not a size. */
uint64_t cli_size(const char *opt, const char *text, uint64_t max,
		  const char *examples);
/* -4 and -6: AF_INET or AF_INET6 into the int at P. */
#define CLI_FAMILY(P) CLI_SETV('4', NULL, P, AF_INET), CLI_SETV('6', NULL, P, AF_INET6)

/* --append SPEC (sockit/append.h) into the struct sk_append at P. */
void cli_take_append(const struct cli_opt *opt, const char *text);
#define CLI_APPEND(P) CLI_CALL(0, "append", cli_take_append, (1 ? (P) : (struct sk_append *)0))

/* --color WHEN (and --colour) into an enum sk_color_mode. */
extern const char *const cli_color_words[];
#define CLI_COLOR(P) \
	CLI_WORD(0, "color", P, cli_color_words, "expected auto, always or never", \
		 .alias = "colour")

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
