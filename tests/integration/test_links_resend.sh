#!/usr/bin/env bash
# Node links across connection losses (link version 4): A streams
# numbered readings to a logger on B through a TCP proxy that cuts both
# connections every CUT_MS ms, LINK_CUTS times (20 by default; mid-frame,
# with mail sealed and unwritten, on the wire, or delivered but not yet
# acknowledged).  Every number arrives exactly once and in order; A sent
# mail again after reconnects (troupectl links: resent) and nothing came
# back undeliverable.  Meanwhile a second stream of 40 goes to a sink
# frozen (SIGSTOP) across cuts: its mail waits in B's hold, so B does not
# acknowledge it, A sends it again after each reconnect and B drops those
# copies (duplicates); the sink, thawed, gets each of the 40 once, in
# order.  B streams back to A across the same cuts (a quarter as many):
# the other direction holds the same promise.  With LINK_VERSION=3 both
# nodes play the release
# before delivery sequences (at most once): the check then fails, which is
# what this test guards against.
. "$(dirname "$0")/lib.sh"
CUTS=${LINK_CUTS:-20}
CUT_MS=$(( ${CUT_MS:-300} * SLOW ))
N=$(( CUTS * ${CUT_MS:-300} ))   # about one reading a millisecond: one cut per CUT_MS of stream
a=$(unique r) b=$(unique s)
base=$(( 20000 + ($$ % 3000) * 4 + 2 ))
pa=$base pb=$((base + 1))
group_key "$WORK/group.key"
python3 "$(dirname "$0")/cutproxy.py" "$WORK/proxy.port" $pb "$CUTS" "$CUT_MS" \
	$(( (30 + CUTS * 2) * SLOW )) & proxy=$!
DAEMONS+=("$proxy")
for ((i = 0; i < 50; i++)); do [ -s "$WORK/proxy.port" ] && break; sleep 0.1; done
px=$(cat "$WORK/proxy.port") || fail "the cutting proxy did not start"

# node FILE NAME PORT PEER PEER_PORT: linked_node, with heartbeats scaled
# like every other wait (the cuts close the link, not a starved peer).
node() {
	printf '[node]\nname = %s\nlisten = 127.0.0.1:%s\nkey_file = group.key\n' "$2" "$3" >"$1"
	printf 'link_heartbeat_ms = %s\nlink_dead_ms = %s\n' $((200 * SLOW)) $((1000 * SLOW)) >>"$1"
	printf '[peer %s]\naddress = 127.0.0.1:%s\n' "$4" "$5" >>"$1"
}
node "$WORK/a.ini" "$a" $pa "$b" $px   # a sorts first: it dials, through the proxy
cat >>"$WORK/a.ini" <<INI
[actor streamer]
exec = streamer
args = --to logger@$b --count $N --burst 2 --period $(( 2 * SLOW ))
[actor held]
exec = streamer
args = --to sink@$b --count 40 --burst 2 --period $(( 2 * SLOW )) --wait $(( 1500 * SLOW ))
[actor tail]
exec = logger
export = $b
transport = shm
depth = 2048
msg_max = 256
INI
node "$WORK/b.ini" "$b" $pb "$a" $pa
# The sink is frozen on purpose: its held mail must not be given up.
sed -i 's/^key_file = group.key$/&\nlink_hold_ms = 60000/' "$WORK/b.ini"
cat >>"$WORK/b.ini" <<INI
[actor logger]
exec = logger
export = $a
# Room for a reconnect's burst (the resent and the queued at once): a
# refusal would be honest (a notice) but is not what this test is about.
transport = shm
depth = 2048
msg_max = 256
[actor back]
exec = streamer
args = --to tail@$a --count $(( N / 4 )) --burst 1 --period $(( 2 * SLOW ))
[actor sink]
exec = streamer
args = --sink 1
export = $a
depth = 4
INI
v=${LINK_VERSION:-}
TROUPE_TEST_LINK_VERSION=$v node_start "$b" "$WORK/b.ini"; db=$DPID
TROUPE_TEST_LINK_VERSION=$v node_start "$a" "$WORK/a.ini"; da=$DPID
wait_for "$WORK/$a.log" "link $b \(127.0.0.1:$px\): up" 20
ncuts() { wc -l <"$WORK/proxy.port.cuts" 2>/dev/null || echo 0; }
# The sink frozen before the held stream starts (--wait 1.5 s): 4 of its
# 40 fill its mailbox, 36 wait in B's hold across the next cuts.
ctl -n "$b" -t $((10 * SLOW)) wait-for sink >/dev/null || fail "sink on $b is not up"
sink=$(actor_pid "$b" sink)
kill -STOP "$sink" || fail "cannot freeze the sink ($sink)"
wait_for "$WORK/$a.log" "^held\[[0-9]*\]: sent 40$" 20
c0=$(ncuts)
for ((i = 0; i < 30 * SLOW * 10; i++)); do
	[ "$(ncuts)" -ge $((c0 + 2)) ] && break
	sleep 0.1
