/* The shm transport's names in the world-writable /dev/shm: an attach
 * uses only the ring and wake FIFO the daemon made, never a symlink, a
 * file of another type or a FIFO of another owner put in their place. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include "mbox_test.h"
#include "transport.h"
#include "troupe/error.h"

static const struct tp_transport *T;
static char path[64], wake[96], other[96];
static struct tp_mbox *own;

static int setup(void **st)
{
	(void)st;
	T = tp_transport_find("shm");
	snprintf(path, sizeof path, "/troupe.unit%d.box", (int)getpid());
	snprintf(wake, sizeof wake, "/dev/shm%s.wake", path);
	snprintf(other, sizeof other, "/dev/shm/troupe.unit%d.other", (int)getpid());
	if (!T)
		return -1;
	own = test_mbox_create(T, path, 4, 64, TP_FULL_BLOCK);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	T->close(own);
	unlink(other);
	return T->unlink(path);
}

/* Puts what make() creates at `other` in the wake FIFO's place. */
static void replace_wake(int (*make)(void))
{
	assert_int_equal(unlink(wake), 0);
	assert_int_equal(make(), 0);
}

static int make_symlink(void)
{
	assert_int_equal(mkfifo(other, 0600), 0);
	return symlink(other, wake);
}

static int make_file(void)
{
	int fd = open(wake, O_WRONLY | O_CREAT | O_EXCL, 0600);
	return fd < 0 ? -1 : close(fd);
}

static void attach_refused(void)
{
	struct tp_mbox *mb = NULL;
	assert_int_equal(T->attach(path, TP_MBOX_SEND, &mb), -TP_EPERM);
	assert_null(mb);
}

static void attach_sound(void **st)
{
	(void)st;
	struct tp_mbox *mb = NULL;
	assert_int_equal(T->attach(path, TP_MBOX_SEND, &mb), 0);
	T->close(mb);
}

static void wake_symlink_refused(void **st)
{
	(void)st;
	replace_wake(make_symlink);
	attach_refused();
}

static void wake_not_fifo_refused(void **st)
{
	(void)st;
	replace_wake(make_file);
	attach_refused();
}

/* Only root can give a FIFO away; as another user the case cannot run. */
static void wake_other_owner_refused(void **st)
{
	(void)st;
	if (geteuid() != 0) {
		printf("SKIP: needs root to chown the FIFO\n");
		skip();
	}
	assert_int_equal(chown(wake, 4242, 4242), 0);
	attach_refused();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(attach_sound, setup, teardown),
		cmocka_unit_test_setup_teardown(wake_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(wake_not_fifo_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(wake_other_owner_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
