/* watcher: a test actor that monitors the actors named in its arguments
 * and prints each Down notice it gets, one line each, for
 * tests/integration/test_monitor.sh:
 *   down NAME reason=REASON code=CODE restarting=0|1
 * An argument "-NAME" monitors NAME and at once demonitors it: no Down
 * may follow.  After its arguments it monitors "nobody": the daemon
 * handles its mailbox in order, so the NOPROC for nobody tells the test
 * that every earlier request has been applied. */
#include <stdio.h>
#include <troupe/troupe.h>

static int watcher_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)self; (void)state;
	struct tp_down d;
	int rc = tp_down_decode(m, &d);
	if (rc) {
		printf("not a Down: type %u from %s: %s\n", m->type, m->sender, tp_strerror(rc));
		return 0;
	}
	printf("down %s reason=%s code=%d restarting=%d\n", d.name,
	       tp_down_reason_name(d.reason), d.code, d.restarting);
	return 0;
}

static int watcher_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state;
	for (int i = 1; i < argc; i++) {
		const char *name = argv[i][0] == '-' ? argv[i] + 1 : argv[i];
		int rc = tp_monitor(self, name);
		if (!rc && argv[i][0] == '-')
			rc = tp_demonitor(self, name);
		if (rc) {
			printf("cannot monitor %s: %s\n", name, tp_strerror(rc));
			return rc;
		}
	}
	return tp_monitor(self, "nobody");
}

static const struct tp_actor_ops watcher_ops = {
	.init = watcher_init,
	.receive = watcher_receive,
};

TP_ACTOR_MAIN(watcher_ops)
