/* TCP server mode on the library's server engine (sockit/server.h): many
 * clients on Local, a list of them beside the receive pane, and sends to
 * the client that Remote names by id, or to all of them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockit/parse.h"
#include "ui.h"

static void on_ready(void *data, struct sk_server_client *c)
{
	struct ui *ui = data;
	ui_note(ui, "client %u %s joined", sk_server_client_id(c),
		sk_server_client_addr(c));
	ui_server_state(ui);
}

static void on_refuse(void *data, const char *addr, enum sk_server_refusal why,
		      const char *detail)
{
	struct ui *ui = data;
	(void)why;
	ui->n.errors++;
	ui_note(ui, "%s refused: %s", addr, detail);
}

static void on_data(void *data, struct sk_server_client *c, const uint8_t *p,
		    size_t n)
{
	struct ui *ui = data;
	const struct sk_peer *peer = sk_server_client_peer(c);
	struct sk_addr from = { .len = peer->addrlen };
	memcpy(&from.ss, &peer->addr, peer->addrlen);
	ui_received(ui, sk_server_client_addr(c), &from, p, n, n);
}

static void on_leave(void *data, struct sk_server_client *c,
		     enum sk_server_leave why, const char *detail)
{
	struct ui *ui = data;
	if (why == SK_SERVER_ERROR || why == SK_SERVER_SLOW)
		ui->n.errors++;
	if (why != SK_SERVER_STOPPED)
		ui_note(ui, "client %u %s left: %s", sk_server_client_id(c),
			sk_server_client_addr(c), detail);
	ui_server_state(ui);
}

static void on_accept_error(void *data, int status, uint64_t dropped)
{
	struct ui *ui = data;
	ui->n.errors++;
	ui_status(ui, true, "accept: %s (%llu dropped)", sk_strerror(status),
		  (unsigned long long)dropped);
}

static const struct sk_server_cbs cbs = {
	.on_ready = on_ready,
	.on_refuse = on_refuse,
	.on_data = on_data,
	.on_leave = on_leave,
	.on_accept_error = on_accept_error,
};

void ui_server_state(struct ui *ui)
{
	char where[SK_ADDRSTRLEN * 2] = "";
	const struct sk_listener *l =
	    ui->server ? sk_server_listener(ui->server) : NULL;
	if (l)
		sk_listener_format(l, where, sizeof where);
	snprintf(ui->state, sizeof ui->state,
		 "TCP server on %s, %zu clients, sending to %s", where,
		 ui->server ? sk_server_count(ui->server) : 0,
		 ui->target ? "one client" : "all");
	ui_dirty(ui);
}

/* Remote, in server mode: empty or "all", or a client's id. */
int ui_server_target(struct ui *ui)
{
	char text[64];
	ui_edit_utf8(&ui->edit[UI_F_REMOTE], text, sizeof text);
	uint64_t id = 0;
	if (text[0] && strcmp(text, "all") &&
	    sk_parse_u64(text, 1, 1000000000, &id) < 0) {
		ui_status(ui, true,
			  "Remote: '%s': a server sends to a client id "
			  "(the list on the right) or to all",
			  text);
		return SK_EBADNUMBER;
	}
	ui->target = (unsigned)id;
	if (ui->server)
		ui_server_state(ui);
	return 0;
}

int ui_server_open(struct ui *ui)
{
	char text[UI_EDIT_MAX], err[SK_ERRLEN];
	struct sk_endpoint ep;
	snprintf(ui->state, sizeof ui->state, "TCP server: closed");
	int rc = ui_server_target(ui);
	if (rc < 0)
		return rc;
	ui_edit_utf8(&ui->edit[UI_F_LOCAL], text, sizeof text);
	rc = sk_endpoint_parse(text[0] ? text : ":0", "tcp", &ep, err);
	if (rc < 0) {
		ui_status(ui, true, "Local: %s", err);
		return rc;
	}
	struct sk_server_opts o = { .mode = SK_SERVER_RECEIVE, .keep = true };
	struct sk_listen_opts lo = { .family = ui->family };
	rc = sk_server_new(&ui->loop, &o, &cbs, ui, &ui->server);
	if (rc < 0) {
		ui_status(ui, true, "server: %s", sk_strerror(rc));
		return rc;
	}
	rc = sk_server_listen(ui->server, &ep, &lo, err);
	if (rc < 0) {
		ui_status(ui, true, "Local: %s", err);
		ui_server_close(ui);
		return rc;
	}
	ui_server_state(ui);
	char where[SK_ADDRSTRLEN * 2];
	sk_listener_format(sk_server_listener(ui->server), where, sizeof where);
	ui_status(ui, false, "listening on %s", where);
	return 0;
}

/* A stopped server is freed only once the loop has closed its handles:
 * at exit, with the others retired before it. */
void ui_server_close(struct ui *ui)
{
	if (!ui->server)
		return;
	sk_server_stop(ui->server);
	struct sk_server **v =
	    realloc(ui->retired, (ui->nretired + 1) * sizeof *v);
	if (v) {
		ui->retired = v;
		ui->retired[ui->nretired++] = ui->server;
	}
	ui->server = NULL;
}

void ui_server_free_retired(struct ui *ui)
{
	for (size_t i = 0; i < ui->nretired; i++)
		sk_server_free(ui->retired[i]);
	free(ui->retired);
	ui->retired = NULL;
	ui->nretired = 0;
}

int ui_server_send(struct ui *ui, const struct sk_addr *to, const uint8_t *m,
		   size_t len, char *who, size_t whocap, size_t *copies)
{
	if (!ui->server) {
		ui_status(ui, true, "not listening: fix Local and press Enter");
		return -ENOTCONN;
	}
	unsigned id = ui->target;
	if (to) {
		struct sk_server_client *c =
		    sk_server_client_at(ui->server, (const struct sockaddr *)&to->ss);
		if (!c)
			return -ENOTCONN;
		id = sk_server_client_id(c);
	}
	*copies = 1;
	if (!id) {
		*copies = sk_server_send_all(ui->server, m, len);
		snprintf(who, whocap, "all (%zu clients)", *copies);
		if (!*copies) {
			ui_status(ui, true, "no clients to send to");
			return -ENOTCONN;
		}
		return (int)len;
	}
	struct sk_server_client *c = sk_server_client(ui->server, id);
	snprintf(who, whocap, "%s", c ? sk_server_client_addr(c) : "");
	if (!c) {
		ui_status(ui, true,
			  "no client %u (Remote names a client id, or all)",
			  id);
		return -ENOTCONN;
	}
	int rc = sk_server_send(ui->server, id, m, len);
	return rc < 0 ? rc : (int)len;
}
