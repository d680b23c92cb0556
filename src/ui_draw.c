/* The screen.  Events only mark it dirty; a one-shot timer draws at most
 * every UI_DRAW_MS, so a flood of datagrams costs counting, not drawing.
 *
 *   row 0        title: mode and connection state
 *   rows 1-2     the fields (Tab moves between them)
 *   rows 3..     the receive pane, newest at the bottom
 *   rows-4       the send box
 *   rows-3       counters;  rows-2 status;  rows-1 keys */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/hexdump.h"
#include "sockit/progress.h"
#include "ui.h"

enum { PAIR_RX = 1, PAIR_TX, PAIR_NOTE, PAIR_ERR, PAIR_BAR };

/* Bytes of one message shown at most; the rest is counted, not drawn. */
#define SHOW_MAX       2048
#define ENTRY_ROWS_MAX 48

static const char *const mode_names[] = { "UDP", "TCP client", "TCP server" };
static const char *const view_names[] = { "text", "hex", "text+hex", "gbk" };

static void on_draw(uv_timer_t *t)
{
	ui_draw(t->data);
}

void ui_dirty(struct ui *ui)
{
	ui->dirty = true;
	if (!ui->draw_pending && ui->scr) {
		ui->draw_pending = true;
		uv_timer_start(&ui->draw, on_draw, UI_DRAW_MS, 0);
	}
}

static void attr(struct ui *ui, bool on, int pair, attr_t fallback)
{
	attr_t a = ui->color && pair ? (attr_t)COLOR_PAIR(pair) : fallback;
	if (on)
		wattr_on(ui->win, a, NULL);
	else
		wattr_off(ui->win, a, NULL);
}

/* Writes UTF-8 text at (y, x), at most to the right edge. */
static void put(struct ui *ui, int y, int x, const char *s)
{
	if (y < 0 || y >= ui->rows || x >= ui->cols)
		return;
	wchar_t w[512];
	mbstate_t st;
	memset(&st, 0, sizeof st);
	const char *src = s;
	size_t n = mbsrtowcs(w, &src, 511, &st);
	if (n == (size_t)-1)
		return;
	int width = 0, room = ui->cols - x;
	size_t k = 0;
	for (; k < n; k++) {
		int cw = wcwidth(w[k]);
		if (cw < 0)
			cw = 1;
		if (width + cw > room)
			break;
		width += cw;
	}
	wmove(ui->win, y, x);
	waddnwstr(ui->win, w, (int)k);
}

static void bar(struct ui *ui, int y, const char *s)
{
	attr(ui, true, PAIR_BAR, A_REVERSE);
	wmove(ui->win, y, 0);
	for (int x = 0; x < ui->cols; x++)
		waddnstr(ui->win, " ", 1);
	put(ui, y, 0, s);
	attr(ui, false, PAIR_BAR, A_REVERSE);
}

/* A field's label and value; the focused one is shown reversed, and an
 * editable one leaves the cursor at its cursor.  Returns the next x. */
static int field(struct ui *ui, int y, int x, enum ui_field f,
		 const char *label, const char *value, int width, int *cx)
{
	put(ui, y, x, label);
	x += (int)strlen(label);
	bool focus = ui->focus == f && !ui->help;
	if (focus)
		wattr_on(ui->win, A_REVERSE, NULL);
	char pad[256];
	snprintf(pad, sizeof pad, "%-*.*s", width, width, value);
	const struct ui_edit *e = &ui->edit[f];
	if (f == UI_F_LOCAL || f == UI_F_REMOTE || f == UI_F_EVERY ||
	    f == UI_F_COUNT) {
		size_t start =
		    e->cur >= (size_t)width ? e->cur - (size_t)width + 1 : 0;
		struct ui_edit part = *e;
		memmove(part.s, e->s + start,
			(e->len - start + 1) * sizeof *e->s);
		part.len -= start;
		char text[UI_EDIT_MAX * 4];
		ui_edit_utf8(&part, text, sizeof text);
		snprintf(pad, sizeof pad, "%-*.*s", width, width, text);
		if (focus)
			*cx = x + (int)(e->cur - start);
	}
	put(ui, y, x, pad);
	if (focus)
		wattr_off(ui->win, A_REVERSE, NULL);
	return x + width + 2;
}

