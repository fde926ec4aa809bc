#!/usr/bin/env bash
# Errors that travel: a call that cannot be served (a type the receiver
# does not take, or did not declare with tp_accept; a payload that does
# not decode; receive returning an error; tp_reply_error; the receiver
# dying while it holds the request; a receiver that is stopped) ends at
# once with the receiver's error, from an actor's tp_call and from
# troupectl call alike, not at the 5 s deadline.
. "$(dirname "$0")/lib.sh"
node=$(unique err)
cat >"$WORK/topo.ini" <<INI
[node]
name = errs
restart_limit = 20
backoff_ms = 10
[actor victim]
exec = refuser
msg_max = 512
[actor gone]
exec = refuser
args = --exit
restart = temporary
[actor caller]
exec = refuser
args = --probe victim --gone gone
msg_max = 512
[actor greeter]
exec = greeter
[actor picky]
exec = refuser
args = --picky
msg_max = 512
INI
node_start "$node" "$WORK/topo.ini"
log="$WORK/$node.log"
for a in victim caller greeter picky; do
	ctl -n "$node" -t $((10 * SLOW)) wait-for "$a" >/dev/null || fail "$a is not up"
done
ctl -n "$node" -t $((10 * SLOW)) wait-for gone --state down >/dev/null ||
	fail "the temporary actor did not end"

# Well under the 5 s deadline, with room for a loaded machine.
LIMIT_MS=$((1000 * SLOW))

# From an actor: tp_call.
ctl -n "$node" send caller demo.Echo data=probe || fail "cannot start the probe"
wait_for "$log" '^caller\[[0-9]*\]: probe done' 20
probe() {   # probe WHAT ERROR
	local line ms
	line=$(grep -E "^caller\[[0-9]*\]: probe $1: " "$log") || fail "no probe line for $1"
	case $line in *": probe $1: $2 in "*" ms") ;;
		*) fail "tp_call $1: got [$line], want error '$2'";; esac
	ms=${line##* in }; ms=${ms% ms}
	[ "$ms" -lt "$LIMIT_MS" ] || fail "tp_call $1 took $ms ms (limit $LIMIT_MS)"
}
probe fail 'already in use'
probe later 'system limit exceeded'
probe die 'closed by peer'
probe wrong-type 'message of another type'
probe undecodable 'payload does not decode'
probe stopped 'closed by peer'
probe served ok

# From troupectl: the same errors, one line each, exit code 1.
call() {   # call WANT-STDERR troupectl-call-args...
	local want=$1 t0 t1 ms rc; shift
	t0=$(date +%s%N)
	ctl -n "$node" -t 5 call "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	[ "$rc" -eq 1 ] || fail "call $*: exit $rc, want 1: $(cat "$WORK/err")"
	[ "$(cat "$WORK/err")" = "$want" ] ||
		fail "call $*: stderr [$(cat "$WORK/err")], want [$want]"
	[ "$ms" -lt "$LIMIT_MS" ] || fail "call $* took $ms ms (limit $LIMIT_MS)"
}
call 'troupectl: greeter: receive of type 1001 failed (message of another type)' \
	greeter demo.Reading seq=1
# Hello's id with a varint for its string field 1.
call 'troupectl: greeter: receive of type 1100 failed (payload does not decode)' \
	greeter 1100 0801
# A type the actor did not declare (tp_accept): refused before its receive,
# which would have echoed it.
call 'troupectl: picky: does not take type 1004 (message of another type)' \
	picky demo.LogLine text=x
ctl -n "$node" -t 5 call picky demo.Echo data=hi >/dev/null || fail "picky refused a type it takes"
call 'troupectl: victim: receive of type 1005 failed (already in use)' \
	victim demo.Echo data=fail
call 'troupectl: victim: try later (system limit exceeded)' victim demo.Echo data=later
call 'troupectl: victim: died while it held the request (closed by peer)' \
	victim demo.Echo data=die
ctl -n "$node" -t $((10 * SLOW)) wait-for victim >/dev/null || fail "victim did not come back"
ctl -n "$node" -t 5 call victim demo.Echo data=hi >/dev/null || fail "victim does not answer after its restart"
ctl -n "$node" stop victim || fail "cannot stop victim"
ctl -n "$node" -t $((10 * SLOW)) wait-for victim --state down >/dev/null || fail "victim did not stop"
call 'troupectl: victim is stopped (closed by peer)' victim demo.Echo data=hi

# Refused mail is counted, one-way as well as calls.
ctl -n "$node" send greeter demo.Reading seq=2 || fail "send to greeter"
refused() { ctl -n "$node" -j counters | grep -oE "\"name\":\"$1\",[^}]*\"refused\":[0-9]+" | grep -oE '[0-9]+$'; }
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(refused greeter)" = 3 ] && break
	sleep 0.1
done
[ "$(refused greeter)" = 3 ] || fail "greeter refused $(refused greeter), want 3 (2 calls, 1 send)"
# victim: fail and wrong-type and undecodable from the probe, fail from
# troupectl; later returned 0 (answered by tp_reply_error), die never returned.
[ "$(refused victim)" = 4 ] || fail "victim refused $(refused victim), want 4"
[ "$(refused picky)" = 1 ] || fail "picky refused $(refused picky), want 1"

node_stop "$DPID" || fail "daemon exited with $?"
assert_clean "$node"
echo ok
