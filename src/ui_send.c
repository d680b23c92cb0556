/* The send box: text with C escapes or hex bytes (the data notation of
 * every command, sockit/bytes.h), the Append suffix (sockit/append.h, the
 * code behind --append), sent once or every N ms for Count messages. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/bytes.h"
#include "sockit/parse.h"
#include "ui.h"

int ui_send_bytes(struct ui *ui, const struct sk_addr *to, const uint8_t *p,
		  size_t n)
{
	uint8_t sfx[SK_APPEND_MAX];
	size_t sn = sk_append_suffix(&ui->append, p, n, sfx), copies = 1;
	uint8_t *m = malloc(n + sn + 1);
	if (!m)
		return -ENOMEM;
	memcpy(m, p, n);
	memcpy(m + n, sfx, sn);
	char who[SK_ADDRSTRLEN] = "";
	int rc;
	if (ui->mode == UI_UDP)
		rc = ui_udp_send(ui, to, m, n + sn, who, sizeof who);
	else if (ui->mode == UI_TCP)
		rc = ui_tcp_send(ui, m, n + sn, who, sizeof who);
	else
		rc =
		    ui_server_send(ui, to, m, n + sn, who, sizeof who, &copies);
	if (rc < 0) {
		ui->n.errors++;
		if (rc != -ENOTCONN)
			ui_status(ui, true, "send%s%s: %s",
				  who[0] ? " to " : "", who, sk_strerror(rc));
		free(m);
		return rc;
	}
	ui->n.tx_msgs += copies;
	ui->n.tx_bytes += (n + sn) * copies;
	ui_status(ui, false, "sent %zu bytes to %s", n + sn, who);
	ui_hist_add(&ui->hist, '>', who, m, n + sn, n + sn);
	free(m);
	ui_dirty(ui);
	return 0;
}

/* Remembers the send box's text, unless it repeats the last one. */
static void remember(struct ui *ui, const char *text)
{
	if (ui->nsent && !strcmp(ui->sent[ui->nsent - 1], text)) {
		ui->recall = ui->nsent;
		return;
	}
	char *copy = strdup(text);
	if (!copy)
		return;
	if (ui->nsent == UI_SENT_MAX) {
		free(ui->sent[0]);
		memmove(ui->sent, ui->sent + 1,
			(UI_SENT_MAX - 1) * sizeof *ui->sent);
		ui->nsent--;
	}
	ui->sent[ui->nsent++] = copy;
	ui->recall = ui->nsent;
}

void ui_send_recall(struct ui *ui, int by)
{
	if (!ui->nsent)
		return;
	if (by < 0 && ui->recall > 0)
		ui->recall--;
	else if (by > 0 && ui->recall < ui->nsent)
		ui->recall++;
	ui_edit_set(&ui->edit[UI_F_SEND],
		    ui->recall < ui->nsent ? ui->sent[ui->recall] : "");
}

void ui_send_free(struct ui *ui)
{
	for (size_t i = 0; i < ui->nsent; i++)
		free(ui->sent[i]);
	ui->nsent = ui->recall = 0;
}

/* The send box as bytes (malloc'd), or NULL with the status saying why. */
static uint8_t *box_bytes(struct ui *ui, size_t *len)
{
	char text[UI_EDIT_MAX * 4];
	ui_edit_utf8(&ui->edit[UI_F_SEND], text, sizeof text);
	size_t n = strlen(text), bad = 0;
	if (!n) {
		ui_status(ui, true, "nothing to send: the send box is empty");
		return NULL;
	}
	uint8_t *buf = malloc(n + 1);
	if (!buf)
		return NULL;
	int rc = ui->input == UI_IN_HEX ? sk_hex_decode(text, n, buf, &bad)
					: sk_unescape(text, n, buf, &bad);
	if (rc < 0) {
		ui_status(ui, true, "send box: %s at column %zu%s",
			  sk_strerror(rc), bad + 1,
			  rc == SK_EBADHEX
			      ? " (hex is pairs of digits: 48 65 6c)"
			      : "");
		free(buf);
		return NULL;
	}
	*len = (size_t)rc;
	remember(ui, text);
	return buf;
}

/* Every (ms) and Count, read when a send starts; false with a status. */
static bool read_number(struct ui *ui, enum ui_field f, const char *name,
			uint64_t max, uint64_t *out)
{
	char text[64];
	ui_edit_utf8(&ui->edit[f], text, sizeof text);
	if (!text[0]) {
		*out = 0;
		return true;
	}
	if (sk_parse_u64(text, 0, max, out) < 0) {
		ui_status(ui, true,
			  "%s: '%s' is not a number from 0 to %" PRIu64, name,
			  text, max);
		return false;
	}
	return true;
}

static void on_repeat(uv_timer_t *t)
{
	struct ui *ui = t->data;
	uint64_t i = ui->rep_total - ui->rep_left + 1;
	if (ui_send_bytes(ui, NULL, ui->rep_data, ui->rep_len) < 0) {
		ui_repeat_stop(ui, NULL);
		return;
	}
	if (ui->rep_total)
		ui->rep_left--;
	if (ui->rep_total && !ui->rep_left) {
		ui_status(ui, false,
			  "sent %" PRIu64 " messages, every %" PRIu64 " ms",
			  ui->rep_total, ui->rep_every_ms);
		ui_repeat_stop(ui, NULL);
		return;
	}
	if (ui->rep_total)
		ui_status(ui, false,
			  "repeating: %" PRIu64 " of %" PRIu64
			  " sent (Esc stops)",
			  i, ui->rep_total);
	else
		ui_status(ui, false, "repeating: %" PRIu64 " sent (Esc stops)",
			  ui->n.tx_msgs);
}

void ui_repeat_stop(struct ui *ui, const char *why)
{
	bool running = ui->rep_data != NULL;
	uv_timer_stop(&ui->repeat);
	free(ui->rep_data);
	ui->rep_data = NULL;
	if (running && why)
		ui_status(ui, false, "repeat %s", why);
}

void ui_send_box(struct ui *ui)
{
	uint64_t every, count;
	if (!read_number(ui, UI_F_EVERY, "Every ms", 86400000, &every) ||
	    !read_number(ui, UI_F_COUNT, "Count", 1000000000, &count))
		return;
	size_t n;
	uint8_t *p = box_bytes(ui, &n);
	if (!p)
		return;
	ui_repeat_stop(ui, NULL);
	if (!every) {
		ui_send_bytes(ui, NULL, p, n);
		free(p);
		return;
	}
	ui->rep_data = p;
	ui->rep_len = n;
	ui->rep_every_ms = every;
	ui->rep_total = ui->rep_left = count;
	on_repeat(&ui->repeat);
	if (ui->rep_data)
		uv_timer_start(&ui->repeat, on_repeat, every, every);
}
