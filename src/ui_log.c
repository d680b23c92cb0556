/* The history searched and saved: find an older message holding some
 * bytes, and write every kept message to a file, as text lines or as one
 * JSON object per message (time, direction, peer, length, the bytes in
 * hex: enough to replay or compare them). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockit/bytes.h"
#include "sockit/output.h"
#include "ui.h"

static bool has(const struct ui_msg *m, const uint8_t *needle, size_t n)
{
	return memmem(m->data, m->len, needle, n) ||
	       memmem(m->who, strlen(m->who), needle, n);
}

void ui_search(struct ui *ui, const char *text)
{
	size_t len = strlen(text), bad;
	uint8_t *needle = malloc(len + 1);
	if (!needle)
		return;
	int n = sk_unescape(text, len, needle, &bad);
	if (n <= 0) {
		ui_status(ui, true,
			  n ? "search: %s at column %zu" : "search: %s",
			  n ? sk_strerror(n) : "nothing to look for", bad + 1);
		free(needle);
		return;
	}
	const struct ui_hist *h = &ui->hist;
	uint64_t from = ui->view_end ? ui->view_end - 1 : h->next_seq;
	for (uint64_t seq = from; seq-- > ui_hist_first(h);) {
		const struct ui_msg *m = ui_hist_get(h, seq);
		if (m && m->dir != '*' && has(m, needle, (size_t)n)) {
			char t[16];
			ui_time(m->ms, t, sizeof t);
			ui->view_end = seq + 1;
			ui_status(ui, false,
				  "found at %s (Ctrl-F Enter: the next older"
				  " one; Ctrl-S: follow again)",
				  t);
			free(needle);
			return;
		}
	}
	ui_status(ui, true, "search: '%s' is not in the %s messages", text,
		  ui->view_end ? "older" : "kept");
	free(needle);
}

static void iso_time(int64_t ms, char *buf, size_t cap)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%03dZ", (int)(ms % 1000));
}

static int json_line(struct sk_str *s, const struct ui_msg *m)
{
	char t[40];
	iso_time(m->ms, t, sizeof t);
	const char *dir = m->dir == '<' ? "rx" : m->dir == '>' ? "tx" : "note";
	char *hex = malloc(2 * m->len + 1);
	if (!hex)
		return -ENOMEM;
	sk_hex_encode(m->data, m->len, hex, 2 * m->len + 1);
	int rc = sk_str_printf(
	    s, "{\"time\":\"%s\",\"dir\":\"%s\",\"peer\":", t, dir);
	if (rc >= 0)
		rc = sk_json_string(s, (const uint8_t *)m->who, strlen(m->who));
	if (rc >= 0)
		rc = sk_str_printf(
		    s, ",\"len\":%zu,\"size\":%zu,\"data\":", m->len, m->size);
	if (rc >= 0)
		rc = sk_json_string(s, m->data, m->len);
	if (rc >= 0)
		rc = sk_str_printf(s, ",\"hex\":\"%s\"}\n", hex);
	free(hex);
	return rc;
}

static int text_line(struct sk_str *s, const struct ui_msg *m)
{
	char t[16];
	ui_time(m->ms, t, sizeof t);
	if (m->dir == '*')
		return sk_str_printf(s, "%s * %.*s\n", t, (int)m->len,
				     (const char *)m->data);
	char *text = malloc(4 * m->len + 1);
	if (!text)
		return -ENOMEM;
	ui_render_text(m->data, m->len, text, 4 * m->len + 1);
	int rc = sk_str_printf(s, "%s %c %s %zu B: %s\n", t, m->dir, m->who,
			       m->size, text);
	free(text);
	return rc;
}

void ui_save(struct ui *ui, const char *path)
{
	size_t n = strlen(path);
	bool json = (n > 5 && !strcmp(path + n - 5, ".json")) ||
		    (n > 7 && !strcmp(path + n - 7, ".ndjson"));
	FILE *f = fopen(path, "w");
	if (!f) {
		ui_status(ui, true, "save %s: %s", path, strerror(errno));
		return;
	}
	struct sk_str s = { .max = 1u << 30 };
	const struct ui_hist *h = &ui->hist;
	uint64_t count = 0;
	int rc = 0;
	for (uint64_t seq = ui_hist_first(h); seq < h->next_seq && rc >= 0;
	     seq++) {
		sk_str_clear(&s);
		rc = json ? json_line(&s, ui_hist_get(h, seq))
			  : text_line(&s, ui_hist_get(h, seq));
		if (rc >= 0 && fwrite(s.p, 1, s.len, f) != s.len)
			rc = -errno;
		count++;
	}
	sk_str_free(&s);
	if (fclose(f) != 0 && rc >= 0)
		rc = -errno;
	if (rc < 0)
		ui_status(ui, true, "save %s: %s", path, sk_strerror(rc));
	else
		ui_status(ui, false, "saved %llu messages to %s%s",
			  (unsigned long long)count, path,
			  json ? " (NDJSON)" : "");
}
