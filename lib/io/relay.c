/* One connection relayed with an input and an output fd (sockit/relay.h).
 * The relay frees itself once its timers have closed, which is after
 * on_end: everything that runs after an end inside one call (a write that
 * failed while a line was going out) can still look at r->done. */
#include "sockit/relay.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockit/bytes.h"
#include "sockit/conn.h"
#include "sockit/error.h"
#include "sockit/fdio.h"
#include "sockit/lines.h"
#include "sockit/responder.h"

#define CRLF_PART (64 * 1024)

struct sk_relay {
	uv_loop_t *loop;
	struct sk_relay_opts o;
	struct sk_relay_cbs cbs;
	void *data;
	struct sk_conn *conn;
	struct sk_fdin *in;
	uv_timer_t quit; /* quit_ms after the input's end, or wait_reply_ms */
	uv_timer_t idle; /* idle_ms: watches the byte counters */
	int timers_open;
	uint64_t idle_bytes, idle_since;
	bool done, last_cr;
	bool in_done, peer_eof, end_when_drained;
	bool sending_file; /* the input goes out with sendfile */
	bool input_is_file; /* a regular file: its end comes without waiting */
	uint64_t line_no;
	struct sk_responder resp; /* message mode: echo plus the suffix */
	uint64_t rx, tx; /* the counters at the end, once conn is gone */
};

static void timer_closed(uv_handle_t *h)
{
	struct sk_relay *r = h->data;
	if (--r->timers_open == 0)
		free(r);
}

/* Closing with unread bytes makes the kernel send a reset, which can
 * destroy what the peer has not read yet: a relay that ends without
 * waiting for the peer drops what already arrived first. */
static void drop_unread(struct sk_relay *r)
{
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)sk_conn_stream(r->conn), &fd) < 0)
		return;
	uint8_t sink[4096];
	while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0)
		;
}

static void end(struct sk_relay *r, struct sk_relay_result *res)
{
	if (r->done)
		return;
	r->done = true;
	if (r->o.end_at_input_end)
		drop_unread(r);
	r->rx = res->rx = sk_conn_rx(r->conn) + r->o.received_len;
	r->tx = res->tx = sk_conn_tx(r->conn);
	sk_conn_close(r->conn);
	sk_fdin_close(r->in);
	r->in = NULL;
	uv_close((uv_handle_t *)&r->quit, timer_closed);
	uv_close((uv_handle_t *)&r->idle, timer_closed);
	r->cbs.on_end(r->data, res);
}

static void finish(struct sk_relay *r, enum sk_relay_end why, int code,
		   const char *msg)
{
	struct sk_relay_result res = { .why = why, .code = code, .msg = msg };
	end(r, &res);
}

/* Counters rather than callbacks: the zero-copy paths move bytes without
 * passing them through the relay, but they count them. */
static void on_idle_check(uv_timer_t *t)
{
	struct sk_relay *r = t->data;
	uint64_t bytes = sk_conn_rx(r->conn) + sk_conn_tx(r->conn);
	uint64_t now = uv_now(r->loop);
	if (bytes != r->idle_bytes) {
		r->idle_bytes = bytes;
		r->idle_since = now;
	} else if (now - r->idle_since >= r->o.idle_ms) {
		finish(r, SK_RELAY_IDLE, SK_ETIMEDOUT, NULL);
	}
}

static void on_quit(uv_timer_t *t)
{
	struct sk_relay *r = t->data;
	if (r->o.send && !sk_conn_rx(r->conn))
		finish(r, SK_RELAY_NO_REPLY, SK_ETIMEDOUT, NULL);
	else
		finish(r, SK_RELAY_QUIT, 0, NULL);
}

static void write_out(struct sk_relay *r, const uint8_t *p, size_t n)
{
	size_t max = r->o.datagram_max ? r->o.datagram_max : n;
	while (n && !r->done) {
		size_t part = n < max ? n : max;
		if (r->cbs.on_sent)
			r->cbs.on_sent(r->data, p, part);
		sk_conn_write(r->conn, p, part); /* a failure reaches on_error */
		p += part;
		n -= part;
	}
}

