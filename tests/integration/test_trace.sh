#!/usr/bin/env bash
# troupectl trace: the messages sent and received while it runs, with
# event, sender, destination, type by name, size and (received) latency;
# NAME keeps only that actor's; a node not running is exit 3.  The
# latency's values are test_latency's.
. "$(dirname "$0")/lib.sh"
N=$(unique t)
echo_sink_node "$N"
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
LAT=' +latency [0-9.]+ (us|ms)$'
grep -qE '^ *[0-9.]+  send +troupe.daemon +-> echo +demo.Echo +9 B$' "$WORK/all" ||
	fail "no request in the trace: $(cat "$WORK/all")"
grep -qE "^ *[0-9.]+  recv +troupe.daemon +-> echo +demo.Echo +9 B$LAT" "$WORK/all" ||
	fail "request not received in the trace: $(cat "$WORK/all")"
grep -qE '^ *[0-9.]+  send +echo +-> troupe.daemon +demo.Echo +9 B$' "$WORK/all" ||
	fail "no reply in the trace: $(cat "$WORK/all")"
grep -qE "^ *[0-9.]+  recv +echo +-> troupe.daemon +demo.Echo +9 B$LAT" "$WORK/all" ||
	fail "reply not received in the trace: $(cat "$WORK/all")"
grep -qE 'send +troupe.daemon +-> sink +demo.LogLine +4 B$' "$WORK/all" ||
	fail "no LogLine in the trace: $(cat "$WORK/all")"
[ "$(wc -l <"$WORK/sink")" = 2 ] || fail "trace sink: $(cat "$WORK/sink")"
grep -q '"event":"send","from":"troupe.daemon","to":"sink","type":"demo.LogLine","msgid":[0-9]*,"size":4,"latency_us":null,"err":0}' \
	"$WORK/sink" || fail "trace sink -j, send: $(cat "$WORK/sink")"
grep -qE '"event":"recv","from":"troupe.daemon","to":"sink","type":"demo.LogLine","msgid":[0-9]+,"size":4,"latency_us":[0-9]+\.[0-9]{3},"err":0}' \
	"$WORK/sink" || fail "trace sink -j, recv: $(cat "$WORK/sink")"

node_stop "$DPID" || fail "daemon exited with $?"
assert_clean "$N"
tc -t 1 trace 2>/dev/null
[ $? = 3 ] || fail "trace of a stopped node: want exit 3"
echo ok
