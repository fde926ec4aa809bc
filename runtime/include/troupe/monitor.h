/* Monitors: an actor asks to be told when another actor's process ends.
 * The notice is a Down message in the watcher's own mailbox, in order with
 * the rest of its mail, sent by the daemon (runtime/proto/monitor.proto).
 * A monitor lasts until tp_demonitor or the watcher's own exit; it
 * survives restarts of the watched actor, each end of whose process is one
 * Down.  docs/TUTORIAL.md, "Watching another actor". */
#ifndef TROUPE_MONITOR_H
#define TROUPE_MONITOR_H

#include <stdbool.h>
#include "troupe/actor.h"

/* Type id of Down (monitor.options); only mail from the daemon counts. */
#define TP_DOWN_MSGID 12

enum tp_down_reason {
	TP_DOWN_EXIT = 0,           /* exited by itself; code: its exit code */
	TP_DOWN_SIGNAL = 1,         /* killed; code: the signal number */
	TP_DOWN_RESTART_LIMIT = 2,  /* its supervisor gave up; code as above */
	TP_DOWN_STOPPED = 3,        /* stopped by the daemon or the operator */
	TP_DOWN_NOPROC = 4,         /* no such actor, or not running */
};

struct tp_down {
	char name[TP_NAME_MAX + 1];   /* the watched actor */
	enum tp_down_reason reason;
	int code;
	bool restarting;              /* its supervisor will start it again */
};

/* Asks the daemon to watch actor `name`.  Returns once the request is in
 * the daemon's mailbox: 0 or an error of tp_send_msg.  An actor that does
 * not exist or does not run now gives a Down with TP_DOWN_NOPROC at once
 * (a known actor stays watched: it may come back).  Monitoring twice is
 * one monitor. */
int tp_monitor(tp_actor *self, const char *name);

/* Stops watching `name`; a Down already queued stays queued. */
int tp_demonitor(tp_actor *self, const char *name);

/* Is m a Down notice (type TP_DOWN_MSGID from the daemon)? */
bool tp_msg_is_down(const struct tp_msg *m);

/* Decodes a Down notice; -TP_ETYPE if m is none, -TP_EDECODE. */
int tp_down_decode(const struct tp_msg *m, struct tp_down *out);

/* "exit", "signal", "restart_limit", "stopped", "noproc"; "?" otherwise. */
const char *tp_down_reason_name(int reason);

#endif
