/* sockit ui: the network debugging assistant (NetAssist, Packet Sender) as
 * a full-screen terminal program.  This file reads the command line and
 * runs the loop; ui_*.c do the rest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "udp_common.h"
#include "sockit/loop.h"
#include "ui.h"

static const char usage[] =
    "usage: sockit ui [udp [HOST:PORT] | tcp HOST:PORT | server [ADDR]:PORT]\n"
    "                 [--local [ADDR]:PORT] [options]\n"
    "\n"
    "The network debugging assistant, full screen: a mode (udp: bind Local,\n"
    "send to Remote or to the last sender; tcp: a client connected to\n"
    "Remote; server: TCP clients on Local, listed on the right, Remote\n"
    "naming the one to send to, or all), a receive pane with each message's "
    "time, sender and length in\n"
    "text, hex or both, a send box (text with C escapes, or hex), an\n"
    "appended checksum, a repeat timer, counters and a status line.  Mode\n"
    "and addresses can be changed inside (Tab to a field, Enter applies).\n"
    "F1 or Ctrl-G shows the keys; Ctrl-Q quits.\n"
    "\n"
    "  --local [ADDR]:PORT  udp: bind here (default :0, a port of the "
    "kernel's\n"
    "                     choice); tcp: the source address and port;\n"
    "                     server: where to listen (default :0)\n"
    "  -4, -6             IPv4 / IPv6 only\n"
    "  --view text|hex|both|gbk  how messages are shown (default text; gbk:\n"
    "                     the bytes read as GB18030, for Chinese Windows "
    "peers)\n"
    "  --hex-input        the send box takes hex bytes\n"
    "  --append SPEC      add crc16-modbus, crc32, sum8, xor8 or TEXT to each\n"
    "                     message sent\n"
    "  --every D          repeat each send every D (500ms, 1s)\n"
    "  --count N          with --every, send N times (0: until Esc)\n"
    "  --send TEXT        put TEXT in the send box\n"
    "  --echo, --reply TEXT, --rules FILE   answer messages automatically,\n"
    "                     as udp listen does (Append is added)\n"
    "  --history N        messages kept for scrolling back (default 10000);\n"
    "                     older ones are dropped, and counted\n"
    "  -h, --help         this help\n"
    "\n"
    "Colours are used when the terminal has them and NO_COLOR is not set.\n"
    "\n"
    "examples:\n"
    "  sockit ui udp --local :5400 127.0.0.1:5401\n"
    "  sockit ui server :7000\n"
    "  sockit ui tcp 127.0.0.1:8080 --append '\\r\\n'\n"
    "\n"
    "exit status: 0 quit, 1 no terminal, 2 usage error.\n";

static void parse_endpoint(const char *what, const char *text,
			   const char *proto)
{
	struct sk_endpoint ep;
	cli_endpoint(what, text, proto, "needs HOST:PORT", &ep);
}

/* Positional arguments: an optional mode word, then HOST:PORT. */
static void positional(struct ui *ui, int argc, char **argv)
{
	if (optind < argc && !strcmp(argv[optind], "udp"))
		optind++;
	else if (optind < argc && !strcmp(argv[optind], "tcp"))
		ui->mode = UI_TCP, optind++;
	else if (optind < argc && !strcmp(argv[optind], "server"))
		ui->mode = UI_SERVER, optind++;
	/* The server's address is where it listens: Local. */
	enum ui_field f = ui->mode == UI_SERVER ? UI_F_LOCAL : UI_F_REMOTE;
	if (optind < argc) {
		parse_endpoint("", argv[optind],
			       ui->mode == UI_UDP ? "udp" : "tcp");
		ui_edit_set(&ui->edit[f], argv[optind++]);
	}
	if (optind < argc)
		cli_usage("unexpected argument '%s'", argv[optind]);
}

static void set_append(const struct cli_opt *opt, const char *spec)
{
	struct ui *ui = opt->to;
	char err[SK_ERRLEN];
	if (sk_append_parse(spec, &ui->append, err))
		cli_usage("--append: %s", err);
	ui->append_i = UI_APPEND_CHOICES; /* "text" */
	for (size_t i = 1; i < UI_APPEND_CHOICES; i++)
		if (!strcmp(spec, ui_append_names[i]))
			ui->append_i = i;
}

