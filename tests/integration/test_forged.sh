#!/usr/bin/env bash
# Replies only from the callee: an actor that learns a call's correlation
# id (here the callee leaks it; otherwise it is random) and answers in the
# callee's place is dropped, counted and logged, by an actor's tp_call and
# by troupectl call; across a link, a REPLY is let in only for a call that
# went out on that link, so a linked node cannot put mail into an actor
# that is not exported to it.  Genuine replies, across the link too,
# still arrive.  Mail an actor can send at will to troupe.daemon, and
# strangers' connections to the link port, are logged a bounded number
# of times.
. "$(dirname "$0")/lib.sh"
a=$(unique f) b=$(unique g)
base=$(( 20000 + ($$ % 3000) * 4 + 2 ))
pa=$base pb=$((base + 1))
group_key "$WORK/group.key"
linked_node "$WORK/a.ini" "$a" $pa "$b" $pb
cat >>"$WORK/a.ini" <<INI
[actor leaker]
exec = mole
args = --leak forger --delay $((1000 * SLOW))
[actor forger]
exec = mole
args = --forge
[actor caller]
exec = mole
args = --call leaker
[actor farcaller]
exec = mole
args = --call echo@$b
[actor hidden]
exec = logger
[actor junker]
exec = mole
args = --junk 300
INI
linked_node "$WORK/b.ini" "$b" $pb "$a" $pa
cat >>"$WORK/b.ini" <<INI
[actor echo]
exec = echo
export = $a
[actor linkforger]
exec = mole
args = --reply-to hidden@$a
INI
node_start "$a" "$WORK/a.ini"; da=$DPID
node_start "$b" "$WORK/b.ini"; db=$DPID

# 1. An actor's call: the forger's reply (seq 666) is dropped, the
# callee's own (seq 1) answers.
wait_for "$WORK/$a.log" '^forger\[[0-9]*\]: forged a reply to caller: ok' 20
wait_for "$WORK/$a.log" '^caller\[[0-9]*\]: (reply seq|call failed)' 20
grep -q '^caller\[[0-9]*\]: reply seq=666' "$WORK/$a.log" &&
	fail "the caller took a reply from an actor it did not call"
grep -q '^caller\[[0-9]*\]: reply seq=1$' "$WORK/$a.log" ||
	{ cat "$WORK/$a.log"; fail "the caller did not get the callee's reply"; }
grep -q '^caller\[[0-9]*\]: call to leaker: dropped a reply from forger, which was not called (1 so far)$' "$WORK/$a.log" ||
	fail "the dropped reply was not logged"

# 2. troupectl call: the same, for the daemon's calls.
ctl -n "$a" stop caller || fail "cannot stop caller"
ctl -n "$a" stop farcaller || fail "cannot stop farcaller"
out=$(ctl -n "$a" -t $((5 * SLOW)) call leaker Echo seq=7) || fail "troupectl call: $out"
echo "$out" | grep -q 'seq = 7$' || fail "troupectl call took a forged reply: $out"
wait_for "$WORK/$a.log" "warning: control: dropped a reply from forger to a call of leaker \(1 so far\)" 5

# 3. Across the link: genuine replies arrive; a REPLY to no call made on
# the link is refused, and hidden (not exported to b) gets nothing.
wait_for "$WORK/$a.log" '^farcaller\[[0-9]*\]: reply seq=1$' 20
wait_for "$WORK/$b.log" '^linkforger\[[0-9]*\]: sent forged reply 3: ok' 20
wait_for "$WORK/$a.log" "link $b: refused mail from linkforger@$b to hidden: a reply to no call that went out on this link" 10
recv=$(ctl -n "$a" -j counters | python3 -c '
import json, sys
print([c.get("received", 0) for c in json.load(sys.stdin) if c["name"] == "hidden"])')
[ "$recv" = "[0]" ] || fail "hidden received $recv messages from a node it is not exported to"

# 4. Mail to troupe.daemon that it does not take, in a burst (junker
# sends 300): a few lines and a count, not one line each.
wait_for "$WORK/$a.log" '^junker\[[0-9]*\]: sent junk [1-9]' 20
wait_for "$WORK/$a.log" 'dropped a message to troupe.daemon from junker' 10
ctl -n "$a" status hidden >/dev/null || fail "the daemon does not answer after the junk"
n=$(grep -c 'dropped a message to troupe.daemon from junker' "$WORK/$a.log")
[ "$n" -le 5 ] || fail "300 unwanted messages to troupe.daemon wrote $n lines"

# 5. Strangers without the key, 300 connections of garbage to the link
# port: a few lines and a count.
python3 - $pa <<'PY' || fail "cannot connect to the link port"
import socket, sys
for i in range(300):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.sendall(b"\xff" * 64)
    s.close()
PY
wait_for "$WORK/$a.log" 'link: (refused a connection|dropped a connection|inbound connection closed)' 10
ctl -n "$a" status hidden >/dev/null || { tail -30 "$WORK/$a.log"; fail "the daemon does not answer after the strangers"; }
n=$(grep -cE 'link: (refused a connection|dropped a connection|inbound connection closed)' "$WORK/$a.log")
# 5 a 10 s interval; 10 if the burst straddled two.
[ "$n" -le 10 ] || fail "300 strangers' connections wrote $n lines"

node_stop "$db" || fail "node $b exited with $?"
node_stop "$da" || fail "node $a exited with $?"
assert_clean "$a"
assert_clean "$b"
echo ok