static void send_bytes(struct sk_relay *r, const uint8_t *p, size_t n)
{
	uint8_t conv[2 * CRLF_PART];
	while (r->o.crlf && n && !r->done) {
		size_t part = n > CRLF_PART ? CRLF_PART : n;
		write_out(r, conv, sk_lines_crlf(p, part, conv, &r->last_cr));
		p += part;
		n -= part;
	}
	if (n && !r->done)
		write_out(r, p, n);
}

static bool messages(const struct sk_relay *r)
{
	return r->o.hex_input || r->o.append;
}

static void pause_if_full(struct sk_relay *r)
{
	if (r->in && !r->done && sk_conn_queued(r->conn) > SK_RELAY_HIGH_MARK)
		sk_fdin_pause(r->in);
}

static void bad_input(struct sk_relay *r, int code, size_t offset)
{
	struct sk_relay_result res = { .why = SK_RELAY_BAD_INPUT,
				       .code = code };
	res.line = r->line_no;
	res.offset = offset;
	end(r, &res);
}

/* Message mode: one input line out as one message. */
static void in_line(void *data, const struct sk_line *line)
{
	struct sk_relay *r = data;
	r->line_no++;
	uint8_t msg[SK_RELAY_LINE_MAX + SK_APPEND_MAX];
	size_t len = line->len;
	if (r->o.hex_input) {
		size_t bad = 0;
		int rc =
		    sk_hex_decode((const char *)line->p, line->len, msg, &bad);
		if (rc < 0) {
			bad_input(r, rc, bad);
			return;
		}
		len = (size_t)rc;
	} else {
		memcpy(msg, line->p, line->len);
	}
	/* The responder echoes the line (the body is msg itself) and adds
	 * the suffix; appended here, the message goes out as one chunk. */
	struct sk_response out;
	if (sk_respond(&r->resp, msg, len, "", 0, 0, &out) > 0) {
		memcpy(msg + len, out.suffix, out.sn);
		len += out.sn;
	}
	sk_response_free(&out);
	if (len)
		send_bytes(r, msg, len);
	pause_if_full(r);
}

static void in_data(void *data, const uint8_t *p, size_t n)
{
	struct sk_relay *r = data;
	send_bytes(r, p, n);
	pause_if_full(r);
}

/* Ends once everything queued for the peer is in the kernel's hands. */
static void finish_when_drained(struct sk_relay *r)
{
	if (sk_conn_queued(r->conn) == 0)
		finish(r, SK_RELAY_DONE, 0, NULL);
	else
		r->end_when_drained = true;
}

static void input_done(struct sk_relay *r)
{
	r->in_done = true;
	if (r->peer_eof || r->o.end_at_input_end) {
		sk_conn_shutdown(r->conn);
		finish_when_drained(r);
		return;
	}
	if (!r->o.no_shutdown)
		sk_conn_shutdown(r->conn);
	if (r->o.send && r->o.wait_reply_ms)
		uv_timer_start(&r->quit, on_quit, r->o.wait_reply_ms, 0);
	else if (!r->o.send && r->o.quit_ms >= 0)
		uv_timer_start(&r->quit, on_quit, (uint64_t)r->o.quit_ms, 0);
}

static void in_end(void *data, int status)
{
	struct sk_relay *r = data;
	if (r->done)
		return;
	if (status < 0)
		finish(r, SK_RELAY_INPUT_ERROR, status, NULL);
	else
		input_done(r);
}

