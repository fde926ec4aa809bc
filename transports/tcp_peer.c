/* Who is at the other end of a loopback TCP connection: the uid that owns
 * the peer's socket, from /proc/net/tcp (the line whose local address is
 * our peer and whose remote address is us).  TCP has no SO_PEERCRED; on
 * 127.0.0.1 both ends are sockets of this machine, and the kernel lists
 * each with its owner.  Known limits: IPv4 only (the mailboxes listen on
 * 127.0.0.1); a peer that closed before we look is not found (refused);
 * the file is read whole, O(sockets on the machine), once per accepted
 * connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include "common.h"
#include "troupe/error.h"

int tp_tcp_peer_uid(int fd, uid_t *uid)
{
	struct sockaddr_in me, peer;
	socklen_t ml = sizeof me, pl = sizeof peer;
	if (getsockname(fd, (struct sockaddr *)&me, &ml) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
		return -tp_err_from_errno(errno);
	if (me.sin_family != AF_INET || peer.sin_family != AF_INET)
		return -TP_EINVAL;
	FILE *f = fopen("/proc/net/tcp", "re");
	if (!f)
		return -tp_err_from_errno(errno);
	char line[256];
	int rc = -TP_ENOENT;
	/* The kernel prints each address as the raw 32-bit value in host
	 * order ("%08X" of a __be32), the port as a number. */
	while (rc == -TP_ENOENT && fgets(line, sizeof line, f)) {
		unsigned la, lp, ra, rp, st, u;
		if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X %*X:%*X %*X:%*X %*X %u",
			   &la, &lp, &ra, &rp, &st, &u) != 6)
			continue;   /* the header */
		if (la == peer.sin_addr.s_addr && lp == ntohs(peer.sin_port) &&
		    ra == me.sin_addr.s_addr && rp == ntohs(me.sin_port)) {
			*uid = (uid_t)u;
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}
