#!/usr/bin/env bash
# The actor API through real processes: tp_call's selective receive keeps
# earlier mail queued in order; a reply after the deadline is dropped; a
# send to an unknown actor or over the mailbox's size is an error.
. "$(dirname "$0")/lib.sh"
node=$(unique a)
cat >"$WORK/topo.ini" <<INI
[node]
name = api
[actor echo]
exec = echo
msg_max = 256
[actor slowecho]
exec = echo
args = --delay-ms 300
msg_max = 256
[actor tiny]
exec = echo
msg_max = 128
[actor prober]
exec = prober
msg_max = 256
restart = temporary
INI
node_start "$node" "$WORK/topo.ini"
log="$WORK/$node.log"
wait_for "$log" '^prober\[[0-9]*\]: done' 20
node_stop "$DPID" || fail "daemon exited with $?"

grep -q '^prober\[[0-9]*\]: call ok seq=7 data=ping$' "$log" || fail "call to echo did not get its reply"
grep -q '^prober\[[0-9]*\]: slow call: deadline passed$' "$log" || fail "slow call did not time out"
grep -q '^prober\[[0-9]*\]: send to nobody: no such actor or mailbox$' "$log" || fail "send to unknown actor"
grep -q "^prober\[[0-9]*\]: send too big: message too big for the mailbox$" "$log" || { grep prober "$log"; fail "oversized send"; }
got=$(sed -n 's/^prober\[[0-9]*\]: got \(.*\)$/\1/p' "$log")
want=$'LogLine one from prober\nLogLine two from prober\nLogLine three from prober'
[ "$got" = "$want" ] || fail "mail around the call: got [$got], want [$want] (the late reply must be dropped)"
# Order: the reply came first, the queued mail after the call returned.
first=$(grep -nE '^prober\[[0-9]*\]: (call ok|got LogLine one)' "$log" | head -n1)
case $first in *"call ok"*) ;; *) fail "queued mail was delivered before the call returned";; esac
assert_clean "$node"
echo ok
