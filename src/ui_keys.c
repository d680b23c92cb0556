/* What each key does.  Every action has a control key, so a terminal
 * without function keys (or a serial console) reaches all of them. */
#include <string.h>

#include "ui.h"

const char *const ui_append_names[] = {
	"none", "crc16-modbus", "crc32", "sum8", "xor8", "text",
};

#define KEY_CTRL(c) ((c)&0x1f)

static bool editable(enum ui_field f)
{
	return f == UI_F_LOCAL || f == UI_F_REMOTE || f == UI_F_EVERY ||
	       f == UI_F_COUNT || f == UI_F_SEND;
}

static void focus_move(struct ui *ui, int by)
{
	ui->focus =
	    (enum ui_field)(((int)ui->focus + by + UI_FIELDS) % UI_FIELDS);
}

static void cycle_append(struct ui *ui, int by)
{
	ui->append_i = (ui->append_i % UI_APPEND_CHOICES +
			(size_t)(by + UI_APPEND_CHOICES)) %
		       UI_APPEND_CHOICES;
	if (ui->append_i == 0)
		memset(&ui->append, 0, sizeof ui->append);
	else
		sk_append_parse(ui_append_names[ui->append_i], &ui->append,
				NULL);
	ui_status(ui, false, "append: %s", ui_append_names[ui->append_i]);
}

/* Left/Right/Space on a choice field. */
static void cycle(struct ui *ui, int by)
{
	switch (ui->focus) {
	case UI_F_MODE:
		ui->mode =
		    (enum ui_mode)(((int)ui->mode + by + UI_MODES) % UI_MODES);
		ui_net_apply(ui);
		break;
	case UI_F_INPUT:
		ui->input = ui->input == UI_IN_HEX ? UI_IN_TEXT : UI_IN_HEX;
		break;
	case UI_F_APPEND: cycle_append(ui, by); break;
	default: break;
	}
}

static void scroll_by(struct ui *ui, long by)
{
	const struct ui_hist *h = &ui->hist;
	uint64_t first = ui_hist_first(h),
		 end = ui->view_end ? ui->view_end : h->next_seq;
	if (by < 0)
		end = end - first > (uint64_t)-by ? end - (uint64_t)-by
						  : first + (h->n ? 1 : 0);
	else
		end += (uint64_t)by;
	ui->view_end = end >= h->next_seq ? 0 : end;
}

static void enter(struct ui *ui)
{
	switch (ui->focus) {
	case UI_F_SEND: ui_send_box(ui); break;
	case UI_F_REMOTE:
		/* A server's Remote picks a client: reopening would drop them.
		 */
		if (ui->mode == UI_SERVER) {
			ui_server_target(ui);
			break;
		}
		ui_net_apply(ui);
		break;
	case UI_F_MODE:
	case UI_F_LOCAL: ui_net_apply(ui); break;
	case UI_F_INPUT:
	case UI_F_APPEND: cycle(ui, 1); break;
	case UI_F_EVERY:
	case UI_F_COUNT: focus_move(ui, UI_F_SEND - ui->focus); break;
	default: break;
	}
}

static void clear_all(struct ui *ui)
{
	ui_hist_clear(&ui->hist);
	memset(&ui->n, 0, sizeof ui->n);
	ui->rate_rx_prev = ui->rate_tx_prev = ui->rx_rate = ui->tx_rate = 0;
	ui->view_end = 0;
	ui_status(ui, false, "history and counters cleared");
}

static void next_view(struct ui *ui)
{
	ui->view = (enum ui_view)((ui->view + 1) % UI_VIEWS);
	if (ui->view == UI_VIEW_GBK && ui->gbk == (iconv_t)-1)
		ui->gbk = iconv_open("UTF-8", "GB18030");
	if (ui->view == UI_VIEW_GBK && ui->gbk == (iconv_t)-1) {
		ui_status(ui, true,
			  "GBK view: iconv cannot convert GB18030 here");
		ui->view = UI_VIEW_TEXT;
	}
}

/* Keys while the status line asks something: Enter answers, Esc and
 * Ctrl-C cancel, the rest edits the answer. */
