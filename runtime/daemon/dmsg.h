/* The daemon's own messages: one line each on stderr, "troupe[<node>]: …",
 * kept apart from the actors' output, which goes to stdout. */
#ifndef TROUPE_DMSG_H
#define TROUPE_DMSG_H

/* Names the node in every later message; before it, lines say "troupe:". */
void tp_dmsg_init(const char *node);

void tp_dmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