static void open_input(struct sk_relay *r)
{
	static const struct sk_fdin_cbs cbs = {
		.on_data = in_data,
		.on_line = in_line,
		.on_end = in_end,
	};
	int rc = -EBADF;
	if (r->o.in_fd >= 0)
		rc =
		    messages(r)
			? sk_fdin_open_lines(r->loop, r->o.in_fd,
					     SK_RELAY_LINE_MAX, &cbs, r, &r->in)
			: sk_fdin_open(r->loop, r->o.in_fd, &cbs, r, &r->in);
	if (rc == -EBADF) {
		/* No input (none, or closed): as if it ended. */
		r->in = NULL;
		input_done(r);
	} else if (rc) {
		r->in = NULL; /* a directory, say: ncat refuses it too */
		finish(r, SK_RELAY_INPUT_ERROR, rc, NULL);
	}
}

static void sendfile_done(struct sk_conn *c, int status)
{
	struct sk_relay *r = sk_conn_data(c);
	r->sending_file = false;
	if (status == -EINVAL)
		open_input(r); /* the kernel cannot: copy the usual way */
	else if (status < 0)
		finish(r, SK_RELAY_CONN_ERROR, status, sk_strerror(status));
	else
		input_done(r);
}

/* Nothing to show or transform: a file can go to the socket without
 * passing through this process. */
static bool zero_copy_in(const struct sk_relay *r)
{
	return !sk_conn_tls(r->conn) && !r->cbs.on_sent && !r->o.crlf &&
	       !r->o.send && !messages(r) && r->o.in_fd >= 0 &&
	       !r->o.datagram_max;
}

static void on_ready(struct sk_conn *c)
{
	struct sk_relay *r = sk_conn_data(c);
	if (r->cbs.on_ready)
		r->cbs.on_ready(r->data, sk_conn_tls(c));
	if (r->done)
		return;
	if (r->o.send) {
		send_bytes(r, r->o.send, r->o.send_len);
		if (!r->done)
			input_done(r);
		return;
	}
	if (zero_copy_in(r) &&
	    sk_conn_sendfile(c, r->o.in_fd, sendfile_done) == 0) {
		r->sending_file = true;
		return;
	}
	open_input(r);
}

static void deliver(struct sk_relay *r, const uint8_t *p, size_t n)
{
	int rc = 0;
	if (r->cbs.on_recv)
		rc = r->cbs.on_recv(r->data, p, n);
	else if (r->o.out_fd >= 0)
		rc = sk_fd_write_all(r->o.out_fd, p, n);
	if (rc == -EPIPE)
		finish(r, SK_RELAY_OUTPUT_CLOSED, rc, NULL);
	else if (rc < 0)
		finish(r, SK_RELAY_OUTPUT_ERROR, rc, NULL);
}

static void on_data(struct sk_conn *c, const uint8_t *p, size_t n)
{
	deliver(sk_conn_data(c), p, n);
}

/* nc -l sends what it has read from its input when the peer is done:
 * here, what the input has ready at that moment (bounded, as a writer may
 * never stop), read straight from the fd since the reader is closing. */
static void send_ready_input(struct sk_relay *r)
{
	uint8_t buf[64 * 1024];
	size_t total = 0;
	struct pollfd p = { .fd = r->o.in_fd, .events = POLLIN };
	while (!r->done && total < SK_RELAY_HIGH_MARK && poll(&p, 1, 0) == 1) {
		ssize_t n = read(r->o.in_fd, buf, sizeof buf);
		if (n <= 0)
			break; /* its end, or not readable after all */
		send_bytes(r, buf, (size_t)n);
		total += (size_t)n;
	}
}

