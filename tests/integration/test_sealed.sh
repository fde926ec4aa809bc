#!/usr/bin/env bash
# The daemon's seal: a process that may write an actor's mailbox (here
# tests/actors/sealprobe, writing raw envelopes into the mq) cannot speak
# as troupe.daemon there, nor as another node's actor.  Its Down without
# a seal, its Down with a made-up seal and its mail "from ghost@faraway"
# are dropped, counted and logged; its own ordinary mail still arrives,
# and so does the daemon's genuine Down when the watched actor is killed.
# The key is gone from the actor's environment once it has started.
. "$(dirname "$0")/lib.sh"
n=$(unique s)
cat >"$WORK/seal.ini" <<INI
[node]
name = $n
backoff_ms = 200
[actor target]
exec = /bin/sh
ready = exec
exec_prefix = env
args = -c "exec sleep 60"
[actor victim]
exec = watcher
transport = mq
args = target
[actor probe]
exec = sealprobe
restart = temporary
args = --victim victim --about target
INI
node_start "$n" "$WORK/seal.ini"
log=$WORK/$n.log
wait_for "$log" '^probe\[[0-9]+\]: forged 3, sent 1' 10
# Its own mail was written last, to the same queue and priority: once it
# is taken, the three before it were taken (and dropped).
wait_for "$log" '^victim\[[0-9]+\]: not a Down: type [0-9]+ from probe' 10
grep -E '^victim\[[0-9]+\]: down target ' "$log" && fail "a forged Down reached the actor"
grep -E '^victim\[[0-9]+\]: .*from ghost@faraway' "$log" | grep -v dropped &&
	fail "mail from another node's name, not relayed by the daemon, reached the actor"
[ "$(grep -cE "^victim\[[0-9]+\]: .*dropped a message from troupe.daemon: without the daemon's seal" "$log")" -eq 1 ] ||
	fail "no line for the unsealed Down: $(grep -E '^victim' "$log")"
grep -qE "^victim\[[0-9]+\]: .*dropped a message from troupe.daemon: its seal is not the daemon's" "$log" ||
	fail "no line for the made-up seal"
grep -qE "^victim\[[0-9]+\]: .*dropped a message from ghost@faraway: without the daemon's seal" "$log" ||
	fail "no line for the mail from ghost@faraway"
# Counted: the victim's mailbox took three it dropped as bad.
bad=$(ctl -n "$n" -j counters | python3 -c '
import json, sys
print(*[c["dropped"] for c in json.load(sys.stdin) if c["name"] == "victim"])')
[ "$bad" = 3 ] || fail "victim's counters: $bad dropped, want 3"
# The key is not left in the actor's environment for its children or
# anyone reading /proc.  Natively only: under qemu-user, /proc shows the
# emulator's own environment, which the guest program cannot reach.
if [ -z "$RUNNER" ]; then
	vpid=$(actor_pid "$n" victim)
	tr '\0' '\n' </proc/"$vpid"/environ | grep -E '^TROUPE_SEAL_KEY=.*[1-9a-f]' &&
		fail "the seal's key is still in the actor's environment"
fi
# The daemon's own Down still arrives.
kill -9 "$(actor_pid "$n" target)"
wait_for "$log" '^victim\[[0-9]+\]: down target reason=signal code=9' 10
node_stop "$DPID" || fail "node exited with $?"
assert_clean "$n"
echo "PASS: sealed"
