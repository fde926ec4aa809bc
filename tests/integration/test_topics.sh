#!/usr/bin/env bash
# Topics on one node with real processes (tests/actors/topics: publisher
# and subscriber, steered by demo.LogLine commands): wildcards; a frozen
# subscriber (SIGSTOP) dropping by its policy, counted, while the others
# get every message in order and the publisher never waits; the retained
# value first for a late joiner and for a subscriber killed -9 and
# restarted; unsubscribe; a run-time subscription ended with its process
# and made again by its replacement; troupectl pub and topics; nothing
# left behind.
. "$(dirname "$0")/lib.sh"
n=$(unique tp)
cat >"$WORK/topics.ini" <<INI
[node]
name = $n
backoff_ms = 0
[topic sensors/kitchen/temp]
retain = yes
[actor pub]
exec = topics
[actor all]
exec = topics
transport = shm
depth = 256
subscribe = sensors/#, sensors/garage/+ drop_newest
[actor temp]
exec = topics
transport = shm
depth = 256
subscribe = sensors/+/temp
[actor old]
exec = topics
depth = 4
subscribe = sensors/garage/temp
[actor new]
exec = topics
transport = shm
depth = 4
subscribe = sensors/garage/temp drop_newest
[actor late]
exec = topics
[actor ux]
exec = topics
transport = unix
subscribe = sensors/kitchen/+ drop_newest
[actor tc]
exec = topics
transport = tcp
subscribe = sensors/kitchen/temp drop_newest
[actor rt]
exec = topics
args = --sub sensors/hall/#
INI
node_start "$n" "$WORK/topics.ini"
log=$WORK/$n.log
for a in pub all temp old new late rt ux tc; do
	wait_for "$log" "^$a\[[0-9]*\]: ready" 10
done

# count ACTOR PATTERN: lines of ACTOR matching PATTERN (grep -E).
count() { grep -E "^$1\[[0-9]+\]: $2" "$log" | wc -l; }
# wait_count ACTOR PATTERN N SECONDS: until ACTOR printed N such lines.
wait_count() {
	local secs=$(( $4 * SLOW )) i
	for ((i = 0; i < secs * 10; i++)); do
		[ "$(count "$1" "$2")" -ge "$3" ] && break
		sleep 0.1
	done
	[ "$(count "$1" "$2")" -eq "$3" ] ||
		fail "$1: $(count "$1" "$2") lines of '$2' within ${secs}s, want $3"
}
# seqs ACTOR TOPIC: the seq numbers ACTOR got on TOPIC, in order, one line.
seqs() { grep -E "^$1\[[0-9]+\]: got $2 seq=" "$log" | sed 's/.*seq=\([0-9]*\).*/\1/' | tr '\n' ' '; }
send() { ctl -n "$n" send "$1" demo.LogLine text="$2" || fail "send $1 '$2'"; }
# sub_field SUBSCRIBER FILTER FIELD: from troupectl -j topics.
sub_field() {
	ctl -n "$n" -j topics | python3 -c '
import json, sys
t = json.load(sys.stdin)
m = [s for s in t["subscriptions"] if s["subscriber"] == sys.argv[1] and s["filter"] == sys.argv[2]]
print(len(m) if sys.argv[3] == "count" else m[0][sys.argv[3]] if m else "none")' "$@"
}

