#!/usr/bin/env bash
# Topics across a node link (docs/TOPICS.md, "Topics across node links"):
# two daemons on 127.0.0.1 with a group key.  Published on A, received by
# two subscribers on B while the link carries each message once (A's link
# counters and its one "troupe.daemon@B" delivery per publish); wildcards across the
# link; A's export_topics refusing B's subscription, B's import_topics
# refusing A's publish, each with its log line; no loop back (A subscribes
# too, so B holds "troupe.daemon@A", which mail from A never reaches); a run-time
# unsubscribe on B ending A's subscription; the link cut (B's daemon
# stopped past link_dead_ms) ending B's subscriptions on A, and sent again
# at reconnect, a run-time one included, mail flowing again; nothing left.
. "$(dirname "$0")/lib.sh"
a=$(unique ta) b=$(unique tb)
base=$(( 24000 + ($$ % 2000) * 2 ))
pa=$base pb=$((base + 1))
group_key "$WORK/group.key"

node_sect() {
	printf '[node]\nname = %s\nlisten = 127.0.0.1:%s\nkey_file = group.key\n' "$1" "$2"
	# Scaled under qemu-user: a peer starved of CPU must not look dead.
	printf 'backoff_ms = 0\nlink_heartbeat_ms = %s\nlink_dead_ms = %s\n' \
		$((200 * SLOW)) $((1000 * SLOW))
}
{
	node_sect "$a" $pa
	cat <<INI
[peer $b]
address = 127.0.0.1:$pb
export_topics = sensors/#, alarms/#, news/#
import_topics = sensors/#
[actor pub]
exec = topics
[actor loc]
exec = topics
subscribe = sensors/#
INI
} >"$WORK/a.ini"
{
	node_sect "$b" $pb
	cat <<INI
[peer $a]
address = 127.0.0.1:$pa
import_topics = sensors/#, news/#
export_topics = sensors/#
[actor s1]
exec = topics
subscribe = sensors/kitchen/temp
[actor s2]
exec = topics
args = --sub sensors/+/temp
[actor s3]
exec = topics
subscribe = secret/#
[actor s4]
exec = topics
subscribe = alarms/#
INI
} >"$WORK/b.ini"

node_start "$b" "$WORK/b.ini"; pid_b=$DPID
node_start "$a" "$WORK/a.ini"; pid_a=$DPID
la=$WORK/$a.log lb=$WORK/$b.log
wait_for "$la" "link $b \(127.0.0.1:$pb\): up" 20
wait_for "$lb" "link $a \(127.0.0.1:$pa\): up" 20
for x in pub loc; do wait_for "$la" "^$x\[[0-9]*\]: ready" 10; done
for x in s1 s2 s3 s4; do wait_for "$lb" "^$x\[[0-9]*\]: ready" 10; done

# -- B's interest reaches A: one subscription per filter, to "troupe.daemon@B"; the
# filter A does not export is refused, named, in A's log; A's own
# interest reaches B likewise.
wait_for "$la" "link $b: subscribed to sensors/kitchen/temp" 10
wait_for "$la" "link $b: subscribed to sensors/\+/temp" 10
wait_for "$la" "link $b: subscribed to alarms/#" 10
wait_for "$la" "link $b: refused a subscription to secret/#: not covered by its export_topics" 10
wait_for "$lb" "link $a: subscribed to sensors/#" 10

