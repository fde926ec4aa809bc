#!/usr/bin/env bash
# Node lifecycle: two nodes with different names on one host never touch
# each other's objects; a second daemon for a running node is refused; a
# daemon killed with -9 takes its actors with it and the next start of the
# node removes what it left behind.
. "$(dirname "$0")/lib.sh"
a=$(unique x) b=$(unique y)
cat >"$WORK/topo.ini" <<INI
[node]
name = lifecycle
[actor logger]
exec = logger
[actor filter]
exec = filter
[actor sensor]
exec = sensor
args = --rate 20
INI
node_start "$a" "$WORK/topo.ini"; pa=$DPID
node_start "$b" "$WORK/topo.ini"; pb=$DPID
wait_for "$WORK/$a.log" '^logger\[[0-9]*\]: seq=5 ' 20
wait_for "$WORK/$b.log" '^logger\[[0-9]*\]: seq=5 ' 20

# A second daemon for node a is refused while a runs (at once: one that
# starts instead is stopped after 10 s, and fails the test).
timeout -s KILL $((10 * SLOW)) $RUNNER "$B/bin/troupe" -n "$a" -A "$B/actors" \
	${RUNNER:+-x "$RUNNER"} "$WORK/topo.ini" >"$WORK/dup.log" 2>&1
rc=$?
[ "$rc" -eq 3 ] || { cat "$WORK/dup.log"; fail "second daemon for node $a: exit $rc, want 3"; }
grep -qx "troupe: node '$a' is already running" "$WORK/dup.log" ||
	{ cat "$WORK/dup.log"; fail "no 'already running' message"; }

node_stop "$pb" || fail "node $b exited with $?"
assert_clean "$b"
# Node a is untouched by b's stop.
n0=$(grep -c '^logger\[[0-9]*\]: seq=' "$WORK/$a.log")
sleep 1
n1=$(grep -c '^logger\[[0-9]*\]: seq=' "$WORK/$a.log")
[ "$n1" -gt "$n0" ] || fail "node $a stopped flowing when $b stopped"

# Kill -9 the daemon: its actors follow it (parent-death signal).
pids=$(for x in logger filter sensor; do actor_pid "$a" $x; done)
[ "$(echo $pids | wc -w)" -eq 3 ] || fail "no pids for the actors: $pids"
for p in $pids; do kill -0 "$p" || fail "actor pid $p does not run before the kill"; done
kill -KILL "$pa"
wait "$pa" 2>/dev/null
pids_gone 5 $pids || fail "actors of a killed daemon still run: $pids"
ls /dev/shm | grep -q "^troupe\.$a\.registry$" || fail "expected a stale registry after kill -9"
stale=$(stale_line "$a")

# The next start of the same node sweeps the leftovers (all of them,
# counted) and runs.
mv "$WORK/$a.log" "$WORK/$a.first.log"
node_start "$a" "$WORK/topo.ini"
wait_for "$WORK/$a.log" 'stale object' 10
grep -qxF "$stale" "$WORK/$a.log" || { cat "$WORK/$a.log"; fail "want the line: $stale"; }
wait_for "$WORK/$a.log" '^logger\[[0-9]*\]: seq=3 ' 20
node_stop "$DPID" || fail "restarted node $a exited with $?"
assert_clean "$a"
echo ok
