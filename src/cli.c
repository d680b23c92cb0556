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

/* getopt_long with sockit's conventions: errors are one line and exit 2.
 * shortopts starts with ':', so that a missing value is reported as ':'. */
static int cli_getopt(int argc, char **argv, const char *shortopts,
		      const struct option *longopts)
{
	opterr = 0;
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);
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

uint64_t cli_size(const char *opt, const char *text, uint64_t max,
		  const char *examples)
{
	static const char units[] = "kmgt";
	char num[32];
	size_t n = strlen(text);
	uint64_t mult = 1;
	const char *u = n ? strchr(units, text[n - 1] | 0x20) : NULL;
	if (u && *u) {
		for (const char *q = units; q <= u; q++)
			mult *= 1024;
		n--;
	}
	snprintf(num, sizeof num, "%.*s", (int)n, text);
	/* Checked here so the message shows what was typed, suffix and all. */
	uint64_t v;
	int rc = n < sizeof num ? sk_parse_u64(num, 1, max / mult, &v) : SK_EBADNUMBER;
	/* The largest size in G, or in T past a petabyte. */
	bool tera = max >> 50;
	if (rc == SK_ERANGE)
		cli_usage("%s %s: out of range 1 byte to %llu%c", opt, text,
			  (unsigned long long)(max >> (tera ? 40 : 30)), tera ? 'T' : 'G');
	if (rc)
		cli_usage("%s '%s': not a size (examples: %s)", opt, text, examples);
	return v * mult;
}

const char *cli_opt_label(const struct cli_opt *opt, char *buf, size_t cap)
{
	if (opt->label)
		return opt->label;
	if (opt->name)
		snprintf(buf, cap, "--%s", opt->name);
	else
		snprintf(buf, cap, "-%c", opt->letter);
	return buf;
}

/* Stores v in the size bytes of an integer (or bool) at to. */
static void store(void *to, size_t size, uint64_t v)
{
	uint8_t v8 = (uint8_t)v;
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;
	memcpy(to, size == 1 ? (void *)&v8 : size == 2 ? (void *)&v16
			: size == 4 ? (void *)&v32 : (void *)&v, size);
}

static uint64_t word(const struct cli_opt *opt, const char *label, const char *text)
{
	for (uint64_t i = 0; opt->words[i]; i++)
		if (!strcmp(opt->words[i], text))
			return i;
	cli_usage("%s '%s': %s", label, text, opt->hint);
}

static void take(const struct cli_opt *opt, const char *text)
{
	char buf[64];
	const char *label = cli_opt_label(opt, buf, sizeof buf);
	uint64_t v = opt->min;
	switch (opt->kind) {
	case CLI_SET: break;
	case CLI_STR: memcpy(opt->to, &text, sizeof text); break;
	case CLI_NUM: v = cli_number(label, text, opt->min, opt->max); break;
	case CLI_MS: v = cli_duration_ms(label, text); break;
	case CLI_PORT: v = cli_port(label, text, opt->hint); break;
	case CLI_SIZE: v = cli_size(label, text, opt->max, opt->hint); break;
	case CLI_WORD: v = word(opt, label, text); break;
	case CLI_CALL:
	case CLI_ACT: opt->fn(opt, text); break;
	}
	if (opt->kind != CLI_STR && opt->kind != CLI_CALL && opt->kind != CLI_ACT)
		store(opt->to, opt->size, v);
	if (opt->seen)
		*opt->seen = true;
}

int cli_parse_n(int argc, char **argv, const struct cli_opt *table, size_t n,
		const char *usage)
{
	/* Long-only options get codes above any letter: 256 + their index. */
	enum { MAX = 64 };
	struct option longs[2 * MAX + 2];
	char shorts[2 * MAX + 3] = ":";
	size_t nl = 0, ns = 1;
	if (n > MAX)
		cli_fail(EXIT_FAIL, "too many options");
	for (size_t i = 0; i < n; i++) {
		const struct cli_opt *t = &table[i];
		int arg = t->kind == CLI_SET || t->kind == CLI_ACT ? no_argument
								  : required_argument;
		int code = t->letter ? t->letter : 256 + (int)i;
		if (t->letter) {
			shorts[ns++] = (char)t->letter;
			if (arg == required_argument)
				shorts[ns++] = ':';
		}
		if (t->name)
			longs[nl++] = (struct option){ t->name, arg, NULL, code };
		if (t->alias)
			longs[nl++] = (struct option){ t->alias, arg, NULL, code };
	}
	shorts[ns++] = 'h';
	shorts[ns] = 0;
	longs[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[nl] = (struct option){ NULL, 0, NULL, 0 };
	int c;
	while ((c = cli_getopt(argc, argv, shorts, longs)) != -1) {
		if (c == 'h')
			cli_help(usage);
		size_t i = c >= 256 ? (size_t)c - 256 : 0;
		while (c < 256 && table[i].letter != c)
			i++;
		take(&table[i], optarg);
	}
	return optind;
}

void cli_take_append(const struct cli_opt *opt, const char *text)
{
	char err[SK_ERRLEN];
	if (sk_append_parse(text, opt->to, err))
		cli_usage("--append: %s", err);
}

void cli_endpoint(const char *what, const char *text, const char *proto, const char *need,
		  struct sk_endpoint *ep)
{
	char err[SK_ERRLEN];
	if (sk_endpoint_parse(text, proto, ep, err))
		cli_usage("%s%s", what, err);
	if (need && ep->kind != SK_ENDPOINT_INET)
		cli_usage("%s%s: %s", what, text, need);
}

bool cli_source(const char *text, const char *proto, struct sk_endpoint *ep)
{
	const char *colon = strchr(text, ':');
	if (!colon || (text[0] != '[' && colon != strrchr(text, ':'))) {
		*ep = (struct sk_endpoint){ .kind = SK_ENDPOINT_INET };
		snprintf(ep->host, sizeof ep->host, "%s", text);
		return false;
	}
	char err[SK_ERRLEN];
	if (sk_endpoint_parse(text, proto, ep, err))
		cli_usage("--source '%s': %s", text, err);
	if (ep->kind != SK_ENDPOINT_INET)
		cli_usage("--source '%s': needs [ADDR]:PORT", text);
	return true;
}

void cli_operands(int argc, char **argv, int min, int max, const char *missing)
{
	if (argc - optind < min)
		cli_usage("%s", missing);
	if (argc - optind > max)
		cli_usage("unexpected argument '%s'", argv[optind + max]);
}

const char *const cli_color_words[] = { "auto", "always", "never", NULL };

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
