/* The ncursesw functions `sockit ui` uses, loaded on first call (see
 * lazy.h): no other command pays for the terminal library at start-up.
 * The program uses no curses global variable (stdscr, LINES, COLS, acs_map):
 * those would link the library.  SK_SONAME_CURSES comes from the Makefile. */
#include "lazy.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>

static struct lazy_lib lib_curses = { SK_SONAME_CURSES, NULL };

SK_LAZY(lib_curses, SCREEN *, newterm, (const char *type, FILE *out, FILE *in),
	(type, out, in))
SK_LAZY_VOID(lib_curses, delscreen, (SCREEN * sp), (sp))
SK_LAZY(lib_curses, int, endwin, (void), ())
SK_LAZY(lib_curses, WINDOW *, newwin, (int rows, int cols, int y, int x),
	(rows, cols, y, x))
SK_LAZY(lib_curses, int, delwin, (WINDOW * win), (win))
SK_LAZY(lib_curses, int, wresize, (WINDOW * win, int rows, int cols),
	(win, rows, cols))
SK_LAZY(lib_curses, int, resizeterm, (int rows, int cols), (rows, cols))
SK_LAZY(lib_curses, int, raw, (void), ())
SK_LAZY(lib_curses, int, noecho, (void), ())
SK_LAZY(lib_curses, int, nonl, (void), ())
SK_LAZY(lib_curses, int, keypad, (WINDOW * win, bool on), (win, on))
SK_LAZY(lib_curses, int, nodelay, (WINDOW * win, bool on), (win, on))
SK_LAZY(lib_curses, int, set_escdelay, (int ms), (ms))
SK_LAZY(lib_curses, int, curs_set, (int vis), (vis))
SK_LAZY(lib_curses, bool, has_colors, (void), ())
SK_LAZY(lib_curses, int, start_color, (void), ())
SK_LAZY(lib_curses, int, use_default_colors, (void), ())
SK_LAZY(lib_curses, int, init_pair, (short pair, short fg, short bg),
	(pair, fg, bg))
SK_LAZY(lib_curses, int, wattr_on, (WINDOW * win, attr_t attrs, void *opts),
	(win, attrs, opts))
SK_LAZY(lib_curses, int, wattr_off, (WINDOW * win, attr_t attrs, void *opts),
	(win, attrs, opts))
SK_LAZY(lib_curses, int, wmove, (WINDOW * win, int y, int x), (win, y, x))
SK_LAZY(lib_curses, int, waddnstr, (WINDOW * win, const char *s, int n),
	(win, s, n))
SK_LAZY(lib_curses, int, waddnwstr, (WINDOW * win, const wchar_t *s, int n),
	(win, s, n))
SK_LAZY(lib_curses, int, wclrtoeol, (WINDOW * win), (win))
SK_LAZY(lib_curses, int, werase, (WINDOW * win), (win))
SK_LAZY(lib_curses, int, wnoutrefresh, (WINDOW * win), (win))
SK_LAZY(lib_curses, int, doupdate, (void), ())
SK_LAZY(lib_curses, int, wget_wch, (WINDOW * win, wint_t *ch), (win, ch))
SK_LAZY(lib_curses, int, clearok, (WINDOW * win, bool on), (win, on))
