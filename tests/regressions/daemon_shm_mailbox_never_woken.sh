#!/usr/bin/env bash
# Regression: a node whose daemon mailbox is on shm (it takes the
# transport of the actor with the largest messages, the first such actor:
# here the first one) never answered an actor's call to the daemon made
# before anything else woke it: the first actor's tp_subscribe in init
# waited, and the actor failed its start with start_timeout.  shm's create
# left the ring's "receiver waiting" flag clear, and only an attached
# receiver set it; the daemon receives on the handle create gave it.
#
# Fixed in transports/shm.c (create sets the flag); the transport
# conformance test `creator_receives` checks every transport.
. "$(dirname "$0")/../integration/lib.sh"
n=$(unique ds)
cat >"$WORK/ds.ini" <<INI
[node]
name = $n
[actor first]
exec = topics
transport = shm
start_timeout_ms = $((3000 * SLOW))
args = --sub sensors/#
[actor second]
exec = topics
INI
node_start "$n" "$WORK/ds.ini"
log=$WORK/$n.log
wait_for "$log" '^first\[[0-9]+\]: subscribed sensors/#: ok' 5
wait_for "$log" '^second\[[0-9]+\]: ready' 5
grep -q 'start_timeout' "$log" && fail "a start timed out: $(grep start_timeout "$log")"
node_stop "$DPID" || fail "node exited with $?"
assert_clean "$n"
echo ok
