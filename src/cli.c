#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/parse.h"

static void vwarn(const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* One line, always: a newline inside a message would break it. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fflush(stdout);
	fprintf(stderr, "sockit: %s%s%s\n", cli_command(),
		*cli_command() ? ": " : "", msg);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void cli_name_option(char *err, size_t cap, const struct cli_subject *map)
{
	for (; map->subject; map++) {
		size_t n = strlen(map->subject);
		if (strncmp(err, map->subject, n) != 0)
			continue;
		char rest[SK_ERRLEN];
		snprintf(rest, sizeof rest, "%s", err + n);
		snprintf(err, cap, "%s%s", map->option, rest);
		return;
	}
}

void cli_fail(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void cli_usage(const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cli_fail(EXIT_USAGE, "%s (see 'sockit %s --help')", msg, cli_command());
}

void cli_help(const char *usage)
{
	fputs(usage, stdout);
	exit(EXIT_OK);
}

int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	char spec[128];
	/* A leading ':' makes getopt report a missing argument as ':'. */
	snprintf(spec, sizeof spec, ":%s", shortopts);
	opterr = 0;
	int c = getopt_long(argc, argv, spec, longopts, NULL);
	if (c == '?') {
		if (optopt)
			cli_usage("unknown option '-%c'", optopt);
		cli_usage("unknown option '%s'", argv[optind - 1]);
	}
	if (c == ':') {
		const char *opt = argv[optind - 1];
		if (strncmp(opt, "--", 2) != 0)
			cli_usage("option '-%c' needs a value", optopt);
		cli_usage("option '%s' needs a value", opt);
	}
	return c;
}

uint64_t cli_number(const char *opt, const char *text, uint64_t min,
		    uint64_t max)
{
	uint64_t v;
	int rc = sk_parse_u64(text, min, max, &v);
	if (rc == SK_ERANGE)
		cli_usage("%s %s: out of range %llu-%llu", opt, text,
			  (unsigned long long)min, (unsigned long long)max);
	if (rc)
		cli_usage("%s '%s': not a number", opt, text);
	return v;
}

uint64_t cli_duration_ms(const char *opt, const char *text)
{
	uint64_t ms;
	if (sk_parse_duration(text, &ms))
		cli_usage("%s '%s': bad duration (examples: 500ms, 2s, 1.5s, 1m, 1h)",
			  opt, text);
	return ms;
}

uint16_t cli_port(const char *opt, const char *text, const char *proto)
{
	char err[SK_ERRLEN];
	uint16_t port;
	if (sk_port_parse(text, proto, &port, err))
		cli_usage("%s: %s", opt, err);
	return port;
}

enum sk_color_mode cli_color(const char *text)
{
	enum sk_color_mode mode;
	if (sk_color_parse(text, &mode))
		cli_usage("--color '%s': expected auto, always or never", text);
	return mode;
}

bool cli_stdout_lost(bool *reader_gone)
{
	errno = 0;
	if (fflush(stdout) != EOF && !ferror(stdout))
		return false;
	/* errno is this flush's; an earlier failed write left only the
	 * stream's error flag, and a pipe without a reader shows POLLERR. */
	int err = errno;
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
	*reader_gone = err == EPIPE ||
		       (!err && poll(&p, 1, 0) == 1 && (p.revents & POLLERR));
	if (!*reader_gone)
		cli_warn("stdout: %s", err ? sk_strerror(-err) : "write error");
	return true;
}

void cli_stdout_flush(void)
{
	bool reader_gone;
	if (!cli_stdout_lost(&reader_gone))
		return;
	/* Said once: the check at exit has nothing left to flush. */
	__fpurge(stdout);
	clearerr(stdout);
	exit(EXIT_FAIL);
}

bool cli_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}
