#!/usr/bin/env bash
# Dynamic children: actors started at run time from a [template], by
# troupectl spawn and by an actor (tp_spawn), each with its own mailbox,
# registry entry and counters, called, and removed by despawn with
# nothing left behind; the template's max_children and the node's limit
# refused by name; a reload keeps them; a child that crashes is restarted
# by its supervisor; a static actor cannot be despawned.
. "$(dirname "$0")/lib.sh"
node=$(unique sp)
# N children by an actor, NC by troupectl (a process per command); under
# qemu-user every child is an emulated process: fewer of them.
# MAXC is the template's max_children.
N=200 NC=25 MAXC=25
[ "$SLOW" -gt 1 ] && N=30 NC=10 MAXC=10
cat >"$WORK/topo.ini" <<INI
[node]
name = sp
[supervisor devices]
strategy = one_for_one
restart_limit = 50
[actor boss]
exec = spawner
msg_max = 512
[template dev]
exec = echo
supervisor = devices
max_children = $MAXC
transport = shm
INI
node_start "$node" "$WORK/topo.ini"
log="$WORK/$node.log"
ctl -n "$node" -t $((10 * SLOW)) wait-for boss >/dev/null || fail "boss is not up"
tc() { ctl -n "$node" "$@"; }
mailboxes() { node_objects "$node" | grep -vcE '\.(lock|registry|counters|topics)$'; }
base=$(mailboxes)

# 1. From troupectl, NC children: spawned, each called once, despawned.
for ((i = 0; i < NC; i++)); do
	tc spawn dev "c$i" --delay-ms 0 >/dev/null || fail "spawn c$i"
done
for ((i = 0; i < NC; i++)); do
	tc -t $((10 * SLOW)) call "c$i" demo.Echo seq=$i | grep -q "seq = $i" || fail "call c$i"
done
for ((i = 0; i < NC; i++)); do
	tc -t $((10 * SLOW)) despawn "c$i" >/dev/null || fail "despawn c$i"
done
[ "$(tc list | grep -c '^c[0-9]')" = 0 ] || fail "children left in the list"
[ "$(mailboxes)" = "$base" ] || fail "mailboxes left: $(node_objects "$node")"

# 2. From an actor: N through tp_spawn / tp_despawn, MAXC at a time.
tc send boss demo.LogLine text="cycle $N $MAXC" || fail "send cycle"
wait_for "$log" '^boss\[[0-9]*\]: cycle: ' $((60 * SLOW))
grep -q "^boss\[[0-9]*\]: cycle: spawned $N called $N despawned $N in" "$log" ||
	fail "the actor's cycle: $(grep '^boss' "$log" | tail -n 5)"
[ "$(mailboxes)" = "$base" ] || fail "mailboxes left after the actor's cycle"

# 3. Limits, by name: max_children, the name taken, no template, a static actor.
for ((i = 0; i < MAXC; i++)); do tc spawn dev "m$i" >/dev/null || fail "spawn m$i"; done
tc spawn dev mx 2>"$WORK/err" && fail "a child past max_children was spawned"
grep -q "template dev has its $MAXC children (max_children)" "$WORK/err" || fail "[$(cat "$WORK/err")]"
tc send boss demo.LogLine text="over my" || fail "send over"
wait_for "$log" '^boss\[[0-9]*\]: over my: system limit exceeded' $((10 * SLOW))
tc spawn dev m0 2>"$WORK/err" && fail "a second m0"
grep -q 'an actor m0 exists already' "$WORK/err" || fail "[$(cat "$WORK/err")]"
tc spawn nodev x1 2>"$WORK/err" && fail "spawned from no template"
grep -q 'no \[template nodev\]' "$WORK/err" || fail "[$(cat "$WORK/err")]"
tc despawn boss 2>"$WORK/err" && fail "despawned a static actor"
grep -q 'boss is no dynamic child' "$WORK/err" || fail "[$(cat "$WORK/err")]"

# 4. A reload keeps them (same processes); a crashed child is restarted.
pid=$(actor_pid "$node" m7)
tc reload >/dev/null || fail "reload"
[ "$(actor_pid "$node" m7)" = "$pid" ] || fail "reload replaced m7"
[ "$(tc list | grep -c '^m[0-9]')" = "$MAXC" ] || fail "reload lost children"
kill -KILL "$pid"
for ((i = 0; i < 50 * SLOW; i++)); do
	p=$(actor_pid "$node" m7)
	[ -n "$p" ] && [ "$p" != "$pid" ] && [ "$p" != 0 ] && break
	sleep 0.1
done
[ "$p" != "$pid" ] && [ "$p" != 0 ] || fail "m7 was not restarted"
tc -t $((10 * SLOW)) call m7 demo.Echo seq=1 | grep -q 'seq = 1' || fail "m7 after its restart"

# The children die with the node, and leave nothing.
node_stop "$DPID" || fail "daemon exited with $?"
assert_clean "$node"
grep -o "cycle: .*" "$log"
echo "ok: $((N + NC)) children spawned, called and despawned"
