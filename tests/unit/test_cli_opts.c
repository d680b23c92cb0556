/* The program's option table (src/cli.c: cli_parse): each kind of value
 * stored in its target's width, -h, aliases, callbacks in argv order, and
 * every usage error: its one line on stderr and exit status 2.  Errors
 * exit, so each case runs in a child process. */
#include <criterion/criterion.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/cli.h"
#include "sockit/endpoint.h"

/* main.c's in the program. */
const char *cli_command(void)
{
	return "demo";
}

struct vals {
	bool flag, seen;
	int family;
	uint16_t port;
	unsigned count;
	uint64_t ms, size, big;
	int64_t quit;
	const char *name;
	enum sk_color_mode color;
	int mode;
	char trail[64]; /* what the callbacks saw, in order */
};

static void on_tag(const struct cli_opt *opt, const char *text)
{
	struct vals *v = opt->to;
	size_t n = strlen(v->trail);
	snprintf(v->trail + n, sizeof v->trail - n, "%s%s;", opt->name, text ? text : "");
}

static const char usage[] = "usage: demo [options]\n";
static const char *const modes[] = { "one", "two", "three", NULL };

/* Parses args (a NULL-terminated list after the program name) into v and
 * returns the first operand's index. */
static int parse(struct vals *v, const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)"demo";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	const struct cli_opt table[] = {
		CLI_FLAG('v', "verbose", &v->flag),
		CLI_SETV('4', NULL, &v->family, AF_INET),
		CLI_SETV('6', NULL, &v->family, AF_INET6),
		CLI_PORT('p', NULL, &v->port, "tcp"),
		CLI_NUM('c', "count", &v->count, 1, 1000, .seen = &v->seen),
		CLI_NUM(0, "big", &v->big, 0, UINT64_MAX),
		CLI_MS('w', "timeout", &v->ms, .label = "-w"),
		CLI_MS('q', NULL, &v->quit),
		CLI_SIZE(0, "max-size", &v->size, 1ULL << 40, "65536, 512K, 1M"),
		CLI_STR('n', "name", &v->name, .alias = "nom"),
		CLI_COLOR(&v->color),
		CLI_WORD(0, "mode", &v->mode, modes, "one, two or three"),
		CLI_CALL(0, "tag", on_tag, v),
		CLI_ACT(0, "mark", on_tag, v),
	};
	optind = 0;
	return cli_parse(argc, argv, table, usage);
}

Test(cli_opts, every_kind_lands_in_its_target)
{
	struct vals v = { .quit = -1 };
	const char *args[] = { "-v", "-6", "-p", "http", "--count", "7", "--big",
			       "18446744073709551615", "--timeout", "1.5s", "-q", "0",
			       "--max-size", "512K", "--nom", "x", "--colour", "never",
			       "--mode", "three", "rest", NULL };
	int first = parse(&v, args);
	cr_expect_eq(first, 21);
	cr_expect(v.flag);
	cr_expect_eq(v.family, AF_INET6);
	cr_expect_eq(v.port, 80);
	cr_expect_eq(v.count, 7);
	cr_expect(v.seen);
	cr_expect_eq(v.big, UINT64_MAX);
	cr_expect_eq(v.ms, 1500);
	cr_expect_eq(v.quit, 0);
	cr_expect_eq(v.size, 512 * 1024);
	cr_expect_str_eq(v.name, "x");
	cr_expect_eq(v.color, SK_COLOR_NEVER);
	cr_expect_eq(v.mode, 2);
}

Test(cli_opts, untouched_without_options_and_last_one_wins)
{
	struct vals v = { .quit = -1, .count = 5 };
	const char *none[] = { NULL };
	cr_expect_eq(parse(&v, none), 1);
	cr_expect_eq(v.quit, -1);
	cr_expect_eq(v.count, 5);
	cr_expect_not(v.seen);
	const char *twice[] = { "-4", "-6", "-4", "-c", "2", "-c3", NULL };
	cr_expect_eq(parse(&v, twice), 7);
	cr_expect_eq(v.family, AF_INET);
	cr_expect_eq(v.count, 3);
}

Test(cli_opts, callbacks_run_in_argv_order)
{
	struct vals v = { 0 };
	const char *args[] = { "--tag", "a", "--mark", "--tag=b", NULL };
	parse(&v, args);
	cr_expect_str_eq(v.trail, "taga;mark;tagb;");
}

struct run {
	int status;
	char out[512], err[512];
};

static void parse_only(const char *const *args)
{
	struct vals v = { 0 };
	parse(&v, args);
}

/* fn(args) in a child: its exit status (0 when fn returned) and what it
 * wrote. */
static struct run run_fn(void (*fn)(const char *const *args), const char *const *args)
{
	struct run r = { 0 };
	int out[2], err[2];
	cr_assert_eq(pipe(out), 0);
	cr_assert_eq(pipe(err), 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		fn(args);
		fflush(NULL);
		_exit(0);
	}
	close(out[1]);
	close(err[1]);
	ssize_t n = read(out[0], r.out, sizeof r.out - 1);
	r.out[n > 0 ? n : 0] = 0;
	n = read(err[0], r.err, sizeof r.err - 1);
	r.err[n > 0 ? n : 0] = 0;
	/* The first line: under LeakSanitizer, exiting while Criterion's
	 * threads run adds a note (a real error changes the status). */
	char *nl = strchr(r.err, '\n');
	if (nl)
		nl[1] = 0;
	close(out[0]);
	close(err[0]);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	return r;
}

static struct run run(const char *const *args)
{
	return run_fn(parse_only, args);
}

