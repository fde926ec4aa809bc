#!/usr/bin/env bash
# Never silence across node links, and remote monitors: two daemons on
# 127.0.0.1.  A call to an actor the other node does not export fails at
# once; mail to a full remote mailbox (when_full = reject) comes back to
# its sender as Undeliverable notices, and a call to it fails with the
# notice, long before its deadline; a remote monitor gets Down with the
# real reason when the remote actor is killed with -9 (and again after its
# restart), noproc for a missing or unexported actor, and noconnection when
# the link drops; no monitor entry outlives its watcher or its link (the
# counts in troupectl -j links); mail over the link's queue bound (reject)
# while the link is down comes back as notices from the sender's own node.
. "$(dirname "$0")/lib.sh"
a=$(unique na) b=$(unique nb)
# Ports below the ephemeral range, apart from test_links.sh's.
base=$(( 12000 + ($$ % 4000) * 2 ))
pa=$base pb=$((base + 1))
group_key "$WORK/group.key"

node_sect() {
	printf '[node]\nname = %s\nlisten = 127.0.0.1:%s\nkey_file = group.key\n' "$2" "$3" >"$1"
	printf 'link_heartbeat_ms = 200\nlink_dead_ms = 1000\n[peer %s]\naddress = 127.0.0.1:%s\n' \
		"$4" "$5" >>"$1"
}
node_sect "$WORK/a.ini" "$a" $pa "$b" $pb
cat >>"$WORK/a.ini" <<INI
# The queue holds what waits for the link and (link version 4) what was
# sent and not yet acknowledged: room for the burst of 8 below, in flight.
queue = 16
when_full = reject
[actor sender]
exec = noticer
args = --probe echo@$b --hidden quiet@$b --to slow@$b --burst 8 --watch victim@$b --watch ghost@$b --watch quiet@$b --after 19
INI
node_sect "$WORK/b.ini" "$b" $pb "$a" $pa
cat >>"$WORK/b.ini" <<INI
[actor echo]
exec = echo
export = $a
[actor slow]
exec = noticer
args = --stall 50 --first 3000
depth = 2
when_full = reject
export = $a
[actor victim]
exec = logger
export = $a
[actor quiet]
exec = logger
INI

node_start "$b" "$WORK/b.ini"; pid_b=$DPID
node_start "$a" "$WORK/a.ini"; pid_a=$DPID
L=$WORK/$a.log
wait_for "$L" "^sender\[[0-9]*\]: monitoring quiet@$b: ok" 20

# -- A call to an unexported actor fails at once: no such actor here.
line=$(grep -E "^sender\[[0-9]*\]: call quiet@$b: " "$L") || fail "no call to quiet@$b"
echo "$line" | grep -q "no such actor or mailbox in [0-9]* ms" || fail "call to quiet: $line"
ms=$(echo "$line" | sed 's/.* in \([0-9]*\) ms/\1/')
[ "$ms" -lt 1000 ] || fail "the call to an unexported actor took $ms ms"

# -- The full remote mailbox: slow answered a call and holds it for 3 s,
# so the burst fills its mailbox (2) and the rest is refused.  The call
# after the burst ends with its notice, not its deadline (5000 ms), and the
# burst's lost messages come back as notices.
grep -q "^sender\[[0-9]*\]: hold ok" "$L" || fail "slow did not answer the first call"
line=$(grep -E "^sender\[[0-9]*\]: call slow@$b: " "$L") || fail "no call to slow@$b"
echo "$line" | grep -q ": mailbox full in [0-9]* ms" || fail "call to slow: $line"
ms=$(echo "$line" | sed 's/.* in \([0-9]*\) ms/\1/')
# "mailbox full", not "deadline passed", already says it did not wait for
# the deadline; the time says it ended well before (measured: 0-4 ms).
[ "$ms" -lt 4000 ] || fail "the call to a full mailbox took $ms ms"
wait_for "$L" "^sender\[[0-9]*\]: undeliverable slow@$b type=1005 corr=0 reason=mailbox_full error=mailbox full" 10
grep -q "refused mail from sender@$a to slow: mailbox full" "$WORK/$b.log" ||
	fail "node $b did not log the refused mail"
# Not one message lost in silence: each of the burst's 8 either arrived
# (2: the mailbox's depth) or came back as a notice.
got() { grep -c "^slow\[[0-9]*\]: got seq=[0-9]* from sender@$a" "$WORK/$b.log"; }
notices() { grep -c "^sender\[[0-9]*\]: undeliverable slow@$b type=1005 corr=0 " "$L"; }
for ((i = 0; i < 100 * SLOW; i++)); do
	[ $(( $(got) + $(notices) )) -ge 8 ] && break
	sleep 0.1
