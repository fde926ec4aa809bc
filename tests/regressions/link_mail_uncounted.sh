#!/usr/bin/env bash
# Regression: mail that crossed a node link was counted on neither
# receiving end (the sender's outbox showed SENT n RECEIVED 0, the
# receiving actor SENT 0 RECEIVED n): the daemon's link code called the
# transport directly instead of the mailbox layer.
#
# Counting across a node link: a sensor on A sends N readings to filter@B.
# On A the link's outbox counts N sent (by the sensor) and N received (by
# the daemon, which takes them into the link); on B the filter's mailbox
# counts N sent (by the daemon, from the link) and N received (by the
# filter); the links agree: N mail frames out of A, N into B.  Exact
# numbers, so that no path that moves mail can skip the counters.
. "$(dirname "$0")/../integration/lib.sh"
a=$(unique ca) b=$(unique cb)
N=40
port=$(( 26000 + ($$ % 3000) * 2 ))
group_key "$WORK/group.key"
linked_node "$WORK/a.ini" "$a" $port "$b" $((port + 1))
cat >>"$WORK/a.ini" <<INI
[actor sensor]
exec = sensor
args = --rate 100 --count $N --to filter@$b
INI
linked_node "$WORK/b.ini" "$b" $((port + 1)) "$a" $port
cat >>"$WORK/b.ini" <<INI
[actor filter]
exec = filter
export = $a
[actor logger]
exec = logger
INI
node_start "$b" "$WORK/b.ini"
PB=$DPID
node_start "$a" "$WORK/a.ini"
PA=$DPID

# counts NODE MAILBOX: "sent received dropped" from -j counters.
counts() {
	ctl -n "$1" -j counters | grep -oE "\"name\":\"$2\",\"sent\":[0-9]+,\"received\":[0-9]+,\"dropped\":[0-9]+" |
		sed -E 's/.*"sent":([0-9]+),"received":([0-9]+),"dropped":([0-9]+)/\1 \2 \3/'
}
# expect NODE MAILBOX "SENT RECEIVED DROPPED": bounded wait for exact counts.
expect() {
	local i got
	for ((i = 0; i < 100 * SLOW; i++)); do
		got=$(counts "$1" "$2")
		[ "$got" = "$3" ] && return 0
		sleep 0.1
	done
	fail "$2 on $1: sent received dropped '$got', want '$3': $(ctl -n "$1" counters)"
}
# link_field NODE FIELD: a number from troupectl links -j.
link_field() { ctl -n "$1" -j links | grep -oE "\"$2\":[0-9]+" | head -1 | cut -d: -f2; }

wait_for "$WORK/$b.log" '^logger\[[0-9]*\]: seq='"$N"' ' 30
expect "$a" "link.$b" "$N $N 0"
expect "$b" filter "$N $N 0"
expect "$a" sensor "0 0 0"
[ "$(link_field "$a" mail_tx)" = "$N" ] || fail "$a: mail_tx $(link_field "$a" mail_tx), want $N"
[ "$(link_field "$b" mail_rx)" = "$N" ] || fail "$b: mail_rx $(link_field "$b" mail_rx), want $N"
# The filter forwards each reading to the logger (and an alarm when the
# average crosses the threshold): what it sent, the logger took.
read -r ls lr ld <<<"$(counts "$b" logger)"
[ "$ls" -ge "$N" ] && [ "$ls" = "$lr" ] && [ "$ld" = 0 ] ||
	fail "logger on $b: sent $ls received $lr dropped $ld"

node_stop "$PA" || fail "node $a exited with $?"
node_stop "$PB" || fail "node $b exited with $?"
assert_clean "$a"
assert_clean "$b"
echo ok
