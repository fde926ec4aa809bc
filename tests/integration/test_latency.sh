#!/usr/bin/env bash
# Latency (envelope v2's send time): a receiver frozen with SIGSTOP for F
# shows at least F on the messages that queued meanwhile, in its counters
# and in the trace; running again, it shows little.  Across a node link the
# same, on the receiving node's clock (the sending daemon carries the age):
# a half-done carry would show the clock's age since boot, not F; the
# sending node traces each message out with its (small) age.
. "$(dirname "$0")/lib.sh"
a=$(unique la) b=$(unique lb)
F_MS=$((500 * SLOW))        # the freeze
SMALL_MS=$((250 * SLOW))    # a running receiver takes mail well within this
port=$(( 23000 + ($$ % 3000) * 2 ))
group_key "$WORK/group.key"
linked_node "$WORK/a.ini" "$a" $port "$b" $((port + 1))
cat >>"$WORK/a.ini" <<INI
[actor sink]
exec = logger
INI
linked_node "$WORK/b.ini" "$b" $((port + 1)) "$a" $port
cat >>"$WORK/b.ini" <<INI
[actor far]
exec = logger
export = $a
INI
node_start "$a" "$WORK/a.ini"
PA=$DPID
node_start "$b" "$WORK/b.ini"
PB=$DPID
wait_for "$WORK/$a.log" "link $b \(127.0.0.1:$((port + 1))\): up" 20
wait_for "$WORK/$b.log" 'started far' 10

# lat_field NODE ACTOR FIELD: a number from the actor's "latency" in -j.
lat_field() {
	ctl -n "$1" -j counters | grep -oE "\"name\":\"$2\",[^]]*" |
		grep -oE "\"$3\":[0-9.]+" | head -1 | cut -d: -f2
}
# until_received NODE ACTOR COUNT: bounded wait for COUNT sent into the
# mailbox (by troupectl's daemon, or by the daemon from the link) and
# COUNT taken out: exact, so that a path that skips the counters fails.
until_received() {
	local i
	for ((i = 0; i < 50 * SLOW; i++)); do
		ctl -n "$1" -j counters | grep -q "\"name\":\"$2\",\"sent\":$3,\"received\":$3," &&
			return 0
		sleep 0.1
	done
	fail "$2 on $1 did not take $3 messages: $(ctl -n "$1" counters)"
}
# frozen NODE ACTOR SEND-TO SEND-NODE: three messages while ACTOR is
# stopped for F, then it runs again.
frozen() {
	local pid
	pid=$(actor_pid "$1" "$2")
	[ -n "$pid" ] || fail "no pid for $2"
	kill -STOP "$pid"
	for i in 1 2 3; do
		ctl -n "$4" send "$3" LogLine text=frozen$i || fail "send $i to $3"
	done
	sleep "$(awk "BEGIN { print $F_MS / 1000 }")"
	kill -CONT "$pid"
}
# check NODE ACTOR N: N messages counted; their latency at least F, at
# most F + 10 s (not some clock's age); the p50 too.
check_frozen() {
	until_received "$1" "$2" "$3"
	local n max p50
	n=$(lat_field "$1" "$2" n) max=$(lat_field "$1" "$2" max_us)
	p50=$(lat_field "$1" "$2" p50_us)
	[ "$n" = "$3" ] || fail "$2: latency counted $n messages, want $3"
	awk -v m="$max" -v p="$p50" -v f="$F_MS" 'BEGIN {
		exit !(m >= f * 1000 && m < (f + 10000) * 1000 && p >= f * 1000) }' ||
		fail "$2 frozen for $F_MS ms: latency max ${max} us, p50 ${p50} us"
}

# One node.  The trace runs through it all, and keeps the receives.
ctl -n "$a" -t $((4 * SLOW)) -j trace sink >"$WORK/trace" 2>"$WORK/trace.err" &
tr=$!
wait_for "$WORK/trace.err" 'tracing node' 5
frozen "$a" sink sink "$a"
check_frozen "$a" sink 3
for i in 1 2 3; do ctl -n "$a" send sink LogLine text=running$i || fail "send"; done
until_received "$a" sink 6
max=$(lat_field "$a" sink max_us)
wait "$tr" || fail "trace exited with $?"
grep '"event":"recv"' "$WORK/trace" >"$WORK/recv"
[ "$(wc -l <"$WORK/recv")" = 6 ] || fail "want 6 receives traced: $(cat "$WORK/trace")"
head -3 "$WORK/recv" | grep -oE '"latency_us":[0-9.]+' | cut -d: -f2 |
	awk -v f="$F_MS" '$1 < f * 1000 { bad = 1 } END { exit bad }' ||
	fail "frozen receives traced with less than $F_MS ms: $(cat "$WORK/recv")"
tail -3 "$WORK/recv" | grep -oE '"latency_us":[0-9.]+' | cut -d: -f2 |
	awk -v s="$SMALL_MS" '$1 >= s * 1000 { bad = 1 } END { exit bad || NR != 3 }' ||
	fail "running receives traced with $SMALL_MS ms or more: $(cat "$WORK/recv")"

# Across the link: the receiving node counts it, and traces it coming in.
ctl -n "$b" -t $((4 * SLOW)) -j trace far >"$WORK/ltrace" 2>"$WORK/ltrace.err" &
tr=$!
ctl -n "$a" -t $((4 * SLOW)) -j trace >"$WORK/otrace" 2>"$WORK/otrace.err" &
to=$!
wait_for "$WORK/ltrace.err" 'tracing node' 5
wait_for "$WORK/otrace.err" 'tracing node' 5
frozen "$b" far "far@$b" "$a"
check_frozen "$b" far 3
wait "$tr" || fail "trace exited with $?"
wait "$to" || fail "trace of $a exited with $?"
grep '"event":"link-out","from":"troupe.daemon","to":"far@'"$b"'"' "$WORK/otrace" |
	grep -oE '"latency_us":[0-9.]+' | cut -d: -f2 |
	awk -v s="$SMALL_MS" '$1 >= s * 1000 { bad = 1 } END { exit bad || NR != 3 }' ||
	fail "want 3 link-out events on $a, each soon after its send: $(cat "$WORK/otrace")"
[ "$(grep -c '"event":"link-in","from":"troupe.daemon@'"$a"'","to":"far"' "$WORK/ltrace")" = 3 ] ||
	fail "want 3 link-in events: $(cat "$WORK/ltrace")"
grep '"event":"link-in"' "$WORK/ltrace" | grep -oE '"latency_us":[0-9.]+' | cut -d: -f2 |
	awk -v s="$SMALL_MS" '$1 >= s * 1000 { bad = 1 } END { exit bad || NR != 3 }' ||
	fail "link-in: the age on the sending node is not small: $(cat "$WORK/ltrace")"

node_stop "$PA" || fail "node $a exited with $?"
node_stop "$PB" || fail "node $b exited with $?"
assert_clean "$a"
assert_clean "$b"
echo ok
