#!/usr/bin/env bash
# Supervision trees with real processes: one_for_one at the node,
# one_for_all and rest_for_one in nested supervisors, restart types,
# shutdown in reverse start order with a per-actor deadline then SIGKILL,
# and a restart limit that escalates up to the node, which exits 1.
# The actors are shell commands (exec = /bin/sh): the daemon under test
# supervises processes, whatever they run.
. "$(dirname "$0")/lib.sh"
XPREFIX=   # the actors are host shells, even under qemu-user
n=$(unique s)
SLEEPER='args = -c "exec sleep 60"'
cat >"$WORK/tree.ini" <<INI
[node]
name = sup
restart_limit = 20
backoff_ms = 0
shutdown_timeout_ms = 3000
[actor a]
exec = /bin/sh
ready = exec
$SLEEPER
[supervisor all]
strategy = one_for_all
[actor b]
exec = /bin/sh
ready = exec
supervisor = all
$SLEEPER
[actor c]
exec = /bin/sh
ready = exec
supervisor = all
$SLEEPER
[actor g]
exec = /bin/sh
ready = exec
supervisor = all
$SLEEPER
[supervisor rest]
strategy = rest_for_one
[actor d]
exec = /bin/sh
ready = exec
supervisor = rest
$SLEEPER
[actor e]
exec = /bin/sh
ready = exec
supervisor = rest
$SLEEPER
[actor f]
exec = /bin/sh
ready = exec
supervisor = rest
$SLEEPER
[actor tn]
exec = /bin/sh
ready = exec
restart = transient
args = -c "sleep 0.2; exit 0"
[actor ta]
exec = /bin/sh
ready = exec
restart = transient
args = -c "[ -e $WORK/ta.mark ] && exec sleep 60; touch $WORK/ta.mark; exit 3"
[actor tmp]
exec = /bin/sh
ready = exec
restart = temporary
args = -c "sleep 0.2; exit 4"
[actor stubborn]
exec = /bin/sh
ready = exec
shutdown_ms = 300
args = -c "trap '' TERM; while :; do sleep 0.1; done"
INI
node_start "$n" "$WORK/tree.ini"
log=$WORK/$n.log
wait_for "$log" 'started stubborn' 10

state() { ctl -n "$n" -j status "$1" | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
pids() { local x; for x in "$@"; do printf '%s ' "$(actor_pid "$n" "$x")"; done; }
# until_new OLD NAMES...: every named actor has a new, non-zero pid.
until_new() {
	local old=($1) i k new; shift
	for ((i = 0; i < 50 * SLOW; i++)); do
		new=($(pids "$@"))
		local all=1
		for k in "${!old[@]}"; do
			{ [ "${new[$k]:-0}" != 0 ] && [ "${new[$k]}" != "${old[$k]}" ]; } || all=0
		done
		[ $all -eq 1 ] && return 0
		sleep 0.1
	done
	fail "$* not restarted (pids ${old[*]} -> ${new[*]})"
}

# Restart types: transient/normal and temporary stay down, transient/
# abnormal is restarted once (then runs).
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(state tn)" = down ] && [ "$(state tmp)" = down ] && [ "$(state ta)" = up ] &&
		[ -e "$WORK/ta.mark" ] && break
	sleep 0.1
done
[ "$(state tn)" = down ] || fail "transient actor that exited 0: state $(state tn), want down"
[ "$(state tmp)" = down ] || fail "temporary actor: state $(state tmp), want down"
[ "$(grep -c 'started tn ' "$log")" -eq 1 ] || fail "transient actor restarted after exit 0"
wait_for "$log" 'started ta .*' 5
[ "$(grep -c 'started ta ' "$log")" -eq 2 ] || fail "transient actor after exit 3: want 2 starts"

# one_for_one at the node: only a.
before=$(pids b c g d e f)
old=$(pids a)
kill -KILL "$(actor_pid "$n" a)"
until_new "$old" a
after=$(pids b c g d e f)
[ "$after" = "$before" ] || fail "one_for_one touched others: $before -> $after"

# one_for_all: c, the middle child, dies: b (started before it) and g
# (after it) are restarted too, where rest_for_one would spare b; nobody
# else.
old=$(pids b c g); others=$(pids a d e f)
kill -KILL "$(actor_pid "$n" c)"
until_new "$old" b c g
[ "$(pids a d e f)" = "$others" ] || fail "one_for_all reached beyond its supervisor"

# rest_for_one: e dies, f follows, d stays.
old=$(pids e f); d=$(pids d)
kill -KILL "$(actor_pid "$n" e)"
until_new "$old" e f
[ "$(pids d)" = "$d" ] || fail "rest_for_one restarted d, which started before e"

# Ordered shutdown: reverse start order, the stubborn one SIGKILLed after
# its own 300 ms.
node_stop "$DPID" 20 || fail "node exited with $?"
grep -q 'stubborn (pid [0-9]*) did not stop within 300 ms: sending SIGKILL' "$log" ||
	fail "no SIGKILL after the per-actor shutdown time"
got=$(sed -n 's/^troupe\[[^]]*\]: \([a-z]*\) (pid [0-9]*) \(exited\|killed\).*/\1/p' "$log" | tail -n 9 | tr '\n' ' ')
[ "$got" = "stubborn ta f e d g c b a " ] || fail "stop order: '$got', want reverse start order"
assert_clean "$n"

# Escalation: the inner supervisor gives up after 1 restart, the node
# restarts it once (limit 1), then gives up and exits 1.
m=$(unique e)
cat >"$WORK/esc.ini" <<INI
[node]
name = esc
restart_limit = 1
restart_window_s = 60
backoff_ms = 0
[actor steady]
exec = /bin/sh
ready = exec
$SLEEPER
[supervisor inner]
restart_limit = 1
restart_window_s = 60
[actor crashy]
exec = /bin/sh
ready = exec
supervisor = inner
args = -c "sleep 0.2; exit 7"
INI
node_start "$m" "$WORK/esc.ini"
node_wait "$DPID" 20
rc=$?
[ "$rc" -eq 1 ] || { cat "$WORK/$m.log"; fail "node past its restart limit: exit $rc, want 1"; }
grep -q 'supervisor inner reached its restart limit (1 in 60 s)' "$WORK/$m.log" || fail "inner did not give up"
grep -q "node $m reached its restart limit (1 in 60 s): stopping the node" "$WORK/$m.log" || { cat "$WORK/$m.log"; fail "node did not give up"; }
[ "$(grep -c 'started crashy ' "$WORK/$m.log")" -eq 4 ] || fail "crashy: want 4 starts (1 + inner 1 + node 1 + inner 1)"
grep -q 'steady (pid [0-9]*) killed by signal 15' "$WORK/$m.log" || fail "steady not stopped"
assert_clean "$m"
echo ok