static void on_eof(struct sk_conn *c)
{
	struct sk_relay *r = sk_conn_data(c);
	if (r->cbs.on_peer_eof)
		r->cbs.on_peer_eof(r->data);
	if (r->done)
		return;
	r->peer_eof = true;
	if (r->o.send && r->o.wait_reply_ms && !sk_conn_rx(c)) {
		finish(r, SK_RELAY_CLOSED_NO_REPLY, 0, NULL);
		return;
	}
	/* The peer may only have half-closed: what the input still has goes
	 * out first, unless a person at a terminal is typing. */
	if (r->in_done || (!r->in && !r->sending_file) ||
	    (r->in && sk_fdin_is_tty(r->in))) {
		finish_when_drained(r);
	} else if (r->o.end_at_peer_eof && !r->input_is_file) {
		/* What the input has ready goes out; the rest stays. */
		if (!messages(r))
			send_ready_input(r);
		sk_fdin_close(r->in);
		r->in = NULL;
		sk_conn_shutdown(r->conn);
		finish_when_drained(r);
	}
}

static void on_error(struct sk_conn *c, int code, const char *msg)
{
	struct sk_relay *r = sk_conn_data(c);
	if (code == -EPIPE && !strncmp(msg, "output:", 7))
		finish(r, SK_RELAY_OUTPUT_CLOSED, code, NULL); /* splice */
	else if (r->peer_eof)
		finish(r, SK_RELAY_PEER_RESET, code, msg);
	else
		finish(r, SK_RELAY_CONN_ERROR, code, msg);
}

static void on_drain(struct sk_conn *c)
{
	struct sk_relay *r = sk_conn_data(c);
	if (r->end_when_drained && sk_conn_queued(c) == 0)
		finish(r, SK_RELAY_DONE, 0, NULL);
	else if (r->in)
		sk_fdin_resume(r->in);
}

int sk_relay_new(uv_loop_t *loop, uv_stream_t *stream, struct sk_tls *tls,
		 const struct sk_relay_opts *opts,
		 const struct sk_relay_cbs *cbs, void *data,
		 struct sk_relay **out)
{
	static const struct sk_conn_cbs conn_cbs = {
		.on_ready = on_ready,
		.on_data = on_data,
		.on_eof = on_eof,
		.on_error = on_error,
		.on_drain = on_drain,
	};
	struct sk_relay *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	if (sk_conn_new(stream, tls, &conn_cbs, r, &r->conn)) {
		free(r);
		return -ENOMEM;
	}
	r->loop = loop;
	r->o = *opts;
	r->cbs = *cbs;
	r->data = data;
	r->resp = (struct sk_responder){ .echo = true, .append = opts->append };
	uv_timer_init(loop, &r->quit);
	uv_timer_init(loop, &r->idle);
	r->quit.data = r->idle.data = r;
	r->timers_open = 2;
	struct stat st;
	r->input_is_file = opts->in_fd >= 0 && fstat(opts->in_fd, &st) == 0 &&
			   S_ISREG(st.st_mode);
	*out = r;
	return 0;
}

void sk_relay_start(struct sk_relay *r)
{
	if (r->o.idle_ms) {
		uint64_t every = r->o.idle_ms / 8 > 10 ? r->o.idle_ms / 8 : 10;
		r->idle_since = uv_now(r->loop);
		uv_timer_start(&r->idle, on_idle_check, every, every);
	}
	/* Nothing to show: received bytes may skip this process. */
	if (!sk_conn_tls(r->conn) && !r->cbs.on_recv && r->o.out_fd >= 0 &&
	    !r->o.datagram_max)
		sk_conn_splice_out(r->conn, r->o.out_fd); /* or on_data */
	if (r->o.received_len) {
		deliver(r, r->o.received, r->o.received_len);
		if (r->done)
			return;
	}
	int rc = sk_conn_start(r->conn);
	if (rc && !r->done)
		finish(r, SK_RELAY_CONN_ERROR, rc, sk_strerror(rc));
}

void sk_relay_stop(struct sk_relay *r)
{
	finish(r, SK_RELAY_STOPPED, 0, NULL);
}

uint64_t sk_relay_rx(const struct sk_relay *r)
{
	return r->done ? r->rx : sk_conn_rx(r->conn) + r->o.received_len;
}

uint64_t sk_relay_tx(const struct sk_relay *r)
{
	return r->done ? r->tx : sk_conn_tx(r->conn);
}
