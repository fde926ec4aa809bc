#!/usr/bin/env bash
# Reload: a file with errors or with a changed mailbox leaves the node as
# it was (troupectl prints FILE:LINE, exits 1); a good one stops removed
# actors (their mailboxes go), restarts changed ones, keeps the rest
# running (one of them moved to another registry index: its counters
# follow it) and starts new ones, by troupectl reload and by SIGHUP.
. "$(dirname "$0")/lib.sh"
N=$(unique r)
T=$WORK/topo.ini
v1() {
	printf '[node]\nname = rl\nbackoff_ms = 0\n'
	printf '[actor e1]\nexec = echo\n[actor e2]\nexec = echo\n'
	printf '[actor e3]\nexec = echo\n[actor lg]\nexec = logger\n'
}
v1 >"$T"
node_start "$N" "$T"
wait_for "$WORK/$N.log" 'started lg' 10
tc() { ctl -n "$N" "$@"; }
pid() { actor_pid "$N" "$1"; }
e1=$(pid e1) e3=$(pid e3) lg=$(pid lg)
[ -n "$e1" ] && [ -n "$lg" ] || fail "no pids"
up() { [ "$(tc list | grep -c ' up ')" = "$1" ] || { tc list >&2; fail "want $1 actors up"; }; }

# Errors: nothing changes.
{ v1; printf 'bogus = 1\n'; } >"$T"
out=$(tc reload 2>&1) && fail "reload of a bad file succeeded"
[ $? = 1 ] || fail "reload of a bad file: exit $?, want 1"
echo "$out" | grep -qF "$T:12: [actor lg]: unknown key 'bogus'" || fail "no file:line: $out"
{ v1 | sed 's/^exec = logger$/exec = logger\ndepth = 3/'; } >"$T"
out=$(tc reload 2>&1) && fail "reload with a changed depth succeeded"
echo "$out" | grep -qF "$T:10: [actor lg]: depth changed from 10 to 3" ||
	fail "no refusal of the mailbox change: $out"
up 4
[ "$(pid e1)" = "$e1" ] && [ "$(pid lg)" = "$lg" ] || fail "a refused reload touched actors"

# e2 removed, e3 changed, lg moves from index 3 to 1 and keeps running.
# (e2's mailbox is seen first, so that its absence after means something.)
objs=$(node_objects "$N") || fail "cannot list node $N's objects"
echo "$objs" | grep -qx "troupe\.$N\.e2" || fail "e2's mailbox not seen: $(echo $objs)"
printf '[node]\nname = rl\nbackoff_ms = 0\n[actor e1]\nexec = echo\n[actor e3]\nexec = echo\nshutdown_ms = 500\n[actor lg]\nexec = logger\n' >"$T"
out=$(tc reload) || fail "reload failed: $out"
[ "$out" = "reload: $T: 2 kept, 1 restarted, 0 started, 1 stopped" ] || fail "reload said: $out"
wait_for "$WORK/$N.log" 'reload: done; 3 actors' 10
tc -t 5 wait-for e3 || fail "e3 not up again"
up 3
[ "$(pid e1)" = "$e1" ] && [ "$(pid lg)" = "$lg" ] || fail "kept actors were restarted"
[ "$(pid e3)" != "$e3" ] || fail "changed e3 was not restarted"
tc status e2 2>/dev/null && fail "e2 is still there"
left=$(node_objects "$N") || fail "cannot list node $N's objects"
echo "$left" | grep -qx "troupe\.$N\.e2" && fail "e2's mailbox is left"
ls /dev/shm | grep -q "^troupe\.$N\.e2$" && fail "e2's mailbox is left"
tc send lg LogLine text=moved >/dev/null || fail "send to lg"
wait_for "$WORK/$N.log" 'lg\[[0-9]+\]: troupe.daemon: moved' 10
for ((i = 0; i < 50; i++)); do
	tc -j counters | grep -q '"name":"lg","sent":1,"received":1,' && break
	sleep 0.1
done
tc -j counters | grep -q '"name":"lg","sent":1,"received":1,' ||
	fail "lg's counters did not follow it: $(tc counters)"
[ "$(tc call e3 Echo seq=3)" = "$(tc call e1 Echo seq=3)" ] || fail "e3 does not answer"

# SIGHUP: a new actor.
printf '[actor n1]\nexec = echo\n' >>"$T"
kill -HUP "$DPID"
wait_for "$WORK/$N.log" 'reload: done; 4 actors' 10
tc -t 5 wait-for n1 || fail "n1 not up"
tc call n1 Echo seq=9 | grep -q 9 || fail "n1 does not answer"
[ "$(pid e1)" = "$e1" ] && [ "$(pid lg)" = "$lg" ] || fail "SIGHUP restarted kept actors"

node_stop "$DPID" || fail "daemon exited with $?"
assert_clean "$N"
echo ok