done
n_notice=$(notices)
[ "$(got)" -eq 2 ] && [ "$n_notice" -eq 6 ] ||
	fail "of 8 messages, $(got) arrived and $n_notice came back as notices (want 2 and 6)"

# -- Remote monitors: noproc for what b does not have or does not export.
wait_for "$L" "^sender\[[0-9]*\]: down ghost@$b reason=noproc" 5
wait_for "$L" "^sender\[[0-9]*\]: down quiet@$b reason=noproc" 5
# kill -9 of the watched actor: Down signal 9 across the link, and again
# after its supervisor started it anew (a monitor survives restarts).
for round in 1 2; do
	pid=
	for ((i = 0; i < 50 * SLOW; i++)); do
		pid=$(actor_pid "$b" victim)
		[ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "${old:-}" ] && break
		sleep 0.1
	done
	[ -n "$pid" ] && [ "$pid" != 0 ] || fail "victim on $b has no pid"
	# Up, not starting: a kill during its init is a failed start, told
	# as such (reason start_failed), not a crash.
	ctl -n "$b" -t $((10 * SLOW)) wait-for victim >/dev/null || fail "round $round: victim on $b is not up"
	kill -KILL "$pid"
	old=$pid
	for ((i = 0; i < 100 * SLOW; i++)); do
		[ "$(grep -c "^sender\[[0-9]*\]: down victim@$b reason=signal code=9" "$L")" -ge $round ] && break
		sleep 0.1
	done
	[ "$(grep -c "^sender\[[0-9]*\]: down victim@$b reason=signal code=9" "$L")" -ge $round ] ||
		{ tail -n 20 "$L" >&2; fail "round $round: no Down signal 9 for victim@$b"; }
done
grep -q "^sender\[[0-9]*\]: other: " "$L" && fail "the sender got mail it did not expect"

# -- No monitor outlives its watcher or its link.  jfield NODE FIELD: the
# field of `troupectl -j links` (one peer); until NODE FIELD VALUE waits.
jfield() { ctl -n "$1" -j links | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }
until_field() {
	local i
	for ((i = 0; i < 50 * SLOW; i++)); do
		[ "$(jfield "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	fail "troupectl -n $1 -j links: $2 is $(jfield "$1" "$2"), want $3"
}
until_field "$b" monitors 1     # victim; ghost and quiet were never watched
until_field "$a" watching 1
[ "$(jfield "$b" notices)" -eq $((n_notice + 1)) ] ||
	fail "$b sent $(jfield "$b" notices) notices, $n_notice + 1 arrived"
# The watcher stops: its node tells the other, which forgets the monitor.
ctl -q -n "$a" stop sender || fail "troupectl stop sender"
until_field "$b" monitors 0
until_field "$a" watching 0
ctl -q -n "$a" start sender || fail "troupectl start sender"
until_field "$b" monitors 1
# The link drops: the watched side forgets the peer's monitors...
node_stop $pid_a || fail "node $a exited with $?"
until_field "$b" monitors 0
mv "$L" "$WORK/$a.first.log"
node_start "$a" "$WORK/a.ini"; pid_a=$DPID
wait_for "$L" "^sender\[[0-9]*\]: monitoring victim@$b: ok" 20
until_field "$b" monitors 1
# ...and the watcher's side says noconnection, once, and forgets too.
node_stop $pid_b || fail "node $b exited with $?"
wait_for "$L" "^sender\[[0-9]*\]: down victim@$b reason=noconnection" 10
until_field "$a" watching 0
# -- The link's queue (16, reject) while the link is down: of 19 messages
# sent, 16 wait in it and 3 come back as notices from this node.
wait_for "$L" "^sender\[[0-9]*\]: sent 19 after the link dropped" 10
qfull() { grep -c "^sender\[[0-9]*\]: undeliverable echo@$b type=1005 corr=0 reason=queue_full error=mailbox full" "$L"; }
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(qfull)" -ge 3 ] && break
	sleep 0.1
done
[ "$(qfull)" -eq 3 ] || fail "$(qfull) queue_full notices, want 3"
[ "$(ctl -n "$a" -j links | sed -n 's/.*"queued":\([0-9]*\).*/\1/p')" = 16 ] ||
	fail "the link's queue: $(ctl -n "$a" -j links)"
node_stop $pid_a || fail "node $a exited with $?"
[ "$(grep -c "down victim@$b reason=noconnection" "$L")" -eq 1 ] || fail "noconnection said twice"
assert_clean "$a"
assert_clean "$b"
echo ok
