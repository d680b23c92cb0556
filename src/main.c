/* sockit: dispatch to one command through a short table. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "sockit/error.h"

const struct command commands[] = {
	{ "cidr", cmd_cidr, "subnet calculator: network, mask, range, scope, splits" },
	{ "resolve", cmd_resolve, "every address of a name, and its canonical name" },
	{ "udp send", cmd_udp_send, "send datagrams (text, stdin lines, a file); --wait-reply" },
	{ "udp listen", cmd_udp_listen, "receive datagrams, show each with its sender; --echo, --rules" },
	{ "udp chat", cmd_udp_chat, "two-way UDP assistant: send and receive at once, peer table" },
	{ "udp relay", cmd_udp_relay, "raw two-way UDP like nc -u / nc -ul: stdin to one peer, its bytes to stdout" },
	{ "scan", cmd_scan, "port scanner: SYN, connect and UDP scans; random order, shards, resume" },
	{ "file send", cmd_file_send, "send files and directories, verified by SHA-256, resumable" },
	{ "file recv", cmd_file_recv, "receive files safely into a directory (atomic, verified)" },
	{ "http get", cmd_http_get, "fetch a URL with HTTP/1.1: body, headers, raw bytes, redirects" },
	{ "http serve", cmd_http_serve, "serve a directory over HTTP: GET/HEAD, ranges, listings" },
	{ "arp", cmd_arp, "ask the link who has an IPv4 address, or sweep a block (arp-scan)" },
	{ "sniff", cmd_sniff, "capture or read packets and decode them: lines, layers, hex, JSON" },
	{ "tcp connect", cmd_tcp_connect, "TCP client: stdin to socket, socket to stdout; TLS verified" },
	{ "tcp listen", cmd_tcp_listen, "TCP server: one client like nc -l, or many with -k (echo, broker, chat, exec)" },
	{ "ui", cmd_ui, "network debugging assistant, full screen: UDP, TCP client and server; hex, checksums" },
	{ "tour", cmd_tour, "the network-programming lesson, run and narrated on loopback" },
	{ "help", cmd_help, "help on a command" },
	{ NULL, NULL, NULL },
};

/* The only mutable global of the program: the command name for messages. */
static char current[64] = "";

const char *cli_command(void)
{
	return current;
}

static const char usage[] =
	"usage: sockit COMMAND [ARGS...]\n"
	"       sockit help COMMAND | sockit COMMAND --help | sockit --version\n"
	"\n"
	"sockit is the socket toolkit: send, listen, connect, scan, capture and\n"
	"decode, on IPv4 and IPv6.\n"
	"\n"
	"commands:\n";

static void print_commands(FILE *out, const char *group)
{
	for (const struct command *c = commands; c->name; c++) {
		size_t glen = group ? strlen(group) : 0;
		if (group && (strncmp(c->name, group, glen) || c->name[glen] != ' '))
			continue;
		fprintf(out, "  %-14s %s\n", c->name, c->summary);
	}
}

static void print_usage(void)
{
	fputs(usage, stdout);
	print_commands(stdout, NULL);
	fputs("\nexit status: 0 success, 1 the operation failed, 2 usage error.\n"
	      "Every command takes --help; man sockit has the details.\n",
	      stdout);
}

/* Edit distance, to suggest the command a typo meant. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return 99;
	size_t row[33];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The first word of a command name: "udp" for "udp send". */
static size_t first_word(const char *name)
{
	return strcspn(name, " ");
}

static bool is_group(const char *word)
{
	size_t n = strlen(word);
	for (const struct command *c = commands; c->name; c++)
		if (first_word(c->name) == n && c->name[n] == ' ' &&
		    !strncmp(c->name, word, n))
			return true;
	return false;
}

static noreturn void unknown(const char *what, const char *group)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (const struct command *c = commands; c->name; c++) {
		const char *cand = c->name;
		char word[64];
		if (group) {
			size_t g = strlen(group);
			if (strncmp(cand, group, g) || cand[g] != ' ')
				continue;
			cand += g + 1;
		} else {
			snprintf(word, sizeof word, "%.*s", (int)first_word(cand), cand);
			cand = word;
		}
		size_t d = distance(what, cand);
		if (d < best_d) {
			best_d = d;
			best = c->name;
		}
	}
	if (best)
		cli_fail(EXIT_USAGE, "unknown command '%s%s%s'; did you mean '%.*s'?",
			 group ? group : "", group ? " " : "", what,
			 group ? (int)strlen(best) : (int)first_word(best), best);
	cli_fail(EXIT_USAGE, "unknown command '%s%s%s' (see 'sockit --help')",
		 group ? group : "", group ? " " : "", what);
}

