/* troupectl's client of the control socket (see ctl.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include "troupe/error.h"
#include "ctlpath.h"
#include "ctl.h"

static int ctl_connect(const struct ctl_opts *o, int *fd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char path[sizeof a.sun_path];
	if (o->socket)
		snprintf(path, sizeof path, "%s", o->socket);
	else if (tp_ctl_path(path, sizeof path, o->node))
		return CTL_USAGE;
	strcpy(a.sun_path, path);
	*fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (*fd >= 0 && connect(*fd, (struct sockaddr *)&a, sizeof a) == 0)
		return CTL_OK;
	int e = errno;
	if (!o->quiet)
		fprintf(stderr, "troupectl: node '%s' is not running: %s: %s\n",
			o->node ? o->node : "?", path, strerror(e));
	if (*fd >= 0)
		close(*fd);
	return e == EACCES || e == EPERM ? CTL_DENIED : CTL_NO_NODE;
}

int ctl_open(const struct ctl_opts *o, const troupe_CtlRequest *q, int *fd)
{
	static uint8_t buf[troupe_CtlRequest_size + 1];
	int code = ctl_connect(o, fd);
	if (code)
		return code;
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof buf);
	if (!pb_encode(&os, troupe_CtlRequest_fields, q)) {
		fprintf(stderr, "troupectl: cannot encode the request: %s\n", PB_GET_ERROR(&os));
		close(*fd);
		return CTL_USAGE;
	}
	if (send(*fd, buf, os.bytes_written, MSG_NOSIGNAL) < 0) {
		close(*fd);
		return CTL_NO_NODE;
	}
	return CTL_OK;
}

int ctl_read(const struct ctl_opts *o, int fd, int timeout_ms, troupe_CtlReply *r)
{
	static uint8_t buf[troupe_CtlReply_size + 1];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t len = -1;
	if (poll(&p, 1, timeout_ms) == 1)
		len = recv(fd, buf, sizeof buf, 0);
	if (len <= 0) {
		if (!o->quiet)
			fprintf(stderr, len == 0 ? "troupectl: node '%s' closed the connection\n" :
				"troupectl: node '%s' did not answer within %d ms\n",
				o->node ? o->node : o->socket, timeout_ms);
		return len == 0 ? CTL_NO_NODE : CTL_TIMEOUT;
	}
	memset(r, 0, sizeof *r);
	pb_istream_t is = pb_istream_from_buffer(buf, (size_t)len);
	if (!pb_decode(&is, troupe_CtlReply_fields, r)) {
		fprintf(stderr, "troupectl: malformed reply: %s\n", PB_GET_ERROR(&is));
		return CTL_FAILED;
	}
	return CTL_OK;
}

int ctl_request(const struct ctl_opts *o, const troupe_CtlRequest *q,
		troupe_CtlReply *r)
{
	int fd, code = ctl_open(o, q, &fd);
	if (code)
		return code;
	code = ctl_read(o, fd, o->timeout_ms, r);
	close(fd);
	return code;
}

int ctl_check(const struct ctl_opts *o, const troupe_CtlReply *r)
{
	if (r->err == 0)
		return CTL_OK;
	if (!o->quiet)
		fprintf(stderr, "troupectl: %s (%s)\n", r->msg, tp_strerror(r->err));
	switch (r->err) {
	case TP_ENOENT: return CTL_NO_ACTOR;
	case TP_ETIMEDOUT: return CTL_TIMEOUT;
	case TP_EPERM: return CTL_DENIED;
	default: return CTL_FAILED;
	}
}
