/* The interactive console of `udp chat` and `tcp listen -k`: lines typed at
 * a terminal are either data for the current target or commands starting
 * with '/'.  This is the pure half (parsing); the terminal is read by
 * sk_fdin_open_lines (sockit/fdio.h).
 *
 * Commands: /peers, /to ID, /all, /hex on|off, /kick ID, /quit, /help.
 * "//text" sends "/text".  How TCP uses it: the same parser; /kick is
 * meaningful there only (UDP answers that there is no connection to kick).
 */
#ifndef SOCKIT_CONSOLE_H
#define SOCKIT_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

enum sk_console_kind {
	SK_CONSOLE_SEND,  /* data: data[0..len) */
	SK_CONSOLE_PEERS, /* list peers with counters */
	SK_CONSOLE_TO,    /* send to peer id from now on */
	SK_CONSOLE_ALL,   /* send to every peer from now on */
	SK_CONSOLE_HEX,   /* hex mode on or off */
	SK_CONSOLE_KICK,  /* close peer id (TCP) */
	SK_CONSOLE_QUIT,
	SK_CONSOLE_HELP,
};

struct sk_console_cmd {
	enum sk_console_kind kind;
	unsigned id;      /* TO, KICK */
	bool on;          /* HEX */
	const char *data; /* SEND: points into the line */
	size_t len;
};

/* Parses one line (without its line ending).  Returns 0, or
 * SK_EBADCOMMAND with err (SK_ERRLEN, may be NULL) saying what is wrong
 * ("/to: expects a peer id"). */
int sk_console_parse(const char *line, size_t len, struct sk_console_cmd *out,
		     char *err);

/* The help text listing the commands (kick included when with_kick). */
const char *sk_console_help(bool with_kick);

#endif