/* Finds the command named by argv[0] (and argv[1] for a group); sets *used
 * to the number of words taken. */
static const struct command *find(int argc, char **argv, int *used)
{
	const char *word = argv[0];
	if (is_group(word)) {
		if (argc < 2 || argv[1][0] == '-') {
			if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
				printf("usage: sockit %s SUBCOMMAND ...\n\n", word);
				print_commands(stdout, word);
				exit(EXIT_OK);
			}
			snprintf(current, sizeof current, "%s", word);
			fprintf(stderr, "sockit: %s: needs a subcommand:\n", word);
			print_commands(stderr, word);
			exit(EXIT_USAGE);
		}
		for (const struct command *c = commands; c->name; c++) {
			size_t n = strlen(word);
			if (!strncmp(c->name, word, n) && c->name[n] == ' ' &&
			    !strcmp(c->name + n + 1, argv[1])) {
				*used = 2;
				return c;
			}
		}
		unknown(argv[1], word);
	}
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, word)) {
			*used = 1;
			return c;
		}
	unknown(word, NULL);
}

int cmd_help(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage();
		return EXIT_OK;
	}
	if (argc == 2 && is_group(argv[1])) {
		/* "help tcp" is "tcp --help": the group's commands. */
		char *group[] = { argv[1], (char *)"--help", NULL };
		int unused = 0;
		find(2, group, &unused);
	}
	int used = 0;
	const struct command *c = find(argc - 1, argv + 1, &used);
	snprintf(current, sizeof current, "%s", c->name);
	char *args[] = { (char *)c->name, (char *)"--help", NULL };
	optind = 0;
	return c->fn(2, args);
}

/* A closed stdin, stdout or stderr (`<&-`, `>&-`) would let the first
 * socket or file opened take its number: output would go into a
 * connection, and libuv asserts on such descriptors.  Each closed one is
 * /dev/null instead: stdin reads as empty, and stdout and stderr are opened
 * read-only so writes to them still fail (EBADF) and are reported. */
static void std_fds_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDONLY);
		if (n < 0)
			_exit(EXIT_FAIL);
		if (n != fd) {
			/* Lower descriptors are open, so n > fd: move it down. */
			if (dup2(n, fd) < 0)
				_exit(EXIT_FAIL);
			close(n);
		}
	}
}

/* Output that never reached stdout (a full disk, a closed descriptor) is
 * lost data: say so and fail, whatever the command returned.  A reader
 * that went away (EPIPE) ended the output on purpose, as with `| head`. */
static void stdout_check(void)
{
	bool reader_gone;
	/* _exit: exit() from an atexit handler is undefined. */
	if (cli_stdout_lost(&reader_gone) && !reader_gone)
		_exit(EXIT_FAIL);
}

int main(int argc, char **argv)
{
	std_fds_open();
	atexit(stdout_check);
	if (argc < 2) {
		print_usage();
		return EXIT_USAGE;
	}
	const char *first = argv[1];
	if (!strcmp(first, "--help") || !strcmp(first, "-h")) {
		print_usage();
		return EXIT_OK;
	}
	if (!strcmp(first, "--version") || !strcmp(first, "-V")) {
		printf("sockit %s\n", SK_VERSION);
		return EXIT_OK;
	}
	if (first[0] == '-')
		cli_fail(EXIT_USAGE, "unknown option '%s' (see 'sockit --help')", first);
	if (argc == 2 && is_group(argv[1])) {
		/* "help tcp" is "tcp --help": the group's commands. */
		char *group[] = { argv[1], (char *)"--help", NULL };
		int unused = 0;
		find(2, group, &unused);
	}
	int used = 0;
	const struct command *c = find(argc - 1, argv + 1, &used);
	snprintf(current, sizeof current, "%s", c->name);
	/* The command sees argv[0] = its name, then its own arguments. */
	char **args = argv + used;
	args[0] = (char *)c->name;
	optind = 0; /* restart getopt for the command's own parse */
	return c->fn(argc - used, args);
}