# Wildcards: + is one level, # the rest; other/x reaches no one.
send pub "burst sensors/kitchen/temp 3"
send pub "burst sensors/hall/humidity 2"
send pub "burst other/x 1"
wait_for "$log" '^pub\[[0-9]+\]: published 1 on other/x, 0 failed' 10
wait_count all 'got sensors/(kitchen/temp|hall/humidity) ' 5 10
wait_count temp 'got sensors/kitchen/temp ' 3 10
wait_count rt 'got sensors/hall/humidity ' 2 10
[ "$(seqs temp sensors/kitchen/temp)" = "1 2 3 " ] || fail "temp got $(seqs temp sensors/kitchen/temp)"
# Every transport: unix and tcp subscribers (drop_newest: no publisher can
# take mail out of a socket) get the same, in order.
wait_count ux 'got sensors/kitchen/temp ' 3 10
wait_count tc 'got sensors/kitchen/temp ' 3 10
[ "$(seqs ux sensors/kitchen/temp)" = "1 2 3 " ] || fail "unix subscriber got $(seqs ux sensors/kitchen/temp)"
[ "$(seqs tc sensors/kitchen/temp)" = "1 2 3 " ] || fail "tcp subscriber got $(seqs tc sensors/kitchen/temp)"
[ "$(count temp 'got sensors/hall')" -eq 0 ] || fail "sensors/+/temp matched sensors/hall/humidity"
[ "$(count '[a-z]+' 'got other/')" -eq 0 ] || fail "other/x was delivered"
[ "$(count rt 'got sensors/kitchen')" -eq 0 ] || fail "rt's sensors/hall/# matched kitchen"

# A frozen subscriber never stalls the publisher or the others: old
# (drop_oldest, mq depth 4) keeps the newest 4, new (drop_newest, shm
# depth 4) the first 4, each drop counted on the subscription.
old_pid=$(actor_pid "$n" old) new_pid=$(actor_pid "$n" new)
[ -n "$old_pid" ] && [ -n "$new_pid" ] || fail "no pids for old and new"
kill -STOP "$old_pid" "$new_pid"
send pub "burst sensors/garage/temp 100"
wait_for "$log" '^pub\[[0-9]+\]: published 100 on sensors/garage/temp, 0 failed' 10
wait_count all 'got sensors/garage/temp ' 100 20
wait_count temp 'got sensors/garage/temp ' 100 20
want=$(seq -s ' ' 1 100)' '
[ "$(seqs all sensors/garage/temp)" = "$want" ] || fail "all: not 1..100 in order"
[ "$(seqs temp sensors/garage/temp)" = "$want" ] || fail "temp: not 1..100 in order"
[ "$(sub_field old sensors/garage/temp dropped)" = 96 ] ||
	fail "old dropped $(sub_field old sensors/garage/temp dropped), want 96"
[ "$(sub_field old sensors/garage/temp delivered)" = 100 ] || fail "old: delivered"
[ "$(sub_field new sensors/garage/temp dropped)" = 96 ] ||
	fail "new dropped $(sub_field new sensors/garage/temp dropped), want 96"
[ "$(sub_field new sensors/garage/temp delivered)" = 4 ] || fail "new: delivered"
[ "$(sub_field all 'sensors/#' dropped)" = 0 ] || fail "all dropped some"
# all's two filters both match garage/temp: one delivery, by the first.
[ "$(sub_field all 'sensors/#' delivered)" = 105 ] || fail "all: delivered"
[ "$(sub_field all 'sensors/garage/+' delivered)" = 0 ] || fail "all: a second delivery"
# A frozen unix subscriber drops by its policy too, and the publisher
# never waits on its socket.
ux_pid=$(actor_pid "$n" ux)
kill -STOP "$ux_pid"
send pub "burst sensors/kitchen/load 100"
wait_for "$log" '^pub\[[0-9]+\]: published 100 on sensors/kitchen/load, 0 failed' 20
uxd=$(sub_field ux 'sensors/kitchen/+' dropped) uxl=$(sub_field ux 'sensors/kitchen/+' delivered)
[ "$uxd" -gt 0 ] && [ "$((uxd + uxl))" -eq 103 ] ||
	fail "frozen unix subscriber: $uxl delivered + $uxd dropped, want 103 with some dropped"

# Rates: the daemon's snapshots every 2 s show that burst as messages per
# second, delivered and dropped, on the subscriptions that had it; none
# on the one that never delivered.
rate_seen=
for _ in $(seq 1 40); do
	dr=$(sub_field ux 'sensors/kitchen/+' drop_rate)
	dl=$(sub_field all 'sensors/#' rate)
	if python3 -c 'import sys; sys.exit(not (float(sys.argv[1]) > 0 and float(sys.argv[2]) > 0))' "$dr" "$dl"; then
		rate_seen=1
		break
	fi
	sleep 0.2
