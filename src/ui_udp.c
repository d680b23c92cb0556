/* UDP mode on the library's datagram session (sockit/udp_session.h): bind
 * Local, send to Remote, or to whoever spoke last when Remote is empty. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "udp_common.h"
#include "ui.h"

/* Every datagram sent, copies of a repeat and answers included. */
static void on_sent(void *arg, const struct sockaddr *to, struct sk_peer *peer,
		    const uint8_t *p, size_t n, bool answer)
{
	struct ui *ui = arg;
	char who[SK_ADDRSTRLEN];
	(void)peer;
	(void)answer;
	sk_sockaddr_format(to, true, who, sizeof who);
	ui_sent(ui, who, p, n, 1);
	if (ui->rep_udp)
		ui_repeat_progress(ui, sk_udp_session_queued(ui->udp));
}

/* A repeat's copy could not be sent: the repeat stops. */
static void on_send_error(void *arg, struct sk_peer *peer, int code, bool answer)
{
	struct ui *ui = arg;
	(void)answer;
	ui->n.errors++;
	ui_repeat_stop(ui, NULL);
	ui_status(ui, true, "send to %s: %s", peer ? peer->name : "?", sk_strerror(code));
}

static void on_drained(void *arg)
{
	ui_repeat_done(arg);
}

static void on_dgram(void *arg, const struct sk_dgram *d, struct sk_peer *peer)
{
	struct ui *ui = arg;
	(void)peer;
	char who[SK_ADDRSTRLEN];
	sk_sockaddr_format(d->from, true, who, sizeof who);
	struct sk_addr from = { .len = d->fromlen };
	memcpy(&from.ss, d->from, d->fromlen);
	ui_received(ui, who, &from, d->data, d->len, d->size);
}

/* Local and Remote as typed: "" is any port / the last sender. */
static int resolve(struct ui *ui, struct sk_udp_ends *ends)
{
	char ltext[UI_EDIT_MAX], rtext[UI_EDIT_MAX], err[SK_ERRLEN];
	ui_edit_utf8(&ui->edit[UI_F_LOCAL], ltext, sizeof ltext);
	ui_edit_utf8(&ui->edit[UI_F_REMOTE], rtext, sizeof rtext);
	int rc = sk_udp_ends_parse(rtext, ltext, ui->family, ends, err);
	ui->to = ends->peer;
	if (rc)
		ui_status(ui, true, "%s: %s", ends->peer_failed ? "Remote" : "Local", err);
	return rc;
}

int ui_udp_open(struct ui *ui)
{
	struct sk_udp_ends ends;
	char err[SK_ERRLEN];
	snprintf(ui->state, sizeof ui->state, "UDP: closed");
	int rc = resolve(ui, &ends);
	if (rc < 0)
		return rc;
	const struct sk_addr *bind_addr = &ends.local;
	struct sk_udp_opts o = {
		.family = bind_addr->ss.ss_family,
		.v6only = ends.v6only,
		.reuse = true,
		.rcvbuf = UDP_RCVBUF_DEFAULT,
	};
	struct sk_udp *u;
	static const struct sk_udp_session_cbs cbs = {
		.on_recv = on_dgram,
		.on_sent = on_sent,
		.on_send_error = on_send_error,
		.on_drained = on_drained,
	};
	rc = sk_udp_new(&ui->loop, &o, (const struct sockaddr *)&bind_addr->ss,
			bind_addr->len, &u, err);
	if (rc == 0)
		rc = sk_udp_session_new(&ui->loop, u,
					&(struct sk_udp_session_opts){ .max_size = 65536, .each = true },
					&cbs, ui, &ui->udp, err);
	if (rc < 0) {
		ui_status(ui, true, "Local: %s", err);
		ui_udp_close(ui);
		return rc;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char local[SK_ADDRSTRLEN], remote[SK_ADDRSTRLEN] = "the last sender";
	sk_udp_local(sk_udp_session_udp(ui->udp), &ss, &len);
	sk_sockaddr_format((const struct sockaddr *)&ss, true, local,
			   sizeof local);
	if (ui->to.len)
		sk_sockaddr_format((const struct sockaddr *)&ui->to.ss, true,
				   remote, sizeof remote);
	snprintf(ui->state, sizeof ui->state, "UDP on %s, sending to %s", local,
		 remote);
	ui_status(ui, false, "listening on %s", local);
	return 0;
}

void ui_udp_close(struct ui *ui)
{
	if (!ui->udp)
		return;
	sk_udp_session_free(ui->udp);
	ui->udp = NULL;
}

/* Where a send goes: to when not NULL, else Remote, else whoever spoke
 * last; false with the status saying why when nowhere. */
static bool dest(struct ui *ui, const struct sk_addr *to, struct sk_addr *out)
{
	const struct sk_peer *last = ui->udp ? sk_udp_session_last(ui->udp) : NULL;
	if (!ui->udp) {
		ui_status(ui, true, "not open: fix Local or Remote and press Enter");
		return false;
	}
	if (to || ui->to.len) {
		*out = to ? *to : ui->to;
	} else if (last) {
		memcpy(&out->ss, &last->addr, last->addrlen);
		out->len = last->addrlen;
	} else {
		ui_status(ui, true, "no one to send to: fill Remote, or wait for a datagram");
		return false;
	}
	return true;
}

int ui_udp_send(struct ui *ui, const struct sk_addr *to, const uint8_t *m,
		size_t len, char *who, size_t whocap)
{
	struct sk_addr a;
	if (!dest(ui, to, &a))
		return -ENOTCONN;
	sk_sockaddr_format((const struct sockaddr *)&a.ss, true, who, whocap);
	return sk_udp_session_send(ui->udp, (const struct sockaddr *)&a.ss, a.len, m, len);
}

bool ui_udp_repeat(struct ui *ui, const uint8_t *m, size_t len)
{
	struct sk_addr a;
	if (!dest(ui, NULL, &a))
		return false;
	int rc = sk_udp_session_queue(ui->udp, (const struct sockaddr *)&a.ss, a.len, m, len,
				      ui->rep_total, ui->rep_every_ms);
	if (rc < 0)
		ui_status(ui, true, "send: %s", sk_strerror(rc));
	return rc == 0;
}
