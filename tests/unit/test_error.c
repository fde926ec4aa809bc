/* The error vocabulary: errno mapped by direction, and the system's error
 * behind TP_ESYS kept where errno would be lost. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/error.h"

static void eagain_by_direction(void **st)
{
	(void)st;
	assert_int_equal(tp_err_from_errno(EAGAIN), TP_EFULL);        /* would wait for room */
	assert_int_equal(tp_err_from_errno_recv(EAGAIN), TP_EEMPTY);  /* nothing to take */
	assert_int_equal(tp_err_from_errno_recv(ENOENT), TP_ENOENT);
	assert_int_equal(tp_err_from_errno_recv(0), TP_OK);
	assert_int_equal(tp_err_from_errno(EMSGSIZE), TP_ETOOBIG);
	assert_int_equal(tp_err_from_errno(EPIPE), TP_ECLOSED);
}

static void esys_keeps_errno(void **st)
{
	(void)st;
	assert_int_equal(tp_err_from_errno(EIO), TP_ESYS);
	errno = 0;
	assert_int_equal(tp_sys_errno(), EIO);
	/* A mapping that is not TP_ESYS leaves the kept one. */
	assert_int_equal(tp_err_from_errno(ENOENT), TP_ENOENT);
	assert_int_equal(tp_sys_errno(), EIO);
	char want[128];
	snprintf(want, sizeof want, "system call failed: %s", strerror(EIO));
	assert_string_equal(tp_strerror(-TP_ESYS), want);
	/* Where the closest code would mislead (ENOENT is "no such actor"). */
	assert_int_equal(tp_err_sys(ENOENT), TP_ESYS);
	assert_int_equal(tp_sys_errno(), ENOENT);
	assert_string_equal(tp_strerror(TP_EFULL), "mailbox full");
	assert_string_equal(tp_strerror(999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(eagain_by_direction),
		cmocka_unit_test(esys_keeps_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
