#!/usr/bin/env bash
# Node links across a restart of the receiving node (link version 4): A
# streams numbered readings to a logger on B; B is frozen (its daemon
# stops reading, so A's link queue fills with mail sent but never
# acknowledged), then killed and started again.  B comes back with a new
# epoch: A's streamer gets an Undeliverable notice (peer_restarted) for
# exactly the unacknowledged ones, troupectl counts them, and every
# reading is either delivered or told, none silently lost: the first one
# B takes after its restart follows the last it took before, less at most
# those told.  Then B restarts as a node of the release before delivery
# sequences (link version 3): the link comes up and mail flows, as before.
. "$(dirname "$0")/lib.sh"
a=$(unique u) b=$(unique v)
base=$(( 20000 + ($$ % 3000) * 4 + 3 ))
pa=$base pb=$((base + 1))
Q=64
group_key "$WORK/group.key"
node() {
	printf '[node]\nname = %s\nlisten = 127.0.0.1:%s\nkey_file = group.key\n' "$2" "$3" >"$1"
	printf 'link_heartbeat_ms = %s\nlink_dead_ms = %s\n' $((200 * SLOW)) $((1000 * SLOW)) >>"$1"
	printf '[peer %s]\naddress = 127.0.0.1:%s\n' "$4" "$5" >>"$1"
}
node "$WORK/a.ini" "$a" $pa "$b" $pb
cat >>"$WORK/a.ini" <<INI
queue = $Q
[actor streamer]
exec = streamer
args = --to logger@$b --count 1000000 --burst 1 --period $(( 2 * SLOW ))
# Room for the notices, all at once (a full mailbox loses them, counted).
transport = shm
depth = 256
INI
node "$WORK/b.ini" "$b" $pb "$a" $pa
cat >>"$WORK/b.ini" <<INI
[actor logger]
exec = logger
export = $a
transport = shm
depth = 2048
msg_max = 256
INI
links() { ctl -n "$a" -j links; }
field() { links | sed -n "s/.*\"$1\":\"*\([0-9a-f]*\).*/\1/p"; }
seqs() { grep -o '^logger\[[0-9]*\]: seq=[0-9]*' "$1" | cut -d= -f2; }
check_run() {   # file: strictly one by one
	seqs "$1" | awk 'NR > 1 && $1 != prev + 1 { print "seq " $1 " after " prev; bad = 1 }
			 { prev = $1 } END { exit bad }' || fail "$1: out of order or lost"
}
notices() { grep -c "^streamer\[[0-9]*\]: undeliverable logger@$b reason=peer_restarted$" "$WORK/$a.log"; }

node_start "$b" "$WORK/b.ini"; db=$DPID
node_start "$a" "$WORK/a.ini"; da=$DPID
wait_for "$WORK/$a.log" "link $b \(127.0.0.1:$pb\): up" 20
wait_for "$WORK/$b.log" '^logger\[[0-9]*\]: seq=200 ' 20
epoch1=$(field peer_epoch)
[ -n "$epoch1" ] && [ "$epoch1" != 00000000 ] || fail "no peer epoch: $(links)"

# -- B frozen: A sends until its queue is all unacknowledged mail.
kill -STOP $db
for ((i = 0; i < 100 * SLOW; i++)); do
	[ "$(field unacked)" = $Q ] && break
	sleep 0.1
done
U=$(field unacked)
[ "$U" = $Q ] || fail "unacknowledged mail: $U, want $Q: $(links)"
[ "$(notices)" -eq 0 ] || fail "notices before the restart"

# -- B killed and started again: a new epoch.
kill -KILL $db
wait $db 2>/dev/null
mv "$WORK/$b.log" "$WORK/$b.first.log"
node_start "$b" "$WORK/b.ini"; db=$DPID
wait_for "$WORK/$a.log" "link $b \(127.0.0.1:$pb\): up again" 20
wait_for "$WORK/$a.log" "link $b: the peer restarted: $U unacknowledged messages answered undeliverable" 10
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(notices)" -ge "$U" ] && break
	sleep 0.1
done
[ "$(notices)" -eq "$U" ] || fail "$(notices) notices for $U unacknowledged messages"
[ "$(field restarted)" = "$U" ] || fail "troupectl links: restarted is not $U: $(links)"
epoch2=$(field peer_epoch)
[ "$epoch2" != "$epoch1" ] || fail "the peer's epoch did not change ($epoch1)"
# New mail flows, in order, and nothing went missing untold.
wait_for "$WORK/$b.log" '^logger\[[0-9]*\]: seq=' 20
sleep 1
check_run "$WORK/$b.first.log"
check_run "$WORK/$b.log"
last1=$(seqs "$WORK/$b.first.log" | tail -n 1)
first2=$(seqs "$WORK/$b.log" | head -n 1)
n2=$(seqs "$WORK/$b.log" | wc -l)
echo "before the restart up to $last1; $U answered; after it from $first2 ($n2 so far)"
[ "$first2" -gt "$last1" ] || fail "seq $first2 delivered again after the restart (last was $last1)"
[ $((first2 - 1 - last1)) -le "$U" ] ||
	fail "lost silently: last $last1 before, $first2 after, only $U told"
[ "$n2" -ge 20 ] || fail "only $n2 readings after the restart"

# -- B as a node before delivery sequences: the link works as before.
node_stop $db || fail "node $b exited with $?"
mv "$WORK/$b.log" "$WORK/$b.second.log"
TROUPE_TEST_LINK_VERSION=3 node_start "$b" "$WORK/b.ini"; db=$DPID
wait_for "$WORK/$a.log" "link $b \(127.0.0.1:$pb\): up again" 20
wait_for "$WORK/$b.log" '^logger\[[0-9]*\]: seq=' 20
n0=$(seqs "$WORK/$b.log" | wc -l)
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(seqs "$WORK/$b.log" | wc -l)" -ge $((n0 + 50)) ] && break
	sleep 0.1
done
[ "$(seqs "$WORK/$b.log" | wc -l)" -ge $((n0 + 50)) ] || fail "no mail flows to a version 3 peer"
check_run "$WORK/$b.log"
[ "$(field unacked)" = 0 ] || fail "unacknowledged mail on a version 3 link: $(links)"

node_stop $da || fail "node $a exited with $?"
node_stop $db || fail "node $b exited with $?"
assert_clean "$a"
assert_clean "$b"
echo ok