static void draw_fields(struct ui *ui, int *cx, int *cy)
{
	int x = 0, rw = ui->cols > 60 ? (ui->cols - 50) / 2 : 10;
	int before = *cx;
	x = field(ui, 1, x, UI_F_MODE, "Mode ", mode_names[ui->mode], 10, cx);
	x = field(ui, 1, x, UI_F_LOCAL, "Local ", "", rw, cx);
	field(ui, 1, x, UI_F_REMOTE,
	      ui->mode == UI_SERVER ? "To id|all " : "Remote ", "", rw, cx);
	if (*cx != before)
		*cy = 1;
	before = *cx;
	x = field(ui, 2, 0, UI_F_INPUT, "Input ",
		  ui->input == UI_IN_HEX ? "hex" : "text", 4, cx);
	x = field(ui, 2, x, UI_F_APPEND, "Append ",
		  ui_append_names[ui->append_i], 12, cx);
	x = field(ui, 2, x, UI_F_EVERY, "Every ms ", "", 7, cx);
	x = field(ui, 2, x, UI_F_COUNT, "Count ", "", 7, cx);
	char v[32];
	snprintf(v, sizeof v, "View %s", view_names[ui->view]);
	put(ui, 2, x, v);
	if (*cx != before)
		*cy = 2;
}

/* One message as UTF-8 text; '\n' separates the rows of the hexdump. */
static size_t entry_text(const struct ui *ui, const struct ui_msg *m, char *buf,
			 size_t cap)
{
	char t[16];
	ui_time(m->ms, t, sizeof t);
	if (m->dir == '*')
		return (size_t)snprintf(buf, cap, "%s * %.*s", t, (int)m->len,
					(const char *)m->data);
	size_t o =
	    (size_t)snprintf(buf, cap, "%s %c %s %zu B%s: ", t, m->dir, m->who,
			     m->size, m->size > m->len ? " (cut)" : "");
	size_t n = m->len < SHOW_MAX ? m->len : SHOW_MAX;
	if (ui->view == UI_VIEW_TEXT) {
		o += ui_render_text(m->data, n, buf + o, cap - o);
	} else if (ui->view == UI_VIEW_HEX) {
		o += ui_render_hex(m->data, n, buf + o, cap - o);
	} else if (ui->view == UI_VIEW_GBK && ui->gbk != (iconv_t)-1) {
		o += ui_render_gbk(ui->gbk, m->data, n, buf + o, cap - o);
	} else {
		buf[o++] = '\n';
		o += sk_hexdump(m->data, n, 0, buf + o, cap - o);
		/* Without its closing line, the bare end offset. */
		while (o && buf[o - 1] == '\n')
			buf[--o] = '\0';
		char *last = strrchr(buf, '\n');
		if (last && !strchr(last, ' '))
			*last = '\0', o = (size_t)(last - buf);
	}
	if (n < m->len && o < cap)
		o += (size_t)snprintf(buf + o, cap - o, " ... %zu more bytes",
				      m->len - n);
	return o < cap ? o : cap - 1;
}

struct span {
	size_t off, len;
};

/* Splits w into screen rows of at most cols columns. */
static size_t wrap(const wchar_t *w, size_t n, int cols, struct span *rows,
		   size_t max)
{
	size_t k = 0, start = 0;
	int width = 0;
	for (size_t i = 0; i <= n && k < max; i++) {
		int cw = i < n && w[i] != L'\n' ? wcwidth(w[i]) : 0;
		if (cw < 0)
			cw = 1;
		if (i == n || w[i] == L'\n' || width + cw > cols) {
			rows[k++] = (struct span){ start, i - start };
			start = i < n && w[i] == L'\n' ? i + 1 : i;
			width = 0;
			if (i == n)
				break;
		}
		if (i < n && w[i] != L'\n')
			width += cw;
	}
	return k;
}

static int dir_pair(char dir)
{
	return dir == '<' ? PAIR_RX : dir == '>' ? PAIR_TX : PAIR_NOTE;
}