done
[ "$(ncuts)" -ge $((c0 + 2)) ] || fail "no cuts while the sink was frozen"
kill -CONT "$sink"

# Bounded: the stream ends (N readings), the cuts are all made.
wait_for "$WORK/$a.log" "^streamer\[[0-9]*\]: sent $N$" $(( 30 + CUTS * 2 ))
for ((i = 0; i < (20 + CUTS) * SLOW * 10; i++)); do
	[ "$(wc -l <"$WORK/proxy.port.cuts" 2>/dev/null || echo 0)" -ge "$CUTS" ] && break
	sleep 0.1
done
cuts=$(wc -l <"$WORK/proxy.port.cuts" 2>/dev/null || echo 0)
[ "$cuts" -ge "$CUTS" ] || fail "the proxy made $cuts cuts, want $CUTS"
# The last reading gets in once the link is up for good.
seqs() { grep -o '^logger\[[0-9]*\]: seq=[0-9]*' "$WORK/$b.log" | cut -d= -f2; }
for ((i = 0; i < 30 * SLOW * 10; i++)); do
	[ "$(seqs | tail -n 1)" = "$N" ] && break
	sleep 0.1
done
sleep 0.5   # a duplicate would come right behind
seqs | awk -v n=$N 'NR != $1 { printf "reading %d where %d was due\n", $1, NR; bad = 1; exit }
		    END { if (!bad && NR != n) { printf "%d readings of %d\n", NR, n; bad = 1 }
			  exit bad }' ||
	fail "readings lost, repeated or out of order across $cuts cuts"
# The other direction.
wait_for "$WORK/$b.log" "^back\[[0-9]*\]: sent $(( N / 4 ))$" 30
tails() { grep -o '^tail\[[0-9]*\]: seq=[0-9]*' "$WORK/$a.log" | cut -d= -f2; }
for ((i = 0; i < 30 * SLOW * 10; i++)); do
	[ "$(tails | tail -n 1)" = "$(( N / 4 ))" ] && break
	sleep 0.1
done
tails | awk -v n=$(( N / 4 )) 'NR != $1 { printf "reading %d where %d was due\n", $1, NR; bad = 1; exit }
		      END { if (!bad && NR != n) { printf "%d readings of %d\n", NR, n; bad = 1 }
			    exit bad }' ||
	fail "readings from $b lost, repeated or out of order across $cuts cuts"
grep -q '^back\[[0-9]*\]: undeliverable' "$WORK/$b.log" &&
	fail "mail from $b came back undeliverable: $(grep -m3 undeliverable "$WORK/$b.log")"
got() { grep -o "^sink\[[0-9]*\]: got seq=[0-9]* from held@$a" "$WORK/$b.log" | sed 's/.*seq=\([0-9]*\).*/\1/'; }
for ((i = 0; i < 20 * SLOW * 10; i++)); do
	[ "$(got | wc -l)" -ge 40 ] && break
	sleep 0.1
done
got | awk 'NR != $1 { printf "held reading %d where %d was due\n", $1, NR; bad = 1; exit }
	   END { if (!bad && NR != 40) { printf "%d held readings of 40\n", NR; bad = 1 }
		 exit bad }' ||
	fail "mail held across cuts lost, repeated or out of order"
grep -q '^\(streamer\|held\)\[[0-9]*\]: undeliverable' "$WORK/$a.log" &&
	fail "mail came back undeliverable: $(grep -m3 undeliverable "$WORK/$a.log")"
ja=$(ctl -n "$a" -j links) jb=$(ctl -n "$b" -j links)
resent=$(echo "$ja" | sed -n 's/.*"resent":\([0-9]*\).*/\1/p')
dups=$(echo "$jb" | sed -n 's/.*"duplicates":\([0-9]*\).*/\1/p')
reconnects=$(echo "$ja" | sed -n 's/.*"reconnects":\([0-9]*\).*/\1/p')
echo "cuts $cuts, reconnects $reconnects, resent $resent, duplicates dropped on $b $dups"
[ "${reconnects:-0}" -ge "$CUTS" ] || fail "$reconnects reconnects for $cuts cuts"
[ "${resent:-0}" -gt 0 ] || fail "no mail sent again across $cuts cuts: $ja"
# The held stream's copies sent again were dropped on B, never delivered.
[ "${dups:-0}" -gt 0 ] || fail "no duplicates dropped on $b (held mail acknowledged?): $jb"
echo "$ja" | grep -q '"restarted":0,' || fail "mail answered as if $b restarted: $ja"
echo "$ja" | grep -q '"unacked":0,' || fail "mail still unacknowledged: $ja"

kill $proxy 2>/dev/null; wait $proxy 2>/dev/null
node_stop $da || fail "node $a exited with $?"
node_stop $db || fail "node $b exited with $?"
assert_clean "$a"
assert_clean "$b"
echo ok
