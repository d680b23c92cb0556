#include <criterion/criterion.h>
#include <string.h>

#include "sockit/console.h"
#include "sockit/error.h"

struct ok_case {
	const char *line;
	enum sk_console_kind kind;
	unsigned id;
	bool on;
	const char *data;
};

static const struct ok_case ok_cases[] = {
	{ "hello", SK_CONSOLE_SEND, 0, false, "hello" },
	{ "", SK_CONSOLE_SEND, 0, false, "" },
	{ "//peers", SK_CONSOLE_SEND, 0, false, "/peers" },
	{ "//", SK_CONSOLE_SEND, 0, false, "/" },
	{ "/peers", SK_CONSOLE_PEERS, 0, false, NULL },
	{ "/to 2", SK_CONSOLE_TO, 2, false, NULL },
	{ "/to   12  ", SK_CONSOLE_TO, 12, false, NULL },
	{ "/all", SK_CONSOLE_ALL, 0, false, NULL },
	{ "/hex on", SK_CONSOLE_HEX, 0, true, NULL },
	{ "/hex off", SK_CONSOLE_HEX, 0, false, NULL },
	{ "/kick 3", SK_CONSOLE_KICK, 3, false, NULL },
	{ "/quit", SK_CONSOLE_QUIT, 0, false, NULL },
	{ "/help", SK_CONSOLE_HELP, 0, false, NULL },
	{ "/quit ", SK_CONSOLE_QUIT, 0, false, NULL },
};

Test(console, commands)
{
	for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
		const struct ok_case *c = &ok_cases[i];
		struct sk_console_cmd cmd;
		char err[SK_ERRLEN] = "";
		cr_assert_eq(sk_console_parse(c->line, strlen(c->line), &cmd, err), 0,
			     "case %zu: %s", i, err);
		cr_expect_eq(cmd.kind, c->kind, "case %zu", i);
		cr_expect_eq(cmd.id, c->id, "case %zu", i);
		cr_expect_eq(cmd.on, c->on, "case %zu", i);
		if (c->data) {
			cr_expect_eq(cmd.len, strlen(c->data), "case %zu", i);
			cr_expect_eq(memcmp(cmd.data, c->data, cmd.len), 0, "case %zu", i);
		}
	}
}

static const struct {
	const char *line, *needle;
} bad_cases[] = {
	{ "/to", "/to: expects a peer id" },
	{ "/to x", "/to x: not a peer id" },
	{ "/to 0", "/to 0: not a peer id" },
	{ "/kick", "/kick: expects a peer id" },
	{ "/hex", "/hex: expects on or off" },
	{ "/hex maybe", "/hex: expects on or off" },
	{ "/peers 1", "/peers takes no argument" },
	{ "/frob", "/frob (try /help)" },
	{ "/", "/ (try /help)" },
};

Test(console, bad_commands)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		struct sk_console_cmd cmd;
		char err[SK_ERRLEN] = "";
		const char *l = bad_cases[i].line;
		cr_expect_eq(sk_console_parse(l, strlen(l), &cmd, err), SK_EBADCOMMAND, "case %zu", i);
		cr_expect(strstr(err, bad_cases[i].needle) != NULL, "case %zu: %s", i, err);
	}
	cr_expect(strstr(sk_console_help(true), "/kick") != NULL);
	cr_expect(strstr(sk_console_help(false), "/kick") == NULL);
}

Test(console, every_prefix_parses_without_reading_past_it)
{
	const char line[] = "/hex on";
	for (size_t n = 0; n <= sizeof line - 1; n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, line, n);
		struct sk_console_cmd cmd;
		sk_console_parse(copy, n, &cmd, NULL);
		free(copy);
	}
}
