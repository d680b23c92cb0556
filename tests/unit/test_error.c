#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sockit/error.h"

Test(error, every_code_has_a_message_and_a_name)
{
	for (int code = SK__EBASE + 1; code < SK__ELAST; code++) {
		cr_expect_str_neq(sk_strerror(code), "unknown error", "code %d", code);
		cr_expect_eq(strncmp(sk_err_name(code), "SK_E", 4), 0, "code %d", code);
	}
}

Test(error, codes_are_below_errno)
{
	cr_expect_lt(SK__ELAST, -4096);
}

Test(error, errno_passes_through_lower_case)
{
	cr_expect_str_eq(sk_strerror(-ECONNREFUSED), "connection refused");
	cr_expect_str_eq(sk_err_name(-ECONNREFUSED), "ECONNREFUSED");
	cr_expect_str_eq(sk_strerror(0), "success");
	cr_expect_str_eq(sk_err_name(SK_EBADPORT), "SK_EBADPORT");
	cr_expect_str_eq(sk_strerror(SK__EBASE), "unknown error");
}

Test(error, set_formats_what_and_why_on_one_line)
{
	char err[SK_ERRLEN];
	cr_expect_eq(sk_err_set(err, SK_EBADPORT, "port %s", "x\ny"), SK_EBADPORT);
	cr_expect_str_eq(err, "port x y: invalid port");
	cr_expect_eq(sk_err_set(NULL, -EINVAL, "nothing"), -EINVAL);
	char big[600];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	sk_err_set(err, SK_EBADHOST, "%s", big);
	cr_expect_eq(strlen(err), SK_ERRLEN - 1);
}
