/* The node group's pre-shared key: loaded from a key file that only the
 * daemon's user can read, and reduced to one 32-byte secret that every link
 * handshake of the node keys its MACs with (docs/WIRE.md, "Node links"). */
#ifndef TROUPE_LINK_KEY_H
#define TROUPE_LINK_KEY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TP_LINK_KEY_LEN 32          /* the derived secret */
#define TP_LINK_KEY_FILE_MIN 32     /* bytes a key file holds at least */
#define TP_LINK_KEY_FILE_MAX 4096   /* and at most */

struct tp_link_key {
	uint8_t secret[TP_LINK_KEY_LEN];
	int loaded;
};

/* Loads the key file at path.  The file must be a regular file (not a
 * symbolic link: it is opened with O_NOFOLLOW), owned by uid `owner`
 * (the daemon's user: pass geteuid()), of mode 0600 or 0400, holding
 * TP_LINK_KEY_FILE_MIN..TP_LINK_KEY_FILE_MAX bytes that are not all the
 * same.  Every check is made on the open descriptor (fstat), so the file
 * cannot be swapped between check and read.  On refusal err receives one
 * sentence naming the file and the reason, e.g. "key file
 * /etc/troupe/group.key has mode 0644: must be 0600 or 0400".
 * Returns 0, -TP_EPERM (mode, owner, symlink, type), -TP_ECONFIG (size,
 * content), -TP_ENOENT, -TP_ESYS.  The file's bytes are wiped from memory
 * before it returns; only the derived secret stays in key. */
int tp_link_key_load(const char *path, uid_t owner, struct tp_link_key *key,
		     char *err, size_t errlen);

/* Derives the secret from n raw key bytes (what tp_link_key_load does
 * after its checks): HKDF-Extract, i.e. HMAC-SHA256 keyed with a fixed
 * label over the bytes.  For tests and tools; no length policy here. */
void tp_link_key_derive(const uint8_t *bytes, size_t n, struct tp_link_key *key);

/* Zeroes the key (tp_wipe: not optimised away). */
void tp_link_key_wipe(struct tp_link_key *key);

#endif