static void prompt_key(struct ui *ui, int kind, wint_t ch)
{
	if (kind == KEY_CODE_YES ? ch == KEY_ENTER
				 : (ch == '\r' || ch == '\n')) {
		char text[UI_EDIT_MAX * 4];
		ui_edit_utf8(&ui->answer, text, sizeof text);
		enum ui_prompt p = ui->prompt;
		ui->prompt = UI_P_NONE;
		if (p == UI_P_SEARCH)
			ui_search(ui, text);
		else if (!text[0])
			ui_status(ui, true, "save: no file name");
		else
			ui_save(ui, text);
	} else if (kind != KEY_CODE_YES &&
		   (ch == 0x1b || ch == KEY_CTRL('C'))) {
		ui->prompt = UI_P_NONE;
	} else {
		ui_edit_key(&ui->answer, kind, ch);
	}
}

static void quit(struct ui *ui)
{
	ui->quit = true;
	uv_stop(&ui->loop);
}

static bool function_key(struct ui *ui, wint_t ch)
{
	int page = ui->rows > 10 ? ui->rows - 10 : 1;
	switch (ch) {
	case KEY_F(1): ui->help = true; return true;
	case KEY_BTAB: focus_move(ui, -1); return true;
	case KEY_PPAGE: scroll_by(ui, -page); return true;
	case KEY_NPAGE: scroll_by(ui, page); return true;
	case KEY_RESIZE: ui_term_resize(ui); return true;
	case KEY_ENTER: enter(ui); return true;
	case KEY_UP:
	case KEY_DOWN:
		if (ui->focus != UI_F_SEND)
			return false;
		ui_send_recall(ui, ch == KEY_UP ? -1 : 1);
		return true;
	case KEY_LEFT:
	case KEY_RIGHT:
		if (editable(ui->focus))
			return false;
		cycle(ui, ch == KEY_LEFT ? -1 : 1);
		return true;
	default: return false;
	}
}

static bool control_key(struct ui *ui, wint_t ch)
{
	switch (ch) {
	case KEY_CTRL('G'): ui->help = true; return true;
	case '\t': focus_move(ui, 1); return true;
	case '\r':
	case '\n': enter(ui); return true;
	case 0x1b: ui_repeat_stop(ui, "stopped"); return true;
	case KEY_CTRL('X'):
		ui->input = ui->input == UI_IN_HEX ? UI_IN_TEXT : UI_IN_HEX;
		return true;
	case KEY_CTRL('A'): cycle_append(ui, 1); return true;
	case KEY_CTRL('V'): next_view(ui); return true;
	case KEY_CTRL('F'): ui->prompt = UI_P_SEARCH; return true;
	case KEY_CTRL('W'):
		ui->prompt = UI_P_SAVE;
		if (!ui->answer.len)
			ui_edit_set(&ui->answer, "sockit-ui.log");
		return true;
	case KEY_CTRL('S'):
		ui->view_end = ui->view_end ? 0 : ui->hist.next_seq;
		return true;
	case KEY_CTRL('P'): scroll_by(ui, -1); return true;
	case KEY_CTRL('N'): scroll_by(ui, 1); return true;
	case KEY_CTRL('L'): clear_all(ui); return true;
	case KEY_CTRL('O'): ui_net_apply(ui); return true;
	case KEY_CTRL('Q'):
	case KEY_CTRL('C'): quit(ui); return true;
	default: return false;
	}
}

void ui_key(struct ui *ui, int kind, wint_t ch)
{
	ui_dirty(ui);
	if (ui->help) {
		ui->help = false;
		return;
	}
	if (ui->prompt != UI_P_NONE) {
		prompt_key(ui, kind, ch);
		return;
	}
	if (kind == KEY_CODE_YES ? function_key(ui, ch) : control_key(ui, ch))
		return;
	if (editable(ui->focus))
		ui_edit_key(&ui->edit[ui->focus], kind, ch);
	else if (kind != KEY_CODE_YES && ch == ' ')
		cycle(ui, 1);
}
