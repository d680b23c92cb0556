/* Console command parsing: one line in, one command out. */
#include "sockit/console.h"

#include <string.h>

#include "sockit/error.h"
#include "sockit/parse.h"

static bool word_is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && !memcmp(w, name, n);
}

static int parse_id(const char *p, size_t n, const char *cmd, unsigned *id,
		    char *err)
{
	char buf[16];
	uint64_t v;
	if (n == 0 || n >= sizeof buf)
		return sk_err_set(err, SK_EBADCOMMAND, "%s: expects a peer id (see /peers)", cmd);
	memcpy(buf, p, n);
	buf[n] = 0;
	if (sk_parse_u64(buf, 1, 0xFFFFFFFFu, &v))
		return sk_err_set(err, SK_EBADCOMMAND, "%s %s: not a peer id (see /peers)", cmd, buf);
	*id = (unsigned)v;
	return 0;
}

int sk_console_parse(const char *line, size_t len, struct sk_console_cmd *out,
		     char *err)
{
	memset(out, 0, sizeof *out);
	if (len == 0 || line[0] != '/' || (len >= 2 && line[1] == '/')) {
		out->kind = SK_CONSOLE_SEND;
		/* "//x" is the escape for data starting with '/'. */
		out->data = len && line[0] == '/' ? line + 1 : line;
		out->len = len && line[0] == '/' ? len - 1 : len;
		return 0;
	}
	size_t i = 1;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	const char *cmd = line + 1;
	size_t cn = i - 1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t e = len;
	while (e > i && (line[e - 1] == ' ' || line[e - 1] == '\t'))
		e--;
	const char *arg = line + i;
	size_t an = e - i;
	if (word_is(cmd, cn, "peers") || word_is(cmd, cn, "quit") ||
	    word_is(cmd, cn, "all") || word_is(cmd, cn, "help")) {
		if (an)
			return sk_err_set(err, SK_EBADCOMMAND, "/%.*s takes no argument",
					  (int)cn, cmd);
		out->kind = cmd[0] == 'p' ? SK_CONSOLE_PEERS
			  : cmd[0] == 'q' ? SK_CONSOLE_QUIT
			  : cmd[0] == 'a' ? SK_CONSOLE_ALL
					  : SK_CONSOLE_HELP;
		return 0;
	}
	if (word_is(cmd, cn, "to")) {
		out->kind = SK_CONSOLE_TO;
		return parse_id(arg, an, "/to", &out->id, err);
	}
	if (word_is(cmd, cn, "kick")) {
		out->kind = SK_CONSOLE_KICK;
		return parse_id(arg, an, "/kick", &out->id, err);
	}
	if (word_is(cmd, cn, "hex")) {
		out->kind = SK_CONSOLE_HEX;
		if (word_is(arg, an, "on"))
			out->on = true;
		else if (!word_is(arg, an, "off"))
			return sk_err_set(err, SK_EBADCOMMAND, "/hex: expects on or off");
		return 0;
	}
	if (cn > 32)
		cn = 32;
	return sk_err_set(err, SK_EBADCOMMAND, "/%.*s (try /help)", (int)cn, cmd);
}

const char *sk_console_help(bool with_kick)
{
	return with_kick
		? "commands: /peers  /to ID  /all  /hex on|off  /kick ID  /quit  /help; //text sends /text"
		: "commands: /peers  /to ID  /all  /hex on|off  /quit  /help; //text sends /text";
}
