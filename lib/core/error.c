#include "sockit/error.h"
#include "core/say.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sk_strerror(int err)
{
	if (err >= 0)
		return "success";
	switch (err) {
#define SK__MSG(name, msg)                                                     \
	case SK_E##name:                                                       \
		return msg;
		SK_ERRORS(SK__MSG)
#undef SK__MSG
	default:
		break;
	}
	if (err > SK__EBASE) {
		/* strerror() capitalises ("Connection refused"); our one-line
		 * messages read better in lower case, as curl and nc print. */
		static __thread char buf[128];
		snprintf(buf, sizeof buf, "%s", strerror(-err));
		if (buf[0] >= 'A' && buf[0] <= 'Z' && (buf[1] < 'A' || buf[1] > 'Z'))
			buf[0] = (char)(buf[0] - 'A' + 'a');
		return buf;
	}
	return "unknown error";
}

const char *sk_err_name(int err)
{
	switch (err) {
#define SK__NAME(name, msg)                                                    \
	case SK_E##name:                                                       \
		return "SK_E" #name;
		SK_ERRORS(SK__NAME)
#undef SK__NAME
	default:
		break;
	}
	if (err < 0 && err > SK__EBASE) {
		const char *name = strerrorname_np(-err);
		if (name)
			return name;
	}
	return "UNKNOWN";
}

int sk_err_set(char *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err, SK_ERRLEN, fmt, ap);
	va_end(ap);
	if (n >= 0 && n < SK_ERRLEN)
		snprintf(err + n, SK_ERRLEN - (size_t)n, ": %s", sk_strerror(code));
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return code;
}

int sk__err_say(char *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, SK_ERRLEN, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return code;
}