static void draw_pane(struct ui *ui, int top, int height, int width)
{
	enum { CAP = SHOW_MAX * 4 + SK_HEXDUMP_SIZE(SHOW_MAX) + 512 };
	char *buf = malloc(CAP);
	wchar_t *w = malloc(CAP * sizeof *w);
	struct span rows[ENTRY_ROWS_MAX];
	if (!buf || !w) {
		free(buf);
		free(w);
		return;
	}
	uint64_t first = ui_hist_first(&ui->hist);
	uint64_t end = ui->view_end ? ui->view_end : ui->hist.next_seq;
	int y = top + height;
	for (uint64_t seq = end; seq > first && y > top; seq--) {
		const struct ui_msg *m = ui_hist_get(&ui->hist, seq - 1);
		entry_text(ui, m, buf, CAP);
		mbstate_t st;
		memset(&st, 0, sizeof st);
		const char *src = buf;
		size_t n = mbsrtowcs(w, &src, CAP - 1, &st);
		if (n == (size_t)-1)
			continue;
		size_t k = wrap(w, n, width, rows, ENTRY_ROWS_MAX);
		int pair = dir_pair(m->dir);
		attr_t fb = m->dir == '>' ? A_BOLD : m->dir == '*' ? A_DIM : 0;
		attr(ui, true, pair, fb);
		for (size_t r = k; r-- > 0 && y > top;) {
			y--;
			wmove(ui->win, y, 0);
			waddnwstr(ui->win, w + rows[r].off, (int)rows[r].len);
		}
		attr(ui, false, pair, fb);
	}
	free(buf);
	free(w);
	if (y > top && ui->hist.dropped) {
		char note[96];
		snprintf(note, sizeof note, "-- %llu older messages dropped --",
			 (unsigned long long)ui->hist.dropped);
		attr(ui, true, PAIR_NOTE, A_DIM);
		put(ui, y - 1, 0, note);
		attr(ui, false, PAIR_NOTE, A_DIM);
	}
}

/* The server's clients, by id, with their byte counters. */
static void draw_clients(struct ui *ui, int top, int height, int x)
{
	char line[96];
	size_t n = ui->server ? sk_server_count(ui->server) : 0;
	snprintf(line, sizeof line, "Clients: %zu  (id addr rx/tx B)", n);
	attr(ui, true, PAIR_NOTE, A_BOLD);
	put(ui, top, x, line);
	attr(ui, false, PAIR_NOTE, A_BOLD);
	if (!n)
		return;
	/* The engine lists the newest first; the oldest go on top. */
	struct sk_server_client **v = malloc(n * sizeof *v);
	if (!v)
		return;
	size_t k = n;
	for (struct sk_server_client *c = sk_server_first(ui->server); c && k;
	     c = sk_server_next(c))
		v[--k] = c;
	int rows = height - 1;
	for (size_t i = k; i < n && rows > 0; i++, rows--) {
		const struct sk_peer *p = sk_server_client_peer(v[i]);
		if (rows == 1 && i + 1 < n) {
			snprintf(line, sizeof line, "... and %zu more", n - i);
		} else {
			snprintf(line, sizeof line, "%u%s %s %llu/%llu",
				 sk_server_client_id(v[i]),
				 sk_server_client_id(v[i]) == ui->target ? "*"
									 : "",
				 sk_server_client_addr(v[i]),
				 (unsigned long long)p->rx_bytes,
				 (unsigned long long)p->tx_bytes);
		}
		put(ui, top + height - rows, x, line);
	}
	free(v);
}

static void draw_send(struct ui *ui, int y, int *cx, int *cy)
{
	const char *label = ui->input == UI_IN_HEX ? "Send hex> " : "Send> ";
	put(ui, y, 0, label);
	int x = (int)strlen(label), width = ui->cols - x - 1;
	if (width < 1)
		return;
	const struct ui_edit *e = &ui->edit[UI_F_SEND];
	size_t start = e->cur >= (size_t)width ? e->cur - (size_t)width + 1 : 0;
	bool focus = ui->focus == UI_F_SEND;
	if (focus)
		wattr_on(ui->win, A_UNDERLINE, NULL);
	wmove(ui->win, y, x);
	size_t n =
	    e->len - start < (size_t)width ? e->len - start : (size_t)width;
	waddnwstr(ui->win, e->s + start, (int)n);
	if (focus) {
		wattr_off(ui->win, A_UNDERLINE, NULL);
		*cx = x + (int)(e->cur - start);
		*cy = y;
	}
}

static void draw_prompt(struct ui *ui, int y, int *cx, int *cy)
{
	const char *label =
	    ui->prompt == UI_P_SEARCH
		? "Search (C escapes; Enter finds, Esc cancels): "
		: "Save to (.ndjson: JSON lines; Esc cancels): ";
	put(ui, y, 0, label);
	int x = (int)strlen(label), width = ui->cols - x - 1;
	if (width < 1)
		return;
	const struct ui_edit *e = &ui->answer;
	size_t start = e->cur >= (size_t)width ? e->cur - (size_t)width + 1 : 0;
	size_t n =
	    e->len - start < (size_t)width ? e->len - start : (size_t)width;
	wmove(ui->win, y, x);
	waddnwstr(ui->win, e->s + start, (int)n);
	*cx = x + (int)(e->cur - start);
	*cy = y;
}