done
[ -n "$rate_seen" ] || fail "no rates in troupectl topics (drop_rate $dr, rate $dl)"
r=$(sub_field all "sensors/garage/+" rate); [ "$r" = 0.0 ] || fail "a rate without deliveries: $r"
ctl -n "$n" topics | grep -q 'MSG/S *DROP/S' || fail "troupectl topics shows no rate columns"
kill -CONT "$ux_pid"
kill -CONT "$old_pid" "$new_pid"
wait_count old 'got sensors/garage/temp ' 4 10
wait_count new 'got sensors/garage/temp ' 4 10
[ "$(seqs old sensors/garage/temp)" = "97 98 99 100 " ] || fail "old got $(seqs old sensors/garage/temp)"
[ "$(seqs new sensors/garage/temp)" = "1 2 3 4 " ] || fail "new got $(seqs new sensors/garage/temp)"

# 1000 subscriptions churned: every one made and ended, none left in the
# table, and a publish still reaches exactly the subscribers there are.
send late "churn churn/# 1000"
wait_for "$log" '^late\[[0-9]+\]: churned churn/#: ' 60
grep -qE '^late\[[0-9]+\]: churned churn/#: 1000 subscribed, 1000 unsubscribed$' "$log" ||
	fail "churn: $(grep -E '^late\[[0-9]+\]: churned' "$log")"
[ "$(sub_field late 'churn/#' count)" = 0 ] || fail "churned subscriptions left in the table"

# A late joiner gets the retained value first (kitchen/temp's last: 3).
send late "sub sensors/kitchen/#"
wait_for "$log" '^late\[[0-9]+\]: subscribed sensors/kitchen/#: ok' 10
wait_count late 'got sensors/kitchen/temp seq=3 from pub' 1 10
[ "$(sub_field late 'sensors/kitchen/#' kind)" = runtime ] || fail "late: no run-time subscription"
# troupectl pub reaches it; after unsubscribe, nothing more does.
ctl -n "$n" pub sensors/kitchen/temp demo.Reading seq=500 || fail "troupectl pub"
wait_count late 'got sensors/kitchen/temp seq=500 from troupectl' 1 10
send late "unsub sensors/kitchen/#"
wait_for "$log" '^late\[[0-9]+\]: unsubscribed sensors/kitchen/#: ok' 10
ctl -n "$n" pub sensors/kitchen/temp demo.Reading seq=501 || fail "troupectl pub"
wait_count all 'got sensors/kitchen/temp seq=501' 1 10
send late "unsub sensors/kitchen/#"   # a mark: after any 501 in its mailbox
wait_for "$log" '^late\[[0-9]+\]: unsubscribed sensors/kitchen/#: no such' 10
[ "$(count late 'got .*seq=501')" -eq 0 ] || fail "late got mail after unsubscribe"
[ "$(sub_field late 'sensors/kitchen/#' count)" = 0 ] || fail "late's subscription stayed"
# A run-time subscription ends with its process (late does not renew it).
send late "sub sensors/hall/#"
wait_for "$log" '^late\[[0-9]+\]: subscribed sensors/hall/#: ok' 10
[ "$(sub_field late 'sensors/hall/#' count)" = 1 ] || fail "late: no hall subscription"
kill -KILL "$(actor_pid "$n" late)"
wait_count late ready 2 10
[ "$(sub_field late 'sensors/hall/#' count)" = 0 ] || fail "late's subscription outlived its process"

# Killed -9 and replaced: a declared subscriber keeps its subscription
# and gets the retained value (501, from troupectl) first; then new mail.
temp_pid=$(actor_pid "$n" temp)
kill -KILL "$temp_pid"
wait_count temp ready 2 10
wait_count temp 'got sensors/kitchen/temp seq=501 from troupectl' 2 10   # live, then retained
temp_pid=$(actor_pid "$n" temp)
first=$(grep -m1 -E "^temp\[$temp_pid\]: got" "$log")
[ "$first" = "temp[$temp_pid]: got sensors/kitchen/temp seq=501 from troupectl" ] ||
	fail "the restarted temp's first message: '$first', want the retained value"
