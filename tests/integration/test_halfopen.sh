#!/usr/bin/env bash
# A half-open link: the peer's daemon frozen (SIGSTOP), so its kernel
# keeps the TCP connection open and acknowledged but nothing more comes.
# The other side declares the link dead within the heartbeat bound
# (link_dead_ms, here 1000 ms, plus slack for a loaded machine), and the
# link comes up again after SIGCONT.
. "$(dirname "$0")/lib.sh"
a=$(unique h) b=$(unique o)
base=$(( 23000 + ($$ % 3000) * 2 ))
pa=$base pb=$((base + 1))
group_key "$WORK/group.key"
for n in a b; do
	[ $n = a ] && me=$a port=$pa peer=$b pport=$pb || me=$b port=$pb peer=$a pport=$pa
	printf '[node]\nname = %s\nlisten = 127.0.0.1:%s\nkey_file = group.key\n' "$me" "$port" >"$WORK/$n.ini"
	printf 'link_heartbeat_ms = 200\nlink_dead_ms = 1000\n' >>"$WORK/$n.ini"
	printf '[peer %s]\naddress = 127.0.0.1:%s\n' "$peer" "$pport" >>"$WORK/$n.ini"
done
cat >>"$WORK/a.ini" <<INI
[actor sensor]
exec = sensor
args = --rate 20 --to filter@$b
INI
cat >>"$WORK/b.ini" <<INI
[actor filter]
exec = filter
export = $a
[actor logger]
exec = logger
INI
node_start "$b" "$WORK/b.ini"; db=$DPID
node_start "$a" "$WORK/a.ini"; da=$DPID
wait_for "$WORK/$a.log" "link $b .*: up" 20
wait_for "$WORK/$b.log" '^logger\[[0-9]*\]: seq=5 ' 20

kill -STOP "$db"
t0=$(date +%s%N)
wait_for "$WORK/$a.log" "link $b .*closed: nothing from the peer for [0-9]+ ms" 10
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "half-open link declared dead after $ms ms (link_dead_ms 1000)"
kill -CONT "$db"
[ "$ms" -le $((1000 + 1000 * SLOW)) ] || fail "dead peer noticed after $ms ms, bound 1000 ms + slack"
[ "$ms" -ge 700 ] || fail "dead peer declared after $ms ms: before the bound (1000 ms less one 200 ms heartbeat)"
wait_for "$WORK/$a.log" "link $b .*: up again" 20
n0=$(grep -c '^logger\[[0-9]*\]: seq=' "$WORK/$b.log")
sleep 1
[ "$(grep -c '^logger\[[0-9]*\]: seq=' "$WORK/$b.log")" -gt "$n0" ] || fail "no mail after the link came back"
node_stop "$da" || fail "node $a exited with $?"
node_stop "$db" || fail "node $b exited with $?"
assert_clean "$a"
assert_clean "$b"
echo ok
