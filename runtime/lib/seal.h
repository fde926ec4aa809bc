/* The daemon's seal: mail the daemon puts into an actor's mailbox (its
 * notices: Down, Undeliverable, replies to the actor's requests; and mail
 * relayed from other nodes) carries a tag that only the daemon and that
 * actor can make, so an actor that may write another's mailbox cannot
 * speak as troupe.daemon or as another node's actor there.
 *
 * Each actor's mailbox has its own key for the node's life, made by the
 * daemon when it creates the mailbox and handed to the actor's process in
 * its environment (TP_SEAL_KEY_ENV, which the runtime reads and wipes at
 * start).  The seal (docs/WIRE.md) is a sequence number per priority and
 * SipHash-2-4 over the whole message up to the tag.  The actor takes sealed
 * mail of one priority only in increasing order: a sealed message cannot
 * be replayed to the same process (a restarted actor starts counting
 * afresh).  Trusted: whoever runs as the actor's own user (they can read
 * its environment and memory), and root. */
#ifndef TROUPE_SEAL_H
#define TROUPE_SEAL_H

#include <stddef.h>
#include <stdint.h>
#include "troupe/envelope.h"

#define TP_SEAL_KEY_LEN 16
#define TP_SEAL_KEY_ENV "TROUPE_SEAL_KEY"
#define TP_SEAL_PRIOS 4

/* Daemon: msg (len bytes, an envelope without a seal) sealed with key as
 * number seq into out.  Its length, or -TP_ETOOBIG (over cap: the seal
 * needs TP_ENV_SEAL_LEN more bytes than the message), -TP_EINVAL (msg is
 * sealed already, or no envelope). */
int tp_seal_put(const uint8_t key[TP_SEAL_KEY_LEN], uint64_t seq, const uint8_t *msg,
		size_t len, uint8_t *out, size_t cap);

/* Actor: may msg (len bytes, decoded into env) be taken?  0, or -TP_EPERM:
 * a seal not made with key, one whose number is not above the last taken
 * at its priority (last[env->prio], updated when taken), or no seal where
 * the sender can only be the daemon (troupe.daemon, or name@node). */
int tp_seal_check(const uint8_t key[TP_SEAL_KEY_LEN], uint64_t last[TP_SEAL_PRIOS],
		  const uint8_t *msg, size_t len, const struct tp_env *env);

/* Only the daemon speaks as these senders. */
int tp_seal_required(const struct tp_env *env);

/* A fresh key from the kernel: 0, or -TP_ESYS. */
int tp_seal_key_new(uint8_t key[TP_SEAL_KEY_LEN]);
/* The key as 32 hex digits and back: 0, or -TP_EINVAL. */
void tp_seal_key_hex(const uint8_t key[TP_SEAL_KEY_LEN], char hex[2 * TP_SEAL_KEY_LEN + 1]);
int tp_seal_key_parse(const char *hex, uint8_t key[TP_SEAL_KEY_LEN]);

#endif
