/* The service manager's notification protocol (sd_notify(3)), spoken
 * directly: one datagram per state change on $NOTIFY_SOCKET, no
 * libsystemd.  Without NOTIFY_SOCKET every call is a no-op, so the daemon
 * runs the same under systemd, BusyBox init or a shell. */
#ifndef TROUPE_NOTIFY_H
#define TROUPE_NOTIFY_H

#include <stdint.h>
#include "sup.h"

/* Takes NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID out of the
 * environment, so that no actor inherits them: an actor that wrote to the
 * socket would be refused (NotifyAccess=main) at best, and a watchdog fed
 * by a healthy actor would hide a wedged daemon.  Call before any fork. */
void tp_notify_init(void);

/* Called on every turn of the event loop: READY=1 once the actors are
 * started, STATUS= when it changes, WATCHDOG=1 when due and supervision is
 * healthy (running, not stopping, not given up), STOPPING=1 once. */
void tp_notify_tick(const struct tp_sup *s);

/* The earlier of deadline and the next watchdog ping (CLOCK_MONOTONIC ns). */
int64_t tp_notify_deadline(int64_t deadline);

#endif
