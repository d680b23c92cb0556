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

/* The bytes plus the Append suffix, malloc'd (*len: both). */
static uint8_t *with_suffix(struct ui *ui, const uint8_t *p, size_t n, size_t *len)
{
	uint8_t sfx[SK_APPEND_MAX];
	size_t sn = sk_append_suffix(&ui->append, p, n, sfx);
	uint8_t *m = malloc(n + sn + 1);
	if (!m)
		return NULL;
	memcpy(m, p, n);
	memcpy(m + n, sfx, sn);
	*len = n + sn;
	return m;
}

void ui_sent(struct ui *ui, const char *who, const uint8_t *m, size_t n,
	     size_t copies)
{
	ui->n.tx_msgs += copies;
	ui->n.tx_bytes += n * copies;
	ui_status(ui, false, "sent %zu bytes to %s", n, who);
	ui_hist_add(&ui->hist, '>', who, m, n, n);
	ui_dirty(ui);
}

int ui_send_bytes(struct ui *ui, const struct sk_addr *to, const uint8_t *p,
		  size_t n)
{
	size_t len, copies = 1;
	uint8_t *m = with_suffix(ui, p, n, &len);
	if (!m)
		return -ENOMEM;
	char who[SK_ADDRSTRLEN] = "";
	int rc;
	if (ui->mode == UI_UDP)
		rc = ui_udp_send(ui, to, m, len, who, sizeof who);
	else if (ui->mode == UI_TCP)
		rc = ui_tcp_send(ui, m, len, who, sizeof who);
	else
		rc = ui_server_send(ui, to, m, len, who, sizeof who, &copies);
	if (rc < 0) {
		ui->n.errors++;
		if (rc != -ENOTCONN)
			ui_status(ui, true, "send%s%s: %s",
				  who[0] ? " to " : "", who, sk_strerror(rc));
	} else if (ui->mode != UI_UDP) {
		ui_sent(ui, who, m, len, copies);
	}
	free(m);
	return rc < 0 ? rc : 0;
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
	uint8_t *buf;
	int rc = sk_text_decode(text, n,
				ui->input == UI_IN_HEX ? SK_TEXT_HEX : SK_TEXT_ESCAPES,
				&buf, &bad);
	if (rc == -ENOMEM)
		return NULL;
	if (rc < 0) {
		ui_status(ui, true, "send box: %s at column %zu%s",
			  sk_strerror(rc), bad + 1,
			  rc == SK_EBADHEX
			      ? " (hex is pairs of digits: 48 65 6c)"
			      : "");
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

void ui_repeat_progress(struct ui *ui, uint64_t left)
{
	if (ui->rep_total)
		ui_status(ui, false, "repeating: %" PRIu64 " of %" PRIu64 " sent (Esc stops)",
			  ui->rep_total - left, ui->rep_total);
	else
		ui_status(ui, false, "repeating: %" PRIu64 " sent (Esc stops)", ui->n.tx_msgs);
}

void ui_repeat_done(struct ui *ui)
{
	ui_status(ui, false, "sent %" PRIu64 " messages, every %" PRIu64 " ms", ui->rep_total,
		  ui->rep_every_ms);
	ui_repeat_stop(ui, NULL);
}

static void on_repeat(uv_timer_t *t)
{
	struct ui *ui = t->data;
	if (ui_send_bytes(ui, NULL, ui->rep_data, ui->rep_len) < 0) {
		ui_repeat_stop(ui, NULL);
		return;
	}
	if (ui->rep_total && !--ui->rep_left)
		ui_repeat_done(ui);
	else
		ui_repeat_progress(ui, ui->rep_left);
}

void ui_repeat_stop(struct ui *ui, const char *why)
{
	bool running = ui->rep_data != NULL || ui->rep_udp;
	uv_timer_stop(&ui->repeat);
	if (ui->rep_udp && ui->udp)
		sk_udp_session_unqueue(ui->udp);
	ui->rep_udp = false;
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
	ui->rep_every_ms = every;
	ui->rep_total = ui->rep_left = count;
	if (!every) {
		ui_send_bytes(ui, NULL, p, n);
	} else if (ui->mode == UI_UDP) {
		size_t len;
		uint8_t *m = with_suffix(ui, p, n, &len);
		/* The flag first: the first copy goes out inside the call. */
		ui->rep_udp = m != NULL;
		if (m && !ui_udp_repeat(ui, m, len))
			ui->rep_udp = false;
		free(m);
	} else {
		ui->rep_data = p;
		ui->rep_len = n;
		on_repeat(&ui->repeat);
		if (ui->rep_data)
			uv_timer_start(&ui->repeat, on_repeat, every, every);
		return;
	}
	free(p);
}
