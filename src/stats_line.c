/* The live --stats line (stats_line.h). */
#include "stats_line.h"

#include <stdio.h>

#include "sockit/progress.h"
#include "status.h"

void stats_read_peers(void *ctx, struct stats_totals *t)
{
	const struct sk_peers *peers = ctx;
	struct sk_peer sum;
	sk_peers_total(peers, &sum);
	*t = (struct stats_totals){ .peers = peers->n,
				    .rx_bytes = sum.rx_bytes,
				    .rx_msgs = sum.rx_msgs,
				    .tx_bytes = sum.tx_bytes,
				    .tx_msgs = sum.tx_msgs };
}

/* "rx 1520 dgrams 45.2 KiB 38.0 KiB/s" */
static void side(char *out, size_t cap, const char *dir, uint64_t msgs, uint64_t bytes,
		 uint64_t rate, const char *unit)
{
	char size[32], r[40], count[48] = "";
	sk_size_format(bytes, size, sizeof size);
	sk_rate_format(rate, 1000, "B", r, sizeof r);
	if (unit)
		snprintf(count, sizeof count, "%llu %s ", (unsigned long long)msgs, unit);
	snprintf(out, cap, "%s %s%s %s", dir, count, size, r);
}

static void on_tick(uv_timer_t *h)
{
	struct stats_line *l = h->data;
	struct stats_totals t;
	l->read(l->ctx, &t);
	uint64_t now = uv_now(h->loop);
	/* Rates over the last whole second: steadier than per tick, and
	 * still current. */
	if (now - l->mark_ms >= 1000) {
		uint64_t ms = now - l->mark_ms;
		l->rx_rate = (t.rx_bytes - l->mark.rx_bytes) * 1000 / ms;
		l->tx_rate = (t.tx_bytes - l->mark.tx_bytes) * 1000 / ms;
		l->mark = t;
		l->mark_ms = now;
	}
	char peers[32] = "", rx[SK_PROGRESSLEN], tx[SK_PROGRESSLEN], line[3 * SK_PROGRESSLEN];
	if (l->unit && l->read == stats_read_peers)
		snprintf(peers, sizeof peers, "%llu peer%s | ", (unsigned long long)t.peers,
			 t.peers == 1 ? "" : "s");
	side(rx, sizeof rx, "rx", t.rx_msgs, t.rx_bytes, l->rx_rate, l->unit);
	side(tx, sizeof tx, "tx", t.tx_msgs, t.tx_bytes, l->tx_rate, l->unit);
	snprintf(line, sizeof line, "%s%s | %s", peers, rx, tx);
	status_set(line, false);
}

bool stats_line_start(struct stats_line *l, uv_loop_t *loop,
		      void (*read)(void *ctx, struct stats_totals *t), void *ctx,
		      const char *unit)
{
	*l = (struct stats_line){ .read = read, .ctx = ctx, .unit = unit };
	if (!status_begin())
		return false;
	l->mark_ms = uv_now(loop);
	uv_timer_init(loop, &l->timer);
	l->timer.data = l;
	uv_timer_start(&l->timer, on_tick, 0, 100);
	uv_unref((uv_handle_t *)&l->timer);
	return true;
}

void stats_line_stop(struct stats_line *l)
{
	if (l->timer.data && !uv_is_closing((uv_handle_t *)&l->timer))
		uv_close((uv_handle_t *)&l->timer, NULL);
	status_end(false);
}