static void set_view(const struct cli_opt *opt, const char *v)
{
	struct ui *ui = opt->to;
	if (!strcmp(v, "text"))
		ui->view = UI_VIEW_TEXT;
	else if (!strcmp(v, "hex"))
		ui->view = UI_VIEW_HEX;
	else if (!strcmp(v, "both"))
		ui->view = UI_VIEW_BOTH;
	else if (!strcmp(v, "gbk"))
		ui->view = UI_VIEW_GBK;
	else
		cli_usage("--view: '%s' is not text, hex, both or gbk", v);
	if (ui->view == UI_VIEW_GBK &&
	    (ui->gbk = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1)
		cli_fail(EXIT_FAIL,
			 "--view gbk: iconv cannot convert GB18030: %s",
			 strerror(errno));
}

struct ui_args {
	size_t history;
	const char *rules, *reply;
};

/* --local, --every, --count and --send fill the console's fields (.min). */
static void set_field(const struct cli_opt *opt, const char *text)
{
	struct ui *ui = opt->to;
	char num[32];
	if (opt->min == UI_F_LOCAL)
		parse_endpoint("--local: ", text, "udp");
	if (opt->min == UI_F_EVERY)
		snprintf(num, sizeof num, "%llu",
			 (unsigned long long)cli_duration_ms("--every", text));
	if (opt->min == UI_F_COUNT)
		snprintf(num, sizeof num, "%llu",
			 (unsigned long long)cli_number("--count", text, 0, 1000000000));
	bool number = opt->min == UI_F_EVERY || opt->min == UI_F_COUNT;
	ui_edit_set(&ui->edit[opt->min], number ? num : text);
}

static void parse(struct ui *ui, int argc, char **argv, struct ui_args *a)
{
	const struct cli_opt table[] = {
		CLI_FAMILY(&ui->family),
		CLI_CALL(0, "local", set_field, ui, .min = UI_F_LOCAL),
		CLI_CALL(0, "view", set_view, ui),
		CLI_SETV(0, "hex-input", &ui->input, UI_IN_HEX),
		CLI_CALL(0, "append", set_append, ui),
		CLI_CALL(0, "every", set_field, ui, .min = UI_F_EVERY),
		CLI_CALL(0, "count", set_field, ui, .min = UI_F_COUNT),
		CLI_CALL(0, "send", set_field, ui, .min = UI_F_SEND),
		CLI_FLAG(0, "echo", &ui->resp.echo),
		CLI_STR(0, "reply", &a->reply),
		CLI_STR(0, "rules", &a->rules),
		CLI_NUM(0, "history", &a->history, 10, 1000000),
	};
	cli_parse(argc, argv, table, usage);
	positional(ui, argc, argv);
}

static void on_rate(uv_timer_t *t)
{
	struct ui *ui = t->data;
	ui->rx_rate = ui->n.rx_bytes - ui->rate_rx_prev;
	ui->tx_rate = ui->n.tx_bytes - ui->rate_tx_prev;
	ui->rate_rx_prev = ui->n.rx_bytes;
	ui->rate_tx_prev = ui->n.tx_bytes;
	ui_dirty(ui);
}

static void timer_init(struct ui *ui, uv_timer_t *t)
{
	uv_timer_init(&ui->loop, t);
	t->data = ui;
}

int cmd_ui(int argc, char **argv)
{
	struct ui *ui = calloc(1, sizeof *ui);
	if (!ui)
		cli_fail(EXIT_FAIL, "%s", strerror(ENOMEM));
	struct ui_args a = { .history = 10000 };
	ui->focus = UI_F_SEND;
	ui->gbk = (iconv_t)-1;
	ui_edit_set(&ui->edit[UI_F_EVERY], "0");
	ui_edit_set(&ui->edit[UI_F_COUNT], "0");
	parse(ui, argc, argv, &a);
	if (ui->resp.echo && (a.rules || a.reply))
		cli_usage("--echo and --reply/--rules both answer: choose one");
	ui->resp.rules = udp_load_rules(a.rules, a.reply);
	/* 64 MiB of message bytes at most, whatever --history says. */
	if (ui_hist_init(&ui->hist, a.history, 64u << 20) < 0)
		cli_fail(EXIT_FAIL, "%s", strerror(ENOMEM));

	uv_loop_init(&ui->loop);
	timer_init(ui, &ui->draw);
	timer_init(ui, &ui->rate);
	timer_init(ui, &ui->repeat);
	char err[SK_ERRLEN];
	if (ui_term_open(ui, err) < 0)
		cli_fail(EXIT_FAIL, "%s", err);
	ui_net_open(ui);
	uv_timer_start(&ui->rate, on_rate, 1000, 1000);
	ui_draw(ui);

	uv_run(&ui->loop, UV_RUN_DEFAULT);

	ui_net_close(ui);
	ui_term_close(ui);
	sk_loop_drain(&ui->loop);
	ui_server_free_retired(ui);
	uv_loop_close(&ui->loop);
	ui_hist_free(&ui->hist);
	ui_send_free(ui);
	sk_rules_free(ui->resp.rules);
	if (ui->gbk != (iconv_t)-1)
		iconv_close(ui->gbk);
	free(ui);
	return EXIT_OK;
}
