/* The current mode's engine, behind one face: open, close, reopen when an
 * address or the mode changes, and what every mode does with a message it
 * receives (count, record, answer by the rules). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui.h"

void ui_status(struct ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	va_end(ap);
	ui->status_err = error;
	ui_dirty(ui);
}

void ui_note(struct ui *ui, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ui_hist_add(&ui->hist, '*', "", (const uint8_t *)text, strlen(text),
		    strlen(text));
	ui_dirty(ui);
}

int ui_net_open(struct ui *ui)
{
	switch (ui->mode) {
	case UI_UDP: return ui_udp_open(ui);
	case UI_TCP: return ui_tcp_open(ui);
	default: return ui_server_open(ui);
	}
}

void ui_net_close(struct ui *ui)
{
	ui_repeat_stop(ui, "stopped: the connection changed");
	ui_udp_close(ui);
	ui_tcp_close(ui);
	ui_server_close(ui);
}

void ui_net_apply(struct ui *ui)
{
	ui_net_close(ui);
	ui_net_open(ui);
	ui_dirty(ui);
}

/* The responder's answer to one message, sent back the way it came. */
static void answer(struct ui *ui, const char *who, const struct sk_addr *from,
		   const uint8_t *p, size_t len)
{
	struct sk_response out;
	int rc =
	    sk_respond(&ui->resp, p, len, who, time(NULL), SK_UDP_MAX_V4, &out);
	if (rc < 0)
		ui_status(ui, true, "rules: %s", sk_strerror(rc));
	else if (rc > 0)
		ui_send_bytes(ui, from, out.p, out.n);
	sk_response_free(&out);
}

void ui_received(struct ui *ui, const char *who, const struct sk_addr *from,
		 const uint8_t *p, size_t len, size_t size)
{
	ui->n.rx_msgs++;
	ui->n.rx_bytes += size;
	if (ui_hist_add(&ui->hist, '<', who, p, len, size) < 0)
		ui->n.errors++;
	if (ui->resp.rules || ui->resp.echo)
		answer(ui, who, from, p, len);
	ui_dirty(ui);
}
