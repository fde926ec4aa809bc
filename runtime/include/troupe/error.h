/* Troupe's one error vocabulary: the same numbers in the library, the
 * daemon's log and on the wire (the control protocol carries them as is). */
#ifndef TROUPE_ERROR_H
#define TROUPE_ERROR_H

#include "troupe/api.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Commands return 0 or a negative code: `return -TP_EFULL;`.  The values are
 * part of the wire format: append, never renumber. */
enum tp_err {
	TP_OK = 0,
	TP_EINVAL = 1,     /* invalid argument */
	TP_ENOMEM = 2,     /* out of memory */
	TP_ETIMEDOUT = 3,  /* deadline passed */
	TP_EFULL = 4,      /* mailbox full */
	TP_EEMPTY = 5,     /* mailbox empty */
	TP_ETOOBIG = 6,    /* message larger than the mailbox allows */
	TP_ENOENT = 7,     /* no such actor or mailbox */
	TP_EVERSION = 8,   /* unsupported envelope version */
	TP_ETRUNC = 9,     /* truncated or malformed envelope */
	TP_EDECODE = 10,   /* payload does not decode */
	TP_EENCODE = 11,   /* payload does not encode */
	TP_ETYPE = 12,     /* message of another type */
	TP_ENOSYS = 13,    /* not supported by this kernel */
	TP_ELIMIT = 14,    /* system limit exceeded */
	TP_EPERM = 15,     /* permission denied */
	TP_ECLOSED = 16,   /* peer or mailbox closed */
	TP_ESYS = 17,      /* system call failed */
	TP_EBUSY = 18,     /* already in use */
	TP_ECONFIG = 19,   /* bad configuration */
	TP_ESTATE = 20,    /* not allowed in this state */
	TP_ERR_COUNT
};

/* Text for a code, positive or negative; never NULL.  For TP_ESYS, the
 * text of the system's error behind it when this thread knows it
 * (tp_sys_errno): "system call failed: Input/output error". */
TP_API
const char *tp_strerror(int err);

/* Maps an errno value to the closest code, for a send or any other call
 * that is not a receive: EAGAIN is TP_EFULL (it would have to wait for
 * room).  TP_ESYS when none fits; e is then kept for tp_sys_errno. */
TP_API
int tp_err_from_errno(int e);

/* TP_ESYS for a failed system call whatever its errno e (kept for
 * tp_sys_errno), where the closest code would mislead. */
TP_API
int tp_err_sys(int e);

/* The same for a receive: EAGAIN is TP_EEMPTY (nothing to take). */
TP_API
int tp_err_from_errno_recv(int e);

/* The errno value behind this thread's latest TP_ESYS (every Troupe
 * function that returns -TP_ESYS after a system call keeps it there), 0
 * if none: later system calls do not lose it as they lose errno. */
TP_API
int tp_sys_errno(void);

#ifdef __cplusplus
}
#endif

#endif