static void draw_counts(struct ui *ui, int y)
{
	char rxr[32], txr[32], line[512];
	sk_rate_format(ui->rx_rate, 1000, "B", rxr, sizeof rxr);
	sk_rate_format(ui->tx_rate, 1000, "B", txr, sizeof txr);
	int o = snprintf(
	    line, sizeof line,
	    "RX %llu msgs %llu B %s  TX %llu msgs %llu B %s  errors %llu",
	    (unsigned long long)ui->n.rx_msgs,
	    (unsigned long long)ui->n.rx_bytes, rxr,
	    (unsigned long long)ui->n.tx_msgs,
	    (unsigned long long)ui->n.tx_bytes, txr,
	    (unsigned long long)ui->n.errors);
	if (ui->hist.dropped)
		snprintf(line + o, sizeof line - (size_t)o,
			 "  (%llu old dropped)",
			 (unsigned long long)ui->hist.dropped);
	put(ui, y, 0, line);
	if (ui->view_end)
		put(ui, y, ui->cols - 8, "[PAUSED]");
}

static const char *const help_lines[] = {
	"sockit ui: keys (any key closes this help)",
	"",
	"  F1, Ctrl-G        this help",
	"  Tab, Shift-Tab    next / previous field",
	"  Enter             in Send: send (every N ms, Count times, if Every)",
	"                    in Local/Remote/Mode: apply (reopen the socket)",
	"  Space, Left/Right in Mode, Input, Append: change the choice",
	"  Esc               stop a repeating send",
	"  Ctrl-X            send box: text (C escapes) / hex",
	"  Ctrl-A            append: none, crc16-modbus, crc32, sum8, xor8",
	"  Ctrl-V            view: text, hex, text+hex, GBK (GB18030 as text)",
	"  Ctrl-F            search the history (again: the next older match)",
	"  Ctrl-W            save the history (a .ndjson name: JSON lines)",
	"  Ctrl-S            pause / follow the receive pane",
	"  Ctrl-P, PgUp      scroll back;  Ctrl-N, PgDn  forward",
	"  Ctrl-L            clear the history and the counters",
	"  Ctrl-O            reopen the socket, reconnect (TCP client)",
	"  Server mode: Remote (To id|all) is a client's id, or all",
	"  Up, Down          in Send: the texts sent before",
	"  Ctrl-U            clear the field;  Home/End, Left/Right edit",
	"  Ctrl-Q, Ctrl-C    quit",
	"",
	"Text input takes C escapes: \\r \\n \\t \\0 \\\\ \\xHH.",
	"Hex input: 48 65 6c, 48656c, 0x48,0x65.",
};

static void draw_help(struct ui *ui)
{
	int n = (int)(sizeof help_lines / sizeof *help_lines);
	int y0 = ui->rows > n + 2 ? (ui->rows - n) / 2 : 0;
	for (int i = 0; i < n && y0 + i < ui->rows; i++) {
		wmove(ui->win, y0 + i, 0);
		wclrtoeol(ui->win);
		put(ui, y0 + i, 2, help_lines[i]);
	}
}

void ui_draw(struct ui *ui)
{
	ui->draw_pending = false;
	ui->dirty = false;
	if (!ui->scr)
		return;
	werase(ui->win);
	char title[256];
	snprintf(title, sizeof title, " sockit ui | %s", ui->state);
	bar(ui, 0, title);
	int cx = -1, cy = -1;
	if (ui->rows >= 8) {
		draw_fields(ui, &cx, &cy);
		int list = ui->mode == UI_SERVER && ui->cols >= 70 ? 34 : 0;
		draw_pane(ui, 3, ui->rows - 7, ui->cols - list);
		if (list)
			draw_clients(ui, 3, ui->rows - 7, ui->cols - list + 1);
		draw_send(ui, ui->rows - 4, &cx, &cy);
		draw_counts(ui, ui->rows - 3);
	}
	if (ui->prompt != UI_P_NONE) {
		draw_prompt(ui, ui->rows - 2, &cx, &cy);
	} else if (ui->status[0]) {
		attr(ui, true, ui->status_err ? PAIR_ERR : 0,
		     ui->status_err ? A_BOLD : 0);
		put(ui, ui->rows - 2, 0, ui->status);
		attr(ui, false, ui->status_err ? PAIR_ERR : 0,
		     ui->status_err ? A_BOLD : 0);
	}
	bar(ui, ui->rows - 1,
	    " F1/^G help  ^Q quit  Tab field  ^X hex  ^A append  ^V view"
	    "  ^S pause  ^P/^N scroll  ^F find  ^W save  ^L clear");
	if (ui->help)
		draw_help(ui);
	if (cx >= 0 && cy >= 0 && !ui->help)
		wmove(ui->win, cy, cx < ui->cols ? cx : ui->cols - 1);
	wnoutrefresh(ui->win);
	doupdate();
}
