#!/usr/bin/env bash
# State answers that make sense: uptime is the age of the actor's process
# (none for a down actor, not 0.0 for one being stopped); start of an actor
# being stopped (a stop that raced a restart) brings it back instead of
# saying "already running"; a reload that cannot start a new actor (its
# mailbox cannot be created) exits 1 and names it.
. "$(dirname "$0")/lib.sh"
N=$(unique st)
T=$WORK/topo.ini
cat >"$T" <<INI
[node]
name = st
[actor gr]
exec = greeter
shutdown_ms = 1500
[actor ec]
exec = echo
INI
node_start "$N" "$T"
tc() { ctl -n "$N" "$@"; }
tc -t $((10 * SLOW)) wait-for gr >/dev/null || fail "gr not up"
tc -t $((10 * SLOW)) wait-for ec >/dev/null || fail "ec not up"
uptime() { tc -j status "$1" | sed -n 's/.*"uptime_s":\([0-9.a-z]*\).*/\1/p'; }
# Old enough that an uptime of its process cannot read 0.0 (bounded wait).
for ((i = 0; i < 50 * SLOW; i++)); do
	case $(uptime gr) in 0.0|0.1|0.2|0.3) sleep 0.1;; *) break;; esac
done
case $(uptime gr) in 0.[0-3]|null|'') fail "gr's uptime stays $(uptime gr)";; esac

# A restart, then a stop while it is still being stopped (SIGSTOPped, it
# cannot react to SIGTERM: it stays stopping until the SIGKILL at 1.5 s).
gr=$(actor_pid "$N" gr)
kill -STOP "$gr"
tc restart gr || fail "restart"
tc stop gr || fail "stop during the restart"
st=$(tc -j status gr)
case $st in *'"state":"stopping"'*) ;; *) fail "not stopping: $st";; esac
up=$(uptime gr)
case $up in 0.[0-3]|null|'') fail "a stopping actor's uptime is [$up], want its process's age";; esac
out=$(tc start gr 2>&1) || fail "start while stopping: exit $?: $out"
for ((i = 0; i < 100 * SLOW; i++)); do
	p=$(actor_pid "$N" gr)
	[ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$gr" ] && break
	sleep 0.1
done
[ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$gr" ] || fail "start during a stop did not bring gr back"
tc -t $((10 * SLOW)) wait-for gr >/dev/null || fail "gr not up after start"

# A down actor has no uptime.
tc stop ec || fail "stop ec"
tc -t $((10 * SLOW)) wait-for ec --state down >/dev/null || fail "ec not down"
[ "$(uptime ec)" = null ] || fail "down actor's uptime_s is $(uptime ec), want null"
row=$(tc list | grep '^ec ')
[ "$(echo "$row" | awk '{print $(NF-1)}')" = - ] || fail "down actor's UPTIME_S: [$row]"

# A reload whose new actor cannot get its mailbox (an object of its name
# is in the way: the test made it, the test removes it).  gr changes too,
# so that the reload waits for gr's stop: troupectl gets the result once
# the reload is done, not its plan.
in_way=/dev/shm/troupe.$N.e9.ring
: >"$in_way" || fail "cannot create $in_way"
sed -i 's/^shutdown_ms = 1500$/shutdown_ms = 1400/' "$T"
cat >>"$T" <<INI
[actor e9]
exec = echo
transport = shm
INI
out=$(tc reload 2>&1); rc=$?
rm -f "$in_way"
[ "$rc" = 1 ] || fail "reload with a failed actor: exit $rc, want 1: $out"
echo "$out" | grep -qF "1 restarted, 1 started, 0 stopped; failed: e9 (cannot create its mailbox: already in use)" ||
	fail "reload did not name e9: $out"
[ "$(actor_pid "$N" gr)" != "$p" ] || fail "the changed gr was not restarted"
[ "$(tc -j status e9 | grep -o '"state":"[a-z]*"')" = '"state":"failed"' ] || fail "e9 not failed"

node_stop "$DPID" || fail "daemon exited with $?"
assert_clean "$N"
echo ok
