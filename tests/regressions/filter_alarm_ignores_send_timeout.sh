#!/usr/bin/env bash
# Regression: the filter sent its alarm with tp_send_opts { .prio = HIGH,
# .timeout_ms = 1000 }, a hard-coded wait that ignored the node's
# send_timeout_ms; and an actor that set only .prio got timeout 0, which
# meant "never block".  Now timeout 0 is the node's send_timeout_ms.
#
# The logger is stopped and its one-message mailbox full; a reading that
# raises the alarm makes the filter wait send_timeout_ms (here 1500 ms, longer than the old 1000)
# for room before the alarm is rejected, not give up at once.
. "$(dirname "$0")/../integration/lib.sh"
N=$(unique fa)
cat >"$WORK/topo.ini" <<INI
[node]
name = $N
send_timeout_ms = 1500
[actor filter]
exec = filter
[actor logger]
exec = logger
depth = 1
INI
node_start "$N" "$WORK/topo.ini"
P=$DPID
wait_for "$WORK/$N.log" 'started logger' 10
ctl -n "$N" stop logger || fail "stop logger"
ctl -n "$N" -t 5 wait-for logger --state down || fail "logger did not stop"
ctl -n "$N" send logger LogLine text=fill || fail "fill the logger's mailbox"
# full NODE ACTOR: its rejected_full count.
full() { ctl -n "$1" -j counters | grep -oE "\"name\":\"$2\",[^}]*\"rejected_full\":[0-9]+" | grep -oE '[0-9]+$'; }
[ "$(full "$N" logger)" = 0 ] || fail "logger already rejected mail"
t0=$(date +%s%N)
ctl -n "$N" send filter Reading seq=1 value=100 || fail "send the reading"
for ((i = 0; i < 100 * SLOW; i++)); do
	[ "$(full "$N" logger)" = 1 ] && break
	sleep 0.02
done
t1=$(date +%s%N)
[ "$(full "$N" logger)" = 1 ] || fail "the alarm was never rejected: $(ctl -n "$N" counters)"
waited=$(( (t1 - t0) / 1000000 ))
[ "$waited" -ge 1450 ] || fail "the alarm gave up after $waited ms, before send_timeout_ms (1500)"
wait_for "$WORK/$N.log" 'receive of type [0-9]+ from troupe.daemon: mailbox full' 10
node_stop "$P" || fail "node exited with $?"
assert_clean "$N"
echo ok
