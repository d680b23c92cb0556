/* The terminal: ncursesw in raw mode on one full-screen window, keys read
 * when libuv says stdin is readable, and SIGWINCH handled by the loop
 * (libuv's handler replaces ncurses' own, so the new size is read here). */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ui.h"

/* Colour pairs; attributes alone when the terminal has no colours or
 * NO_COLOR is set (https://no-color.org: any non-empty value). */
enum { PAIR_RX = 1, PAIR_TX, PAIR_NOTE, PAIR_ERR, PAIR_BAR };

static void colors_init(struct ui *ui)
{
	const char *no = getenv("NO_COLOR");
	ui->color = has_colors() && !(no && *no);
	if (!ui->color)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_RX, COLOR_GREEN, -1);
	init_pair(PAIR_TX, COLOR_CYAN, -1);
	init_pair(PAIR_NOTE, COLOR_YELLOW, -1);
	init_pair(PAIR_ERR, COLOR_RED, -1);
	init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
}

static void on_keys(uv_poll_t *h, int status, int events)
{
	struct ui *ui = h->data;
	wint_t ch;
	int keys = 0, avail = 0;
	/* ncurses reads the bytes of one key at a time; drain what is
	 * there, a bounded number of keys per wakeup. */
	for (; keys < 512 && !ui->quit && status == 0; keys++) {
		int kind = wget_wch(ui->win, &ch);
		if (kind == ERR)
			break;
		ui_key(ui, kind, ch);
	}
	/* Readable again and again with nothing to read: the terminal hung
	 * up.  Polling it on would spin, so the program ends as on SIGHUP. */
	if (keys || ioctl(STDIN_FILENO, FIONREAD, &avail) != 0 || avail)
		ui->empty_wakeups = 0;
	else
		ui->empty_wakeups++;
	if (status < 0 || (events & UV_DISCONNECT) || ui->empty_wakeups > 100) {
		ui->quit = true;
		uv_stop(&ui->loop);
	}
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct ui *ui = h->data;
	if (signum == SIGWINCH) {
		ui_term_resize(ui);
		return;
	}
	ui->quit = true;
	uv_stop(&ui->loop);
}

void ui_term_resize(struct ui *ui)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row &&
	    ws.ws_col) {
		resizeterm(ws.ws_row, ws.ws_col);
		wresize(ui->win, ws.ws_row, ws.ws_col);
	}
	getmaxyx(ui->win, ui->rows, ui->cols);
	clearok(ui->win, true);
	ui_draw(ui);
}

static void signal_start(struct ui *ui, uv_signal_t *s, int signum)
{
	uv_signal_init(&ui->loop, s);
	s->data = ui;
	uv_signal_start(s, on_signal, signum);
}

int ui_term_open(struct ui *ui, char *err)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, SK_ERRLEN,
			 "needs a terminal on stdin and stdout");
		return -ENOTTY;
	}
	setlocale(LC_ALL, "");
	ui->scr = newterm(NULL, stdout, stdin);
	if (!ui->scr) {
		snprintf(err, SK_ERRLEN, "cannot use terminal type '%s'",
			 getenv("TERM") ? getenv("TERM") : "");
		return -ENOTTY;
	}
	raw();
	noecho();
	nonl();
	set_escdelay(25);
	curs_set(1);
	ui->win = newwin(0, 0, 0, 0);
	keypad(ui->win, true);
	nodelay(ui->win, true);
	colors_init(ui);
	getmaxyx(ui->win, ui->rows, ui->cols);

	uv_poll_init(&ui->loop, &ui->keys, STDIN_FILENO);
	ui->keys.data = ui;
	uv_poll_start(&ui->keys, UV_READABLE, on_keys);
	signal_start(ui, &ui->sigwinch, SIGWINCH);
	signal_start(ui, &ui->sigterm, SIGTERM);
	signal_start(ui, &ui->sighup, SIGHUP);
	signal_start(ui, &ui->sigint, SIGINT);
	return 0;
}

void ui_term_close(struct ui *ui)
{
	if (!ui->scr)
		return;
	werase(ui->win);
	wnoutrefresh(ui->win);
	doupdate();
	endwin();
	delwin(ui->win);
	delscreen(ui->scr);
	ui->scr = NULL;
}
