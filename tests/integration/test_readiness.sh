#!/usr/bin/env bash
# Readiness: an actor is `starting` until its init returned 0 (or, for an
# init that completes later, until it says so), and the supervisor starts
# the next one only then (OTP's start_link): a chain of three slow actors
# under rest_for_one starts one after the other.  wait-for does not return
# during init.  An init that fails is reported as a start failure with
# init's error; one that takes longer than start_timeout_ms is killed
# (start_timeout); monitors get Down start_failed.
. "$(dirname "$0")/lib.sh"
N=$(unique r)
INIT_MS=$((1500 * SLOW))
cat >"$WORK/topo.ini" <<INI
[node]
name = rdy
[actor watcher]
exec = watcher
args = bad hang
[supervisor chain]
strategy = rest_for_one
[actor s1]
exec = slowinit
args = --init-ms $INIT_MS
supervisor = chain
start_timeout_ms = $((INIT_MS * 4))
[actor s2]
exec = slowinit
args = --init-ms $INIT_MS
supervisor = chain
start_timeout_ms = $((INIT_MS * 4))
[actor s3]
exec = slowinit
args = --later $INIT_MS
supervisor = chain
start_timeout_ms = $((INIT_MS * 4))
[actor bad]
exec = slowinit
args = --fail-init
restart = temporary
[actor hang]
exec = slowinit
args = --init-ms 60000
start_timeout_ms = 500
restart = temporary
[actor after]
exec = slowinit
INI
node_start "$N" "$WORK/topo.ini"
log=$WORK/$N.log
tc() { ctl -n "$N" "$@"; }
field() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"]*\).*/\1/p" <<<"$1"; }

# s1 in its init: starting, and s2 not started yet.
for ((i = 0; i < 100 * SLOW; i++)); do
	st=$(tc -j status s1 2>/dev/null)
	[ -n "$st" ] && [ "$(field "$st" pid)" != 0 ] && break
	sleep 0.05
done
[ "$(field "$st" pid)" != 0 ] || fail "s1 never started: $st"
[ "$(field "$st" state)" = starting ] || fail "s1 in its init is $(field "$st" state), want starting"
st2=$(tc -j status s2)
[ "$(field "$st2" pid)" = 0 ] || fail "s2 started while s1 was in its init: $st2"
tc -t 0.2 wait-for s1 2>/dev/null
[ $? = 5 ] || fail "wait-for s1 returned during its init"

tc -t $((20 * SLOW)) wait-for after >/dev/null || fail "the last actor never came up"
ms() { sed -n "s/^$1\[[0-9]*\]: $2 \([0-9]*\)$/\1/p" "$log" | head -n1; }
for a in s1 s2 s3; do
	[ -n "$(ms $a 'init begin')" ] || fail "$a: no init begin"
done
e1=$(ms s1 'init end'); b2=$(ms s2 'init begin')
e2=$(ms s2 'init end'); b3=$(ms s3 'init begin')
r3=$(ms s3 'ready at'); bb=$(ms bad 'init begin')
[ "$b2" -ge "$e1" ] || fail "s2 began its init at $b2, before s1's init ended at $e1"
[ "$b3" -ge "$e2" ] || fail "s3 began its init at $b3, before s2's init ended at $e2"
[ "$bb" -ge "$r3" ] || fail "bad began at $bb, before s3 said it was ready at $r3"

# Init failure: a start failure with init's error, not a crash.
wait_for "$log" 'bad \(pid [0-9]+\) failed to start: init: invalid argument' 10
grep -qE 'bad \(pid [0-9]+\) exited with code' "$log" && fail "init failure logged as an exit"
# Start timeout: killed, said so.
wait_for "$log" 'hang \(pid [0-9]+\) failed to start: start_timeout \(not ready within 500 ms\)' 10
# Its monitors learn it too: Down start_failed, with init's error (1:
# TP_EINVAL) or TP_ETIMEDOUT (3).
wait_for "$log" '^watcher\[[0-9]*\]: down bad reason=start_failed code=1 ' 10
wait_for "$log" '^watcher\[[0-9]*\]: down hang reason=start_failed code=3 ' 10
for a in s1 s2 s3 after; do
	[ "$(field "$(tc -j status $a)" state)" = up ] || fail "$a is not up"
done

node_stop "$DPID" || fail "daemon exited with $?"
assert_clean "$N"
echo ok
