#!/usr/bin/env bash
# Monitors with real processes: an actor (tests/actors/watcher) monitors
# others and gets a Down notice in its mailbox with the right reason for
# each way they end: exit code, signal, restart limit, stopped by the
# operator, no such actor; a demonitored actor gives no notice.  The
# watched actors are host shells (exec_prefix = env keeps them off
# qemu-user); they wait for $WORK/go before they exit.
. "$(dirname "$0")/lib.sh"
n=$(unique m)
WAIT="while [ ! -e $WORK/go ]; do sleep 0.05; done"
cat >"$WORK/mon.ini" <<INI
[node]
name = mon
backoff_ms = 300
[actor exiter]
exec = /bin/sh
ready = exec
exec_prefix = env
restart = temporary
args = -c "$WAIT; exit 3"
[actor victim]
exec = /bin/sh
ready = exec
exec_prefix = env
args = -c "exec sleep 60"
[actor stoppee]
exec = /bin/sh
ready = exec
exec_prefix = env
args = -c "exec sleep 60"
[actor quiet]
exec = /bin/sh
ready = exec
exec_prefix = env
restart = temporary
args = -c "$WAIT; exit 7"
[supervisor fragile]
restart = temporary
restart_limit = 0
[actor doomed]
exec = /bin/sh
ready = exec
exec_prefix = env
supervisor = fragile
args = -c "$WAIT; exit 5"
[actor watcher]
exec = watcher
args = exiter victim stoppee -quiet doomed
INI
node_start "$n" "$WORK/mon.ini"
log=$WORK/$n.log
# down NAME WANT: waits (bounded) for the watcher's first Down about NAME,
# then checks it says exactly WANT (reason=… code=… restarting=…): a
# wrong notice fails at once rather than at the end of the wait.
down() {
	wait_for "$log" "^watcher\[[0-9]*\]: down $1 " 10
	local got; got=$(grep -m1 "^watcher\[[0-9]*\]: down $1 " "$log" | sed 's/^watcher\[[0-9]*\]: //')
	[ "$got" = "down $1 $2" ] || fail "want 'down $1 $2', got '$got'"
}
down nobody 'reason=noproc code=0 restarting=0'

touch "$WORK/go"
down exiter 'reason=exit code=3 restarting=0'
down doomed 'reason=restart_limit code=5 restarting=0'

kill -KILL "$(actor_pid "$n" victim)"
down victim 'reason=signal code=9 restarting=1'
# The monitor survives the restart: the replacement's end is told too.
ctl -n "$n" -t $((5 * SLOW)) wait-for victim >/dev/null || fail "victim not back"
kill -KILL "$(actor_pid "$n" victim)"
for ((i = 0; i < 100 * SLOW; i++)); do
	[ "$(grep -c 'watcher\[[0-9]*\]: down victim reason=signal code=9 restarting=1' "$log")" = 2 ] && break
	sleep 0.1
done
[ "$(grep -c 'watcher\[[0-9]*\]: down victim reason=signal code=9 restarting=1' "$log")" = 2 ] ||
	fail "second Down of victim missing: $(grep 'down victim' "$log")"

ctl -n "$n" stop stoppee || fail "stop stoppee"
down stoppee 'reason=stopped code=15 restarting=0'

# quiet exited with the others (it was started with them): demonitored,
# so no notice.  Everything above went through the same mailbox after it.
grep -q 'down quiet' "$log" && fail "Down for demonitored quiet: $(grep 'down quiet' "$log")"
grep -q 'not a Down' "$log" && fail "$(grep 'not a Down' "$log")"
node_stop "$DPID" || fail "node exited with $?"
assert_clean "$n"
echo ok
