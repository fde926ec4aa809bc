/* The library's log: one line per call, to stderr (which the daemon
 * captures under the actor's name) unless a sink is set (tests, programs
 * that embed libtroupe and log elsewhere). */
#ifndef TROUPE_LOG_H
#define TROUPE_LOG_H

/* Receives each line, without its newline. */
typedef void tp_log_sink(void *arg, const char *line);

/* Sends every later line to fn (NULL: back to stderr). */
void tp_log_set_sink(tp_log_sink *fn, void *arg);

/* Logs one line (printf format; the newline is added). */
void tp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