# A run-time subscriber killed -9: its subscription ends with it, its
# replacement subscribes again in init: one subscription, not two.
rt_pid=$(actor_pid "$n" rt)
kill -KILL "$rt_pid"
wait_count rt ready 2 10
[ "$(sub_field rt 'sensors/hall/#' count)" = 1 ] || fail "rt: $(sub_field rt 'sensors/hall/#' count) subscriptions"
send pub "burst sensors/kitchen/temp 5"
wait_for "$log" '^pub\[[0-9]+\]: published 5 on sensors/kitchen/temp, 0 failed' 10
wait_count temp 'got sensors/kitchen/temp seq=[1-5] from pub' 8 10   # 1..3 before, 1..5 now
ctl -n "$n" topics >"$WORK/topics.txt" || fail "troupectl topics"
grep -qE '^sensors/kitchen/temp +demo.Reading +[0-9]+ +[0-9]+ pub ' "$WORK/topics.txt" ||
	fail "troupectl topics: no retained value from pub: $(cat "$WORK/topics.txt")"
grep -qE '^  seq = 5$' "$WORK/topics.txt" || fail "troupectl topics: retained seq is not 5"

# troupectl sub: typed, with topic and publisher, text and JSON; two
# clients of one filter share the daemon's one subscription, which ends
# with the last of them.
ctl -n "$n" -t $((10 * SLOW)) sub 'sensors/+/temp' 3 >"$WORK/sub.txt" 2>&1 &
sub1=$!
ctl -n "$n" -t $((10 * SLOW)) -j sub 'sensors/+/temp' 3 >"$WORK/sub.json" 2>&1 &
sub2=$!
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(sub_field troupe.daemon 'sensors/+/temp' count)" = 1 ] && break
	sleep 0.1
done
[ "$(sub_field troupe.daemon 'sensors/+/temp' count)" = 1 ] ||
	fail "troupectl sub: the daemon's subscriptions: $(ctl -n "$n" topics)"
ctl -n "$n" pub sensors/hall/humidity demo.Reading seq=700 || fail "troupectl pub"
for s in 701 702 703; do
	ctl -n "$n" pub sensors/attic/temp demo.Reading seq=$s || fail "troupectl pub $s"
done
wait "$sub1" || fail "troupectl sub: exit $?: $(cat "$WORK/sub.txt")"
wait "$sub2" || fail "troupectl sub -j: exit $?: $(cat "$WORK/sub.json")"
[ "$(grep -c '^sensors/attic/temp from troupectl: demo.Reading$' "$WORK/sub.txt")" = 3 ] ||
	fail "troupectl sub: $(cat "$WORK/sub.txt")"
[ "$(grep -c '^  seq = 70[123]$' "$WORK/sub.txt")" = 3 ] || fail "troupectl sub: seqs: $(cat "$WORK/sub.txt")"
grep -q 'humidity\|seq = 700' "$WORK/sub.txt" && fail "troupectl sub: a topic outside its filter"
grep -q '^{"topic":"sensors/attic/temp","sender":"troupectl","message":{"type":"demo.Reading","msgid":1001,"fields":{"seq":701,' "$WORK/sub.json" ||
	fail "troupectl sub -j: $(cat "$WORK/sub.json")"
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(sub_field troupe.daemon 'sensors/+/temp' count)" = 0 ] && break
	sleep 0.1
done
[ "$(sub_field troupe.daemon 'sensors/+/temp' count)" = 0 ] ||
	fail "troupectl sub: the daemon's subscription outlived its clients"
ctl -n "$n" sub 'sensors/#/x' 2>"$WORK/err" && fail "troupectl sub took a bad filter"
grep -q "not an MQTT filter" "$WORK/err" || fail "troupectl sub: [$(cat "$WORK/err")]"

node_stop "$DPID" 10
assert_clean "$n"
echo "PASS: topics"
