/* Sockets of node links (see link_sock.h). */
#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "troupe/error.h"
#include "link_sock.h"

/* Splits "host:port" (the last colon: "[::1]:7400" keeps its brackets
 * stripped) and resolves it to one TCP address. */
static int sock_resolve(const char *addr, bool passive, struct addrinfo **out,
			char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	if (!colon || (size_t)(colon - addr) >= sizeof host) {
		snprintf(err, errlen, "'%s' is not host:port", addr);
		return -TP_EINVAL;
	}
	const char *h = addr;
	size_t hl = (size_t)(colon - addr);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 };
	int rc = getaddrinfo(host, colon + 1, &hints, out);
	if (rc) {
		snprintf(err, errlen, "cannot resolve '%s': %s", addr, gai_strerror(rc));
		return -TP_ENOENT;
	}
	return 0;
}

static void sock_opts(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

int tp_link_sock_listen(const char *addr, char *err, size_t errlen)
{
	struct addrinfo *ai;
	int rc = sock_resolve(addr, true, &ai, err, errlen);
	if (rc)
		return rc;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
		int e = errno;
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(e));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -tp_err_from_errno(e);
	}
	freeaddrinfo(ai);
	return fd;
}

int tp_link_sock_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -TP_EEMPTY
							     : -tp_err_from_errno(errno);
	sock_opts(fd);
	return fd;
}

int tp_link_sock_connect(const char *addr, char *err, size_t errlen)
{
	struct addrinfo *ai;
	int rc = sock_resolve(addr, false, &ai, err, errlen);
	if (rc)
		return rc;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		sock_opts(fd);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
			freeaddrinfo(ai);
			return fd;
		}
	}
	int e = errno;
	snprintf(err, errlen, "cannot connect to %s: %s", addr, strerror(e));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -tp_err_from_errno(e);
}

int tp_link_sock_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof e;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len))
		return errno;
	return e;
}