count() { grep -E "^$2\[[0-9]+\]: $3" "$1" | wc -l; }
wait_count() {   # LOG ACTOR PATTERN N SECONDS
	local secs=$(( $5 * SLOW )) i
	for ((i = 0; i < secs * 10; i++)); do
		[ "$(count "$1" "$2" "$3")" -ge "$4" ] && break
		sleep 0.1
	done
	[ "$(count "$1" "$2" "$3")" -eq "$4" ] && return 0
	echo "--- $la:" >&2; tail -n 25 "$la" >&2
	echo "--- $lb:" >&2; tail -n 25 "$lb" >&2
	fail "$2: $(count "$1" "$2" "$3") lines of '$3' within ${secs}s, want $4"
}
seqs() { grep -E "^$2\[[0-9]+\]: got $3 seq=" "$1" | sed 's/.*seq=\([0-9]*\).*/\1/' | tr '\n' ' '; }
send() { ctl -n "$1" send "$2" demo.LogLine text="$3" || fail "send $2 '$3'"; }
# topics_of NODE SUBSCRIBER: "FILTER:DELIVERED:DROPPED:KIND ..." sorted.
topics_of() {
	ctl -n "$1" -j topics | python3 -c '
import json, sys
t = json.load(sys.stdin)
print(" ".join(sorted("%s:%d:%d:%s" % (s["filter"], s["delivered"], s["dropped"], s["kind"])
      for s in t["subscriptions"] if s["subscriber"] == sys.argv[1])))' "$2"
}
# link_field NODE PEER FIELD: from troupectl -j links.
link_field() {
	ctl -n "$1" -j links | python3 -c '
import json, sys
print([l for l in json.load(sys.stdin) if l["peer"] == sys.argv[1]][0][sys.argv[2]])' "$2" "$3"
}
# settle NODE PEER: until A's link to B has nothing queued (bounded).
settle() {
	local i
	for ((i = 0; i < 50 * SLOW; i++)); do
		[ "$(link_field "$1" "$2" queued)" = 0 ] && return 0
		sleep 0.1
	done
	fail "link $1 -> $2 still has mail queued"
}

[ "$(topics_of "$a" "troupe.daemon@$b")" = "alarms/#:0:0:remote sensors/+/temp:0:0:remote sensors/kitchen/temp:0:0:remote" ] ||
	fail "A's subscriptions for $b: $(topics_of "$a" "troupe.daemon@$b")"
[ "$(link_field "$a" "$b" topic_subs)" = 3 ] || fail "A: topic_subs $(link_field "$a" "$b" topic_subs)"

# -- Published on A: both subscribers on B get each message once, in
# order, from pub@A; the link carries each message once.
settle "$a" "$b"
tx0=$(link_field "$a" "$b" mail_tx)
send "$a" pub "burst sensors/kitchen/temp 8"
wait_for "$la" '^pub\[[0-9]+\]: published 8 on sensors/kitchen/temp, 0 failed' 10
wait_count "$lb" s1 "got sensors/kitchen/temp seq=[0-9]+ from pub@$a\$" 8 10
wait_count "$lb" s2 "got sensors/kitchen/temp seq=[0-9]+ from pub@$a\$" 8 10
want=$(seq -s ' ' 1 8)' '
[ "$(seqs "$lb" s1 sensors/kitchen/temp)" = "$want" ] || fail "s1: not 1..8 in order"
[ "$(seqs "$lb" s2 sensors/kitchen/temp)" = "$want" ] || fail "s2: not 1..8 in order"
settle "$a" "$b"
tx1=$(link_field "$a" "$b" mail_tx)
[ $((tx1 - tx0)) -eq 8 ] || fail "the link carried $((tx1 - tx0)) messages for 8 publishes to 2 subscribers"
# One delivery per publish into B's outbox, counted on the first matching
# subscription; B fanned out 8.
[ "$(topics_of "$a" "troupe.daemon@$b")" = "alarms/#:0:0:remote sensors/+/temp:0:0:remote sensors/kitchen/temp:8:0:remote" ] ||
	fail "A's subscriptions for $b after the burst: $(topics_of "$a" "troupe.daemon@$b")"
[ "$(link_field "$b" "$a" topics_in)" = 8 ] || fail "B: topics_in $(link_field "$b" "$a" topics_in)"
# A's own subscriber got them once: nothing came back over the link.
wait_count "$la" loc "got sensors/kitchen/temp seq=[0-9]+ from pub\$" 8 10
[ "$(topics_of "$b" "troupe.daemon@$a")" = "sensors/#:0:0:remote" ] ||
	fail "mail from $a was fanned out towards $a again: $(topics_of "$b" "troupe.daemon@$a")"
[ "$(count "$la" loc "got .* from pub@")" -eq 0 ] || fail "loc got mail back from $b"

# -- Wildcards: sensors/+/temp on B matches garage, kitchen's filter not.
send "$a" pub "burst sensors/garage/temp 5"
wait_count "$lb" s2 "got sensors/garage/temp seq=[0-9]+ from pub@$a\$" 5 10
[ "$(count "$lb" s1 'got sensors/garage')" -eq 0 ] || fail "s1 got sensors/garage/temp"

