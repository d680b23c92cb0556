/* sockit ui: the network debugging assistant as a full-screen terminal
 * program.  The state every ui_*.c file shares lives in struct ui; the
 * network side runs on the library's engines (sk_udp, sk_connect +
 * sk_conn), the terminal side on ncursesw loaded on first use
 * (lazy_curses.c), and both on one libuv loop. */
#ifndef SOCKIT_UI_H
#define SOCKIT_UI_H

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <wchar.h>

#include "sockit/append.h"
#include "sockit/connect.h"
#include "sockit/conn.h"
#include "sockit/endpoint.h"
#include "sockit/error.h"
#include "sockit/responder.h"
#include "sockit/rules.h"
#include "sockit/server.h"
#include "sockit/udp.h"
#include "sockit/udp_session.h"

enum ui_mode { UI_UDP, UI_TCP, UI_SERVER, UI_MODES };
/* GBK: the bytes read as GB18030 (a superset of GBK and GB2312), for
 * peers that send Chinese text from Windows. */
enum ui_view { UI_VIEW_TEXT, UI_VIEW_HEX, UI_VIEW_BOTH, UI_VIEW_GBK, UI_VIEWS };
/* A question on the status line: what to search for, where to save. */
enum ui_prompt { UI_P_NONE, UI_P_SEARCH, UI_P_SAVE };
enum ui_input { UI_IN_TEXT, UI_IN_HEX };

/* The fields Tab moves between, in screen order. */
enum ui_field {
	UI_F_MODE,
	UI_F_LOCAL,
	UI_F_REMOTE,
	UI_F_INPUT,
	UI_F_APPEND,
	UI_F_EVERY,
	UI_F_COUNT,
	UI_F_SEND,
	UI_FIELDS
};

/* A line being edited: wide characters, so the cursor moves by what the
 * user sees. */
#define UI_EDIT_MAX 4096
struct ui_edit {
	wchar_t s[UI_EDIT_MAX];
	size_t len, cur;
};

/* One message in the history: received (dir '<'), sent ('>'), or a
 * note about the connection ('*', data is the text). */
struct ui_msg {
	uint64_t seq;
	int64_t ms; /* wall clock, ms since the epoch */
	char dir;
	char who[SK_ADDRSTRLEN];
	size_t size; /* bytes on the wire (a cut datagram: more than len) */
	size_t len;  /* bytes kept in data */
	uint8_t *data;
};

/* The bounded history: a ring of at most cap messages and max_bytes of
 * data; the oldest go first, counted in dropped. */
struct ui_hist {
	struct ui_msg *v;
	size_t cap, n, head; /* head: index of the oldest */
	size_t bytes, max_bytes;
	uint64_t next_seq, dropped;
};

struct ui_counts {
	uint64_t rx_msgs, rx_bytes, tx_msgs, tx_bytes, errors;
};

#define UI_SENT_MAX 64

struct ui {
	uv_loop_t loop;
	WINDOW *win;
	SCREEN *scr;
	bool color;
	int rows, cols;
	uv_poll_t keys;
	uv_timer_t draw, rate, repeat;
	uv_signal_t sigwinch, sigterm, sighup, sigint;
	bool dirty, draw_pending, quit, help;
	unsigned empty_wakeups; /* stdin readable with nothing in it */

	enum ui_mode mode;
	enum ui_view view;
	enum ui_input input;
	enum ui_field focus;
	struct ui_edit edit[UI_FIELDS];
	enum ui_prompt prompt;
	struct ui_edit answer;
	iconv_t gbk;	 /* (iconv_t)-1 until the GBK view is first used */
	size_t append_i; /* index into ui_append_names */
	struct sk_append append;
	int family;

	/* UDP */
	struct sk_udp_session *udp;
	struct sk_addr to;   /* to.len 0: answer whoever spoke last */
	/* TCP client */
	struct sk_connect *connecting;
	struct sk_conn *conn;
	char peer[SK_ADDRSTRLEN];
	/* TCP server */
	struct sk_server *server;
	unsigned target;	    /* a client id; 0: all */
	struct sk_server **retired; /* stopped, freed at exit */
	size_t nretired;
	char state[160]; /* "UDP on 0.0.0.0:40000", "connected to ..." */

	/* --rules/--reply/--echo; Append is added when the answer is sent. */
	struct sk_responder resp;

	/* The repeat timer: what it sends, and how many remain. */
	uint8_t *rep_data;
	size_t rep_len;
	uint64_t rep_every_ms, rep_left, rep_total;
	bool rep_udp; /* the UDP session paces it, not the timer */

	/* What the send box sent, newest last, for Up/Down. */
	char *sent[UI_SENT_MAX];
	size_t nsent, recall; /* recall == nsent: not recalling */

	struct ui_hist hist;
	struct ui_counts n;
	uint64_t rate_rx_prev, rate_tx_prev;
	uint64_t rx_rate, tx_rate; /* bytes per second, last second */
	uint64_t view_end; /* 0: follow the newest; else one past the last seq
			      shown */

	char status[512];
	bool status_err;
	int status_code;
};

/* The choices of the Append field (ui_keys.c): the last one, "text",
 * only comes from --append TEXT. */
extern const char *const ui_append_names[];
#define UI_APPEND_CHOICES 5