struct bad {
	const char *args[4];
	const char *err;
};

#define SEE " (see 'sockit demo --help')\n"
static const struct bad bads[] = {
	{ { "-c", "0" }, "sockit: demo: --count 0: out of range 1-1000" SEE },
	{ { "-c", "x" }, "sockit: demo: --count 'x': not a number" SEE },
	{ { "--big", "18446744073709551616" },
	  "sockit: demo: --big 18446744073709551616: out of range 0-18446744073709551615" SEE },
	{ { "--timeout", "soon" },
	  "sockit: demo: -w 'soon': bad duration (examples: 500ms, 2s, 1.5s, 1m, 1h)" SEE },
	{ { "-p", "70000" }, NULL },
	{ { "--max-size", "2000G" }, "sockit: demo: --max-size 2000G: out of range 1 byte to 1024G" SEE },
	{ { "--max-size", "K" },
	  "sockit: demo: --max-size 'K': not a size (examples: 65536, 512K, 1M)" SEE },
	{ { "--max-size", "0" }, "sockit: demo: --max-size 0: out of range 1 byte to 1024G" SEE },
	{ { "--color", "pink" }, "sockit: demo: --color 'pink': expected auto, always or never" SEE },
	{ { "--colour", "pink" }, "sockit: demo: --color 'pink': expected auto, always or never" SEE },
	{ { "--mode", "four" }, "sockit: demo: --mode 'four': one, two or three" SEE },
	{ { "--nope" }, "sockit: demo: unknown option '--nope'" SEE },
	{ { "-z" }, "sockit: demo: unknown option '-z'" SEE },
	{ { "--count" }, "sockit: demo: option '--count' needs a value" SEE },
	{ { "-c" }, "sockit: demo: option '-c' needs a value" SEE },
	{ { "--verbose=1" }, NULL },
};

Test(cli_opts, bad_values_exit_2_naming_the_option)
{
	for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
		struct run r = run(bads[i].args);
		cr_expect_eq(r.status, 2, "%s: status %d", bads[i].args[0], r.status);
		if (bads[i].err)
			cr_expect_str_eq(r.err, bads[i].err);
		else
			cr_expect(strstr(r.err, "sockit: demo: ") == r.err && strchr(r.err, '\n') ==
				  r.err + strlen(r.err) - 1, "%s", r.err);
	}
}

Test(cli_opts, help_prints_usage_and_exits_0)
{
	const char *long_form[] = { "-v", "--help", "--nope", NULL };
	struct run r = run(long_form);
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.out, usage);
	const char *short_form[] = { "-h", NULL };
	r = run(short_form);
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.out, usage);
}

Test(cli_opts, sizes_take_binary_suffixes)
{
	uint64_t v = 0;
	v = cli_size("--s", "3", 1ULL << 40, "");
	cr_expect_eq(v, 3);
	v = cli_size("--s", "2k", 1ULL << 40, "");
	cr_expect_eq(v, 2048);
	v = cli_size("--s", "1G", 1ULL << 40, "");
	cr_expect_eq(v, 1ULL << 30);
	v = cli_size("--s", "1024G", 1ULL << 40, "");
	cr_expect_eq(v, 1ULL << 40);
	v = cli_size("--s", "16777215T", UINT64_MAX, "");
	cr_expect_eq(v, 16777215ULL << 40);
}

/* One or two operands after the options, as cidr takes them. */
static void one_or_two(const char *const *args)
{
	char *argv[8] = { (char *)"demo" };
	int argc = 1;
	while (*args)
		argv[argc++] = (char *)*args++;
	bool flag;
	const struct cli_opt table[] = { CLI_FLAG('v', NULL, &flag) };
	optind = 0;
	cli_parse(argc, argv, table, usage);
	cli_operands(argc, argv, 1, 2, "missing ADDR");
}

Test(cli_operands, too_few_or_too_many_exit_2)
{
	const char *none[] = { "-v", NULL };
	struct run r = run_fn(one_or_two, none);
	cr_expect_eq(r.status, 2);
	cr_expect_str_eq(r.err, "sockit: demo: missing ADDR" SEE);
	const char *three[] = { "a", "-v", "b", "c", NULL };
	r = run_fn(one_or_two, three);
	cr_expect_eq(r.status, 2);
	cr_expect_str_eq(r.err, "sockit: demo: unexpected argument 'c'" SEE);
	const char *two[] = { "a", "b", NULL };
	r = run_fn(one_or_two, two);
	cr_expect_eq(r.status, 0, "%s", r.err);
}

static void endpoint(const char *const *args)
{
	struct sk_endpoint ep;
	cli_endpoint(args[0], args[1], "udp", args[2], &ep);
}

Test(cli_endpoint, names_what_and_needs_host_port)
{
	const char *unix_path[] = { "--local: ", "unix:/x", "UDP needs HOST:PORT", NULL };
	struct run r = run_fn(endpoint, unix_path);
	cr_expect_eq(r.status, 2);
	cr_expect_str_eq(r.err, "sockit: demo: --local: unix:/x: UDP needs HOST:PORT" SEE);
	const char *bad_port[] = { "", "1.2.3.4:99999", NULL, NULL };
	r = run_fn(endpoint, bad_port);
	cr_expect_eq(r.status, 2);
	cr_expect(strstr(r.err, "sockit: demo: port 99999") == r.err, "%s", r.err);
	const char *fine[] = { "", "127.0.0.1:53", "UDP needs HOST:PORT", NULL };
	r = run_fn(endpoint, fine);
	cr_expect_eq(r.status, 0, "%s", r.err);
}
