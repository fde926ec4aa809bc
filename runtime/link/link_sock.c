/* Sockets of node links (see link_sock.h). */
#include <errno.h>
#include <stdbool.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "troupe/error.h"
#include "link_sock.h"

/* Splits "host:port" at the last colon ("[::1]:7400" loses its brackets)
 * into host (NUL-terminated) and a port number 1..65535. */
static int sock_split(const char *addr, char *host, size_t hostlen, uint16_t *port,
		      char *err, size_t errlen)
{
	const char *colon = strrchr(addr, ':');
	if (!colon || (size_t)(colon - addr) >= hostlen) {
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
	char *end;
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end || errno || p == 0 || p > 65535) {
		snprintf(err, errlen, "'%s': port '%s' is not a number from 1 to 65535",
			 addr, colon + 1);
		return -TP_EINVAL;
	}
	*port = (uint16_t)p;
	return 0;
}

/* A numeric IPv4 or IPv6 address, or "localhost" (always the loopback,
 * RFC 6761): true with *sa filled in. */
static bool sock_numeric(const char *host, uint16_t port, struct sockaddr_storage *sa,
			 socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
	memset(sa, 0, sizeof *sa);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof *in4;
		return true;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof *in6;
		return true;
	}
	return false;
}

#ifdef TP_LINK_RESOLVE
/* A host name, through the C library's resolver (blocking). */
static int sock_lookup(const char *addr, const char *host, uint16_t port, bool passive,
		       struct sockaddr_storage *sa, socklen_t *len, char *err, size_t errlen)
{
	char serv[8];
	snprintf(serv, sizeof serv, "%u", port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 }, *ai;
	int rc = getaddrinfo(host, serv, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "cannot resolve '%s': %s", addr, gai_strerror(rc));
		return -TP_ENOENT;
	}
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}
#endif

int tp_link_sock_parse(const char *addr, bool passive, struct sockaddr_storage *sa,
		       socklen_t *len, char *err, size_t errlen)
{
	char host[256];
	uint16_t port;
	int rc = sock_split(addr, host, sizeof host, &port, err, errlen);
	if (rc)
		return rc;
	if (sock_numeric(host, port, sa, len))
		return 0;
#ifdef TP_LINK_RESOLVE
	return sock_lookup(addr, host, port, passive, sa, len, err, errlen);
#else
	(void)passive;
	snprintf(err, errlen, "'%s': '%s' is not a numeric address (a.b.c.d, [v6] or "
		 "localhost); this static build does not resolve host names", addr, host);
	return -TP_EINVAL;
#endif
}

static void sock_opts(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
}

int tp_link_sock_listen(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int rc = tp_link_sock_parse(addr, true, &sa, &len, err, errlen);
	if (rc)
		return rc;
	int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&sa, len) || listen(fd, 16)) {
		int e = errno;
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(e));
		if (fd >= 0)
			close(fd);
		return -tp_err_from_errno(e);
	}
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
	struct sockaddr_storage sa;
	socklen_t len;
	int rc = tp_link_sock_parse(addr, false, &sa, &len, err, errlen);
	if (rc)
		return rc;
	int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		sock_opts(fd);
		if (connect(fd, (struct sockaddr *)&sa, len) == 0 || errno == EINPROGRESS)
			return fd;
	}
	int e = errno;
	snprintf(err, errlen, "cannot connect to %s: %s", addr, strerror(e));
	if (fd >= 0)
		close(fd);
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
