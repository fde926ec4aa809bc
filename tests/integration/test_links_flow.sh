#!/usr/bin/env bash
# Flow control per destination on a node link: two daemons on 127.0.0.1,
# default link timings (heartbeat 1 s, dead after 3 s; scaled under qemu).  Node b has a
# fast echo, a slow one (200 ms a message), a frozen one (600 s a
# message, when_full = block) and a frozen one that drops its oldest
# (drop_oldest), all behind the one link from a.  On a, a sensor sends 50
# messages a second to each of the slow three for 12 s while a caller
# calls the fast echo every 20 ms.  Asserted:
#   - the link never flaps: no "closed" or "up again" line on either node,
#     reconnects 0 on both;
#   - the fast echo's calls all succeed, their median latency within 2x
#     the baseline's (measured before the flood) plus 2 ms: generous, the
#     bug made them fail at their 1 s deadline;
#   - nothing to the slow three is lost in silence: of what the sensor's
#     runtime took, each message was put into its mailbox on b (counted
#     sent there; drop_oldest's drops among them, counted dropped) or came
#     back to the sensor as an Undeliverable notice, or that notice found
#     the sensor's mailbox full (counted notices_lost on a);
#   - troupectl links on b shows the mail waiting for frozen, within its
#     window;
#   - troupectl call fast@b from a is answered across the link.
. "$(dirname "$0")/lib.sh"
a=$(unique fa) b=$(unique fb)
# Ports apart from test_links.sh's and test_links_notices.sh's.
base=$(( 20000 + ($$ % 4000) * 2 ))
pa=$base pb=$((base + 1))
group_key "$WORK/group.key"
SECS=12

# The defaults natively; under qemu-user (SLOW 4) scaled as every wait
# here is: an emulated daemon on a shared machine can miss 3 s of its own.
timing() {
	[ "$SLOW" -eq 1 ] && return
	sed -i "/^key_file/a link_heartbeat_ms = $((1000 * SLOW))\nlink_dead_ms = $((3000 * SLOW))" "$1"
}
linked_node "$WORK/a.ini" "$a" $pa "$b" $pb
timing "$WORK/a.ini"
cat >>"$WORK/a.ini" <<INI
[actor caller]
exec = flowprobe
args = --probe fast@$b --call fast@$b --base 40 --load-ms 2500 --secs $SECS
[actor sensor]
exec = flowprobe
args = --probe fast@$b --flood slow@$b --flood frozen@$b --flood lossy@$b --start-ms 2000 --secs $SECS
# Room for the notices (about 100 a second) while a send blocks it.
transport = shm
depth = 256
INI
linked_node "$WORK/b.ini" "$b" $pb "$a" $pa
timing "$WORK/b.ini"
cat >>"$WORK/b.ini" <<INI
[actor fast]
exec = echo
export = $a
[actor slow]
exec = echo
args = --delay-ms 200
depth = 4
export = $a
[actor frozen]
exec = echo
args = --delay-ms 600000
depth = 4
export = $a
[actor lossy]
exec = echo
args = --delay-ms 600000
depth = 4
when_full = drop_oldest
export = $a
INI

node_start "$b" "$WORK/b.ini"; pid_b=$DPID
node_start "$a" "$WORK/a.ini"; pid_a=$DPID
L=$WORK/$a.log
wait_for "$L" "^caller\[[0-9]*\]: baseline n=40 " 30
# -- During the flood: what waits, for whom, bounded by the window.
for ((i = 0; i < 50 * SLOW; i++)); do
	ctl -n "$b" links | grep -qE "held for frozen: [1-9][0-9]*/64" && break
	sleep 0.1
done
ctl -n "$b" links | grep -qE "held for frozen: [1-9][0-9]*/64" ||
	{ ctl -n "$b" links >&2; fail "troupectl links on $b: no mail held for frozen"; }
wait_for "$L" "^caller\[[0-9]*\]: loaded " $((SECS + 30))

