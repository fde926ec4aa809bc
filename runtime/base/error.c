/* tp_strerror: the one table of error texts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "troupe/error.h"

static const char *const texts[TP_ERR_COUNT] = {
	[TP_OK] = "success",
	[TP_EINVAL] = "invalid argument",
	[TP_ENOMEM] = "out of memory",
	[TP_ETIMEDOUT] = "deadline passed",
	[TP_EFULL] = "mailbox full",
	[TP_EEMPTY] = "mailbox empty",
	[TP_ETOOBIG] = "message too big for the mailbox",
	[TP_ENOENT] = "no such actor or mailbox",
	[TP_EVERSION] = "unsupported version",
	[TP_ETRUNC] = "truncated or malformed message",
	[TP_EDECODE] = "payload does not decode",
	[TP_EENCODE] = "payload does not encode",
	[TP_ETYPE] = "message of another type",
	[TP_ENOSYS] = "not supported by this kernel",
	[TP_ELIMIT] = "system limit exceeded",
	[TP_EPERM] = "permission denied",
	[TP_ECLOSED] = "closed by peer",
	[TP_ESYS] = "system call failed",
	[TP_EBUSY] = "already in use",
	[TP_ECONFIG] = "bad configuration",
	[TP_ESTATE] = "not allowed in this state",
};

static _Thread_local int sys_errno;

const char *tp_strerror(int err)
{
	static _Thread_local char sys[96];
	/* Bounded before it is negated: a code read from the wire or from
	 * shared memory may be INT_MIN, whose negation overflows. */
	if (err <= -TP_ERR_COUNT || err >= TP_ERR_COUNT)
		return "unknown error";
	if (err < 0)
		err = -err;
	if (!texts[err])
		return "unknown error";
	if (err == TP_ESYS && sys_errno) {
		snprintf(sys, sizeof sys, "%s: %s", texts[err], strerror(sys_errno));
		return sys;
	}
	return texts[err];
}

int tp_sys_errno(void)
{
	return sys_errno;
}

int tp_err_sys(int e)
{
	sys_errno = e;
	return TP_ESYS;
}

int tp_err_from_errno_recv(int e)
{
	return e == EAGAIN ? TP_EEMPTY : tp_err_from_errno(e);
}

int tp_err_from_errno(int e)
{
	switch (e) {
	case 0: return TP_OK;
	case EINVAL: return TP_EINVAL;
	case ENOMEM: return TP_ENOMEM;
	case ETIMEDOUT: return TP_ETIMEDOUT;
	case EAGAIN: return TP_EFULL;
	case EMSGSIZE: return TP_ETOOBIG;
	case ENOENT: return TP_ENOENT;
	case ENOSYS: return TP_ENOSYS;
	case EMFILE: case ENFILE: case ENOSPC: return TP_ELIMIT;
	case EACCES: case EPERM: return TP_EPERM;
	case EPIPE: case ECONNRESET: return TP_ECLOSED;
	case EEXIST: case EBUSY: return TP_EBUSY;
	default: return tp_err_sys(e);
	}
}