/* ui_term.c: the terminal. */
int ui_term_open(struct ui *ui, char *err);
void ui_term_close(struct ui *ui);
void ui_term_resize(struct ui *ui);

/* ui_draw.c: the screen, redrawn at most every UI_DRAW_MS. */
#define UI_DRAW_MS 40
void ui_dirty(struct ui *ui);
void ui_draw(struct ui *ui);

/* ui_render.c: a message as screen text. */
size_t ui_render_text(const uint8_t *p, size_t n, char *out, size_t cap);
size_t ui_render_hex(const uint8_t *p, size_t n, char *out, size_t cap);
void ui_time(int64_t ms, char *buf, size_t cap);
/* GB18030 to UTF-8 (shown as ui_render_text shows it); bytes that are not
 * GB18030 are escaped.  cd converts GB18030 to UTF-8. */
size_t ui_render_gbk(iconv_t cd, const uint8_t *p, size_t n, char *out,
		     size_t cap);

/* ui_log.c: Ctrl-F and Ctrl-W. */
void ui_search(struct ui *ui, const char *text);
/* Saves the history to path: NDJSON when it ends in .json or .ndjson,
 * else text lines as the pane shows them. */
void ui_save(struct ui *ui, const char *path);

/* ui_hist.c */
int ui_hist_init(struct ui_hist *h, size_t cap, size_t max_bytes);
void ui_hist_free(struct ui_hist *h);
void ui_hist_clear(struct ui_hist *h);
/* Adds a copy of p[0..len); returns 0 or -ENOMEM. */
int ui_hist_add(struct ui_hist *h, char dir, const char *who, const uint8_t *p,
		size_t len, size_t size);
/* The message with this seq, or NULL when dropped or not yet there. */
const struct ui_msg *ui_hist_get(const struct ui_hist *h, uint64_t seq);
uint64_t ui_hist_first(const struct ui_hist *h);

/* ui_keys.c: what a key does. */
void ui_key(struct ui *ui, int kind, wint_t ch);

/* ui_edit.c */
void ui_edit_set(struct ui_edit *e, const char *utf8);
void ui_edit_utf8(const struct ui_edit *e, char *out, size_t cap);
bool ui_edit_key(struct ui_edit *e, int kind, wint_t ch);

/* ui_send.c: the send box and the repeat timer (UDP: the session's
 * pacing, ui_udp_repeat). */
void ui_send_box(struct ui *ui);
void ui_repeat_stop(struct ui *ui, const char *why);
/* A repeat's status: "repeating: 3 of 5 sent"; left copies to go. */
void ui_repeat_progress(struct ui *ui, uint64_t left);
/* The repeat sent its last copy. */
void ui_repeat_done(struct ui *ui);
/* Counts and records m[0..n) sent to who, copies times. */
void ui_sent(struct ui *ui, const char *who, const uint8_t *m, size_t n,
	     size_t copies);
/* Up (-1) / Down (+1) in the send box: the texts sent before. */
void ui_send_recall(struct ui *ui, int by);
void ui_send_free(struct ui *ui);
/* Sends bytes plus the append suffix through the current mode, counts
 * and records it (UDP: through the session's on_sent).  Returns 0 or a negative code (the status says why). */
int ui_send_bytes(struct ui *ui, const struct sk_addr *to, const uint8_t *p,
		  size_t n);

/* ui_net.c: the current mode's engine. */
int ui_net_open(struct ui *ui);
void ui_net_close(struct ui *ui);
void ui_net_apply(struct ui *ui); /* the address fields changed */
/* Counts and records a message received; answers it when rules are
 * loaded (to `from` for UDP). */
void ui_received(struct ui *ui, const char *who, const struct sk_addr *from,
		 const uint8_t *p, size_t len, size_t size);
void ui_note(struct ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ui_udp.c, ui_tcp.c */
int ui_udp_open(struct ui *ui);
void ui_udp_close(struct ui *ui);
/* Send one message m[0..len) (the suffix already added): UDP to `to`
 * when not NULL, else to Remote or the last sender; the server to the
 * client whose address is `to`, else to Remote's id or to all (*copies:
 * to how many).  Fill who with the destination; return len or a negative
 * code, the status saying why. */
int ui_udp_send(struct ui *ui, const struct sk_addr *to, const uint8_t *m,
		size_t len, char *who, size_t whocap);
/* Queues m[0..len) rep_total times (0: until stopped) every rep_every_ms
 * on the session; false with the status saying why. */
bool ui_udp_repeat(struct ui *ui, const uint8_t *m, size_t len);
int ui_tcp_open(struct ui *ui);
void ui_tcp_close(struct ui *ui);
int ui_tcp_send(struct ui *ui, const uint8_t *m, size_t len, char *who,
		size_t whocap);
int ui_server_open(struct ui *ui);
void ui_server_close(struct ui *ui);
void ui_server_free_retired(struct ui *ui);
void ui_server_state(struct ui *ui);
/* Reads Remote as the client to send to; the clients stay. */
int ui_server_target(struct ui *ui);
int ui_server_send(struct ui *ui, const struct sk_addr *to, const uint8_t *m,
		   size_t len, char *who, size_t whocap, size_t *copies);

/* The status line: one message, an error or not. */
void ui_status(struct ui *ui, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
