/* One-line editing for the ui's fields: wide characters, a cursor, and
 * the keys of every shell line (Home/End, Backspace, Delete, Ctrl-U). */
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "ui.h"

void ui_edit_set(struct ui_edit *e, const char *utf8)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	const char *src = utf8;
	size_t n = mbsrtowcs(e->s, &src, UI_EDIT_MAX - 1, &st);
	e->len = n == (size_t)-1 ? 0 : n;
	e->s[e->len] = L'\0';
	e->cur = e->len;
}

void ui_edit_utf8(const struct ui_edit *e, char *out, size_t cap)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t o = 0;
	for (size_t i = 0; i < e->len && o + MB_CUR_MAX < cap; i++) {
		size_t k = wcrtomb(out + o, e->s[i], &st);
		if (k != (size_t)-1)
			o += k;
	}
	out[o] = '\0';
}

/* Returns true when the key edited the line (or moved its cursor). */
bool ui_edit_key(struct ui_edit *e, int kind, wint_t ch)
{
	if (kind == KEY_CODE_YES) {
		switch (ch) {
		case KEY_LEFT:
			if (e->cur)
				e->cur--;
			return true;
		case KEY_RIGHT:
			if (e->cur < e->len)
				e->cur++;
			return true;
		case KEY_HOME: e->cur = 0; return true;
		case KEY_END: e->cur = e->len; return true;
		case KEY_BACKSPACE:
			if (!e->cur)
				return true;
			e->cur--;
			break;
		case KEY_DC:
			if (e->cur == e->len)
				return true;
			break;
		default: return false;
		}
		memmove(e->s + e->cur, e->s + e->cur + 1,
			(e->len - e->cur) * sizeof *e->s);
		e->len--;
		return true;
	}
	if (ch == 0x7f || ch == 0x08) /* Backspace sent as DEL or ^H */
		return ui_edit_key(e, KEY_CODE_YES, KEY_BACKSPACE);
	if (ch == 0x15) { /* ^U */
		e->len = e->cur = 0;
		e->s[0] = L'\0';
		return true;
	}
	if (!iswprint(ch) || e->len + 1 >= UI_EDIT_MAX)
		return false;
	memmove(e->s + e->cur + 1, e->s + e->cur,
		(e->len - e->cur + 1) * sizeof *e->s);
	e->s[e->cur++] = (wchar_t)ch;
	e->len++;
	return true;
}
