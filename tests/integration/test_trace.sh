#!/usr/bin/env bash
# troupectl trace: the messages sent while it runs, with sender,
# destination, type by name and size; NAME keeps only that actor's; a
# node not running is exit 3.
. "$(dirname "$0")/lib.sh"
N=$(unique t)
cat >"$WORK/topo.ini" <<INI
[node]
name = tr
[actor echo]
exec = echo
[actor sink]
exec = logger
INI
node_start "$N" "$WORK/topo.ini"
wait_for "$WORK/$N.log" 'started sink' 10
tc() { ctl -n "$N" "$@"; }
secs=$((3 * SLOW))

tc -t "$secs" trace >"$WORK/all" 2>"$WORK/all.err" &
tp1=$!
tc -t "$secs" -j trace sink >"$WORK/sink" 2>"$WORK/sink.err" &
tp2=$!
wait_for "$WORK/all.err" 'tracing node' 5
wait_for "$WORK/sink.err" 'tracing node' 5
tc call echo Echo seq=7 data=hello >/dev/null || fail "call echo"
tc send sink LogLine text=hi || fail "send sink"
wait "$tp1" || fail "trace exited with $?"
wait "$tp2" || fail "trace sink exited with $?"
grep -qE '^ *[0-9.]+  troupe.daemon +-> echo +demo.Echo +9 B$' "$WORK/all" ||
	fail "no request in the trace: $(cat "$WORK/all")"
grep -qE '^ *[0-9.]+  echo +-> troupe.daemon +demo.Echo +9 B$' "$WORK/all" ||
	fail "no reply in the trace: $(cat "$WORK/all")"
grep -qE 'troupe.daemon +-> sink +demo.LogLine +4 B$' "$WORK/all" ||
	fail "no LogLine in the trace: $(cat "$WORK/all")"
[ "$(wc -l <"$WORK/sink")" = 1 ] || fail "trace sink: $(cat "$WORK/sink")"
grep -q '"from":"troupe.daemon","to":"sink","type":"demo.LogLine","msgid":[0-9]*,"size":4,"err":0}' \
	"$WORK/sink" || fail "trace sink -j: $(cat "$WORK/sink")"

node_stop "$DPID" || fail "daemon exited with $?"
assert_clean "$N"
tc -t 1 trace 2>/dev/null
[ $? = 3 ] || fail "trace of a stopped node: want exit 3"
echo ok
