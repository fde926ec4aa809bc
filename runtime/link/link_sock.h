/* The sockets under node links: resolve host:port, listen, accept and
 * connect, every socket non-blocking and close-on-exec, TCP_NODELAY (a
 * frame is written whole: Nagle would only delay it) and SO_KEEPALIVE.
 * A node link is a two-way conversation on one connection, unlike the
 * one-way tcp mailbox transport, so it has this helper of its own. */
#ifndef TROUPE_LINK_SOCK_H
#define TROUPE_LINK_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Parses addr ("host:port"): host is a numeric IPv4 address, an IPv6
 * address in brackets or "localhost"; a build with TP_LINK_RESOLVE (the
 * dynamically linked one) also resolves names, blocking while it does.  A
 * static build does not: glibc's resolver in a static program needs its
 * shared NSS modules at run time, and is a sixth of the daemon's text.
 * 0, or -TP_EINVAL / -TP_ENOENT with err saying why. */
int tp_link_sock_parse(const char *addr, bool passive, struct sockaddr_storage *sa,
		       socklen_t *len, char *err, size_t errlen);

/* Listens on addr (as tp_link_sock_parse).  Returns the descriptor, or a negative code with
 * err saying why. */
int tp_link_sock_listen(const char *addr, char *err, size_t errlen);

/* Accepts one connection: its descriptor, -TP_EEMPTY when none waits, or
 * another negative code. */
int tp_link_sock_accept(int lfd);

/* Starts connecting to addr: returns the descriptor (the connection
 * completes later: wait for it to be writable, then tp_link_sock_error),
 * or a negative code with err saying why. */
int tp_link_sock_connect(const char *addr, char *err, size_t errlen);

/* The pending error of a socket (SO_ERROR) as an errno value, 0 if none. */
int tp_link_sock_error(int fd);

#endif
