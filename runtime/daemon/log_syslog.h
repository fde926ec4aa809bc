/* A minimal client of the system log: RFC 3164 datagrams to /dev/log.
 * Not glibc's syslog(): that stamps every line with the caller's pid, and
 * a captured actor line must carry the actor's name and pid as its tag
 * ("sink[1240]: …"), which journald and syslogd then file under sink. */
#ifndef TROUPE_SYSLOGC_H
#define TROUPE_SYSLOGC_H

#include <stddef.h>

/* Default socket; the environment variable TROUPE_LOG_SOCKET replaces it
 * (chroots, tests). */
#define TP_SYSLOG_PATH "/dev/log"
#define TP_SYSLOG_ENV "TROUPE_LOG_SOCKET"

/* Connects to the log socket.  Returns 0 or a negative code; err (n
 * bytes) then says which socket and why. */
int tp_syslog_open(char *err, size_t n);

/* Sends one line with priority prio (facility | severity) and tag
 * "tag[pid]".  Never blocks: a log daemon that is behind gives -TP_EFULL
 * (the caller writes the line elsewhere).  Reconnects once if the log
 * daemon restarted.  Returns 0 or a negative code. */
int tp_syslog_send(int prio, const char *tag, int pid, const char *msg, size_t len);

void tp_syslog_close(void);

#endif
