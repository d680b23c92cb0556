/* TCP client mode on the library's connection API: sk_connect_start to
 * Remote (from Local when given), then an sk_conn for the bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static void on_data(struct sk_conn *c, const uint8_t *p, size_t n)
{
	struct ui *ui = sk_conn_data(c);
	ui_received(ui, ui->peer, NULL, p, n, n);
}

static void gone(struct ui *ui, struct sk_conn *c, const char *why)
{
	if (c != ui->conn)
		return;
	ui_repeat_stop(ui, "stopped: the connection is closed");
	snprintf(ui->state, sizeof ui->state,
		 "TCP client: %s (Ctrl-O reconnects)", why);
	ui_note(ui, "%s: %s", ui->peer, why);
	ui->conn = NULL;
	sk_conn_close(c);
}

static void on_eof(struct sk_conn *c)
{
	gone(sk_conn_data(c), c, "closed by the peer");
}

static void on_error(struct sk_conn *c, int code, const char *msg)
{
	struct ui *ui = sk_conn_data(c);
	(void)code;
	if (c == ui->conn) {
		ui->n.errors++;
		ui_status(ui, true, "%s: %s", ui->peer, msg);
	}
	gone(ui, c, "connection lost");
}

static const struct sk_conn_cbs cbs = {
	.on_data = on_data,
	.on_eof = on_eof,
	.on_error = on_error,
};

static void on_connected(const struct sk_connect_result *res, void *data)
{
	struct ui *ui = data;
	ui->connecting = NULL;
	if (res->status < 0) {
		ui->n.errors++;
		snprintf(ui->state, sizeof ui->state,
			 "TCP client: not connected (Ctrl-O retries)");
		ui_status(ui, true, "connect %s", res->err);
		ui_note(ui, "connect %s", res->err);
		return;
	}
	char local[SK_ADDRSTRLEN];
	sk_sockaddr_format((const struct sockaddr *)&res->peer, true, ui->peer,
			   sizeof ui->peer);
	sk_sockaddr_format((const struct sockaddr *)&res->local, true, local,
			   sizeof local);
	int rc = sk_conn_new(res->stream, NULL, &cbs, ui, &ui->conn);
	if (rc == 0)
		rc = sk_conn_start(ui->conn);
	if (rc < 0) {
		if (ui->conn)
			sk_conn_close(ui->conn);
		else
			sk_stream_close(res->stream);
		ui->conn = NULL;
		ui_status(ui, true, "%s: %s", ui->peer, sk_strerror(rc));
		return;
	}
	snprintf(ui->state, sizeof ui->state, "TCP client: connected %s -> %s",
		 local, ui->peer);
	ui_status(ui, false, "connected to %s", ui->peer);
	ui_note(ui, "connected %s -> %s", local, ui->peer);
}

/* Local, when filled, is the source address and port of the connection. */
static int source(struct ui *ui, struct sk_connect_opts *o,
		  struct sk_endpoint *lep)
{
	char text[UI_EDIT_MAX], err[SK_ERRLEN];
	ui_edit_utf8(&ui->edit[UI_F_LOCAL], text, sizeof text);
	if (!text[0])
		return 0;
	int rc = sk_endpoint_parse(text, "tcp", lep, err);
	if (rc == 0 && lep->kind != SK_ENDPOINT_INET) {
		snprintf(err, sizeof err, "%.200s: TCP needs [ADDR]:PORT",
			 text);
		rc = SK_EBADENDPOINT;
	}
	if (rc < 0) {
		ui_status(ui, true, "Local: %s", err);
		return rc;
	}
	o->source = lep->host[0] ? lep->host : NULL;
	o->source_port = lep->port;
	return 0;
}

int ui_tcp_open(struct ui *ui)
{
	char text[UI_EDIT_MAX], err[SK_ERRLEN];
	struct sk_endpoint ep, lep;
	struct sk_connect_opts o = { .family = ui->family,
				     .timeout_ms = 10000 };
	snprintf(ui->state, sizeof ui->state, "TCP client: not connected");
	ui_edit_utf8(&ui->edit[UI_F_REMOTE], text, sizeof text);
	if (!text[0]) {
		ui_status(ui, true, "Remote: a TCP client needs HOST:PORT");
		return SK_EBADENDPOINT;
	}
	int rc = sk_endpoint_parse(text, "tcp", &ep, err);
	if (rc < 0) {
		ui_status(ui, true, "Remote: %s", err);
		return rc;
	}
	if ((rc = source(ui, &o, &lep)) < 0)
		return rc;
	rc = sk_connect_start(&ui->loop, &ep, &o, on_connected, ui,
			      &ui->connecting, err);
	if (rc < 0) {
		ui_status(ui, true, "Remote: %s", err);
		return rc;
	}
	snprintf(ui->peer, sizeof ui->peer, "%.*s", (int)sizeof ui->peer - 1,
		 text);
	snprintf(ui->state, sizeof ui->state,
		 "TCP client: connecting to %.100s", text);
	ui_status(ui, false, "connecting to %s", text);
	return 0;
}

void ui_tcp_close(struct ui *ui)
{
	if (ui->connecting)
		sk_connect_cancel(ui->connecting);
	ui->connecting = NULL;
	if (ui->conn)
		sk_conn_close(ui->conn);
	ui->conn = NULL;
}

int ui_tcp_send(struct ui *ui, const uint8_t *m, size_t len, char *who,
		size_t whocap)
{
	if (!ui->conn) {
		ui_status(ui, true, "not connected: Ctrl-O connects to Remote");
		return -ENOTCONN;
	}
	snprintf(who, whocap, "%s", ui->peer);
	int rc = sk_conn_write(ui->conn, m, len);
	return rc < 0 ? rc : (int)len;
}
