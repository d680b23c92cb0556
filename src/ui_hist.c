/* The ui's history: a ring bounded in messages and in bytes.  A flood
 * must not grow memory without end, so the oldest messages go first and
 * are counted, and the screen says how many went. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui.h"

int ui_hist_init(struct ui_hist *h, size_t cap, size_t max_bytes)
{
	memset(h, 0, sizeof *h);
	h->v = calloc(cap, sizeof *h->v);
	if (!h->v)
		return -ENOMEM;
	h->cap = cap;
	h->max_bytes = max_bytes;
	h->next_seq = 1;
	return 0;
}

static void drop_oldest(struct ui_hist *h)
{
	struct ui_msg *m = &h->v[h->head];
	h->bytes -= m->len;
	free(m->data);
	m->data = NULL;
	h->head = (h->head + 1) % h->cap;
	h->n--;
	h->dropped++;
}

void ui_hist_clear(struct ui_hist *h)
{
	while (h->n)
		drop_oldest(h);
	/* Cleared on purpose: nothing was lost. */
	h->dropped = 0;
}

void ui_hist_free(struct ui_hist *h)
{
	ui_hist_clear(h);
	free(h->v);
	h->v = NULL;
}

int ui_hist_add(struct ui_hist *h, char dir, const char *who, const uint8_t *p,
		size_t len, size_t size)
{
	if (len > h->max_bytes)
		len = h->max_bytes;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, p, len);
	while (h->n && (h->n == h->cap || h->bytes + len > h->max_bytes))
		drop_oldest(h);
	struct ui_msg *m = &h->v[(h->head + h->n) % h->cap];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->seq = h->next_seq++;
	m->ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	m->dir = dir;
	snprintf(m->who, sizeof m->who, "%s", who);
	m->size = size;
	m->len = len;
	m->data = copy;
	h->n++;
	h->bytes += len;
	return 0;
}

uint64_t ui_hist_first(const struct ui_hist *h)
{
	return h->n ? h->v[h->head].seq : h->next_seq;
}

const struct ui_msg *ui_hist_get(const struct ui_hist *h, uint64_t seq)
{
	uint64_t first = ui_hist_first(h);
	if (seq < first || seq >= h->next_seq)
		return NULL;
	return &h->v[(h->head + (size_t)(seq - first)) % h->cap];
}