# -- B does not import alarms/#: A's publish is refused on B, logged, and
# reaches nobody there.
send "$a" pub "burst alarms/fire 3"
wait_for "$lb" "link $a: refused topic mail from pub@$a on alarms/fire: not in its import_topics" 10
sleep $((1 * SLOW))
[ "$(count "$lb" s4 'got ')" -eq 0 ] || fail "s4 got alarms refused by import_topics"
[ "$(link_field "$b" "$a" topics_refused)" -ge 3 ] ||
	fail "B: topics_refused $(link_field "$b" "$a" topics_refused)"
[ "$(count "$lb" s3 'got ')" -eq 0 ] || fail "s3 got secret mail"

# -- A run-time unsubscribe on B: A's subscription ends; sensors/garage/temp
# crosses no more (loc on A still gets it).
send "$b" s2 "unsub sensors/+/temp"
wait_for "$lb" '^s2\[[0-9]+\]: unsubscribed sensors/\+/temp: ok' 10
wait_for "$la" "link $b: unsubscribed from sensors/\+/temp" 10
[ "$(topics_of "$a" "troupe.daemon@$b")" = "alarms/#:3:0:remote sensors/kitchen/temp:8:0:remote" ] ||
	fail "A's subscriptions for $b after unsub: $(topics_of "$a" "troupe.daemon@$b")"
settle "$a" "$b"
tx0=$(link_field "$a" "$b" mail_tx)
send "$a" pub "burst sensors/garage/temp 5"
wait_count "$la" loc "got sensors/garage/temp seq=[0-9]+ from pub\$" 10 10
settle "$a" "$b"
[ "$(link_field "$a" "$b" mail_tx)" = "$tx0" ] || fail "sensors/garage/temp still crossed after unsub"
[ "$(count "$lb" s2 'got sensors/garage')" -eq 5 ] || fail "s2 got garage after unsub"
# A run-time subscription on B reaches A too.
send "$b" s2 "sub news/#"
wait_for "$la" "link $b: subscribed to news/#" 10

# -- The link cut: B's daemon stopped past link_dead_ms.  A ends B's
# subscriptions; at reconnect B sends its interest again (the run-time
# news/# included) and mail flows again.
kill -STOP "$pid_b"
wait_for "$la" "link $b: its 3 topic subscriptions ended with the link" 10
[ "$(topics_of "$a" "troupe.daemon@$b")" = "" ] || fail "A kept $b's subscriptions: $(topics_of "$a" "troupe.daemon@$b")"
send "$a" pub "burst news/x 2"   # nobody on B wants it now: not kept for B
wait_for "$la" '^pub\[[0-9]+\]: published 2 on news/x, 0 failed' 10
kill -CONT "$pid_b"
wait_for "$la" "link $b \(127.0.0.1:$pb\): up again" 20
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(grep -c "link $b: subscribed to news/#" "$la")" -ge 2 ] && break
	sleep 0.1
done
[ "$(grep -c "link $b: subscribed to news/#" "$la")" -eq 2 ] || fail "news/# not sent again at reconnect"
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(link_field "$a" "$b" topic_subs)" = 3 ] && break
	sleep 0.1
done
[ "$(link_field "$a" "$b" topic_subs)" = 3 ] || fail "after reconnect: $(topics_of "$a" "troupe.daemon@$b")"
send "$a" pub "burst news/x 4"
wait_count "$lb" s2 "got news/x seq=[0-9]+ from pub@$a\$" 4 10
[ "$(seqs "$lb" s2 news/x)" = "1 2 3 4 " ] || fail "s2 news/x: $(seqs "$lb" s2 news/x)"
send "$a" pub "burst sensors/kitchen/temp 2"
wait_count "$lb" s1 "got sensors/kitchen/temp seq=[0-9]+ from pub@$a\$" 10 10

grep -qE "segfault|Aborted|sanitizer" "$la" "$lb" && fail "a crash in a daemon's log"
node_stop "$pid_a" || fail "A did not stop cleanly"
node_stop "$pid_b" || fail "B did not stop cleanly"
assert_clean "$a"
assert_clean "$b"
echo "PASS: topics across a node link"