# -- The fast echo, beside the flood.
base_line=$(grep -E "^caller\[[0-9]*\]: baseline " "$L")
load_line=$(grep -E "^caller\[[0-9]*\]: loaded " "$L")
echo "$base_line"; echo "$load_line"
field() { echo "$1" | sed -n "s/.* $2=\([0-9-]*\).*/\1/p"; }
b_med=$(field "$base_line" median_us)
l_med=$(field "$load_line" median_us) l_ok=$(field "$load_line" ok)
l_bad=$(field "$load_line" failed)
[ "$l_bad" -eq 0 ] || fail "$l_bad of the fast echo's calls failed beside the flood"
[ "$l_ok" -ge $((SECS * 10)) ] || fail "only $l_ok calls to the fast echo in ${SECS}s"
[ "$l_med" -le $((2 * b_med + 2000)) ] ||
	fail "the fast echo's median went from $b_med us to $l_med us"

# -- Nothing lost in silence.  A snapshot of b's counters and a's links
# per look (each troupectl run costs), then jcount NAME FIELD reads b's
# counter of mailbox NAME from it.
snap() {
	ctl -n "$b" -j counters >"$WORK/counters.json"
	ctl -n "$a" -j links >"$WORK/links_a.json"
}
jcount() {
	local v; v=$(grep -o "\"name\":\"$1\",[^}]*" "$WORK/counters.json" |
		sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p")
	echo "${v:-0}"
}
tally() { grep -E "^sensor\[[0-9]*\]: tally $1@$b " "$L" | tail -n 1; }
lfield() {   # NODE FIELD: a number of troupectl -j links (one peer)
	ctl -n "$1" -j links | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
# missing: sent on a - (put into the mailboxes on b + notices + notices
# lost on a), all three destinations; each alone never has more arrived
# than sent.
missing() {
	local dest t n=0
	for dest in slow frozen lossy; do
		t=$(tally "$dest")
		[ -n "$t" ] || { echo none; return; }
		local got=$(( $(jcount "$dest" sent) + $(field "$t" notices) ))
		[ "$got" -le "$(field "$t" sent)" ] || { echo "$dest-over"; return; }
		n=$(( n + $(field "$t" sent) - got ))
	done
	local lost; lost=$(sed -n 's/.*"notices_lost":\([0-9]*\).*/\1/p' "$WORK/links_a.json")
	echo $(( n - ${lost:-0} ))
}
# Held mail is given up within link_hold_ms (1 s) of the flood's end.
until=$((SECONDS + 10 * SLOW))
while snap && [ "$(missing)" != 0 ] && [ $SECONDS -lt $until ]; do
	sleep 0.2
done
for dest in slow frozen lossy; do
	t=$(tally "$dest")
	echo "$dest: $t; on $b: sent $(jcount "$dest" sent), dropped $(jcount "$dest" dropped)," \
	     "rejected_full $(jcount "$dest" rejected_full)"
	[ "$(field "$t" sent)" -ge $((SECS * 25)) ] || fail "$dest: the sensor sent too little: $t"
done
echo "$a: notices_lost $(lfield "$a" notices_lost); $b: $(ctl -n "$b" -j links)"
[ "$(missing)" = 0 ] || fail "messages lost in silence: $(missing)"
# drop_oldest dropped what it did, and counted it.
[ "$(jcount lossy dropped)" -gt 0 ] || fail "lossy: nothing counted dropped"

# -- The link never flapped.
for n in "$a" "$b"; do
	# (A dial before the other node listens is refused: not a flap.)
	! grep -E "link [^ ]+ \(.*\): (closed|up again)" "$WORK/$n.log" |
		grep -v ": closed: cannot connect" || fail "the link flapped on $n"
	r=$(ctl -n "$n" -j links | sed -n 's/.*"reconnects":\([0-9]*\).*/\1/p')
	[ "${r:-0}" -eq 0 ] || fail "node $n: $r reconnects"
done

# -- troupectl call across the link: the reply comes back to the daemon.
out=$(ctl -n "$a" -t 3 call "fast@$b" demo.Echo seq=7 data=ping) ||
	fail "troupectl call fast@$b: $out"
echo "$out" | grep -q "seq = 7" || fail "troupectl call fast@$b answered: $out"

node_stop $pid_a || fail "node $a exited with $?"
node_stop $pid_b || fail "node $b exited with $?"
assert_clean "$a"
assert_clean "$b"
echo ok
