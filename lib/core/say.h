/* Inside the library: an error message that says everything itself. */
#ifndef SOCKIT_CORE_SAY_H
#define SOCKIT_CORE_SAY_H

/* Formats fmt into err (SK_ERRLEN bytes; may be NULL) as it is, without
 * sk_err_set's ": reason" for code, and returns code. */
int sk__err_say(char *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
