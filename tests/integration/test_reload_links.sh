#!/usr/bin/env bash
# Reload of a node with node links: node a (peer b) loses two actors,
# gains one exported to b, and its linker (which calls and monitors
# echo@b) moves to another registry index; afterwards, and after a SIGHUP
# that grows the node, its calls to echo@b still get answers, troupectl
# links still shows b up, the Down of echo@b reaches the linker, b can
# send to the new actor, and both nodes stop clean.  Changes to the links
# themselves (listen, key_file, link_* keys, the [peer] sections) are
# refused with FILE:LINE and leave a as it was.
. "$(dirname "$0")/lib.sh"
a=$(unique ra) b=$(unique rb)
base=$(( 23000 + ($$ % 3000) * 2 ))
pa=$base pb=$((base + 1))
group_key "$WORK/group.key"

node_sect() {   # NAME PORT
	printf '[node]\nname = %s\nlisten = 127.0.0.1:%s\nkey_file = group.key\n' "$1" "$2"
	printf 'backoff_ms = 0\nlink_heartbeat_ms = 200\nlink_dead_ms = 1000\n'
}
peer_sect() { printf '[peer %s]\naddress = 127.0.0.1:%s\n' "$1" "$2"; }
A=$WORK/a.ini
a_head() { node_sect "$a" $pa; peer_sect "$b" $pb; }
{ a_head
  printf '[actor e1]\nexec = echo\n[actor e2]\nexec = echo\n[actor e3]\nexec = echo\n'
  printf '[actor linker]\nexec = linker\nargs = --to echo@%s\n' "$b"; } >"$A"
{ node_sect "$b" $pb; peer_sect "$a" $pa
  printf '[actor echo]\nexec = echo\nexport = %s\n' "$a"
  printf '[actor logger]\nexec = logger\nexport = %s\n' "$a"; } >"$WORK/b.ini"

node_start "$b" "$WORK/b.ini"; pid_b=$DPID
node_start "$a" "$A"; pid_a=$DPID
wait_for "$WORK/$a.log" "link $b \(127.0.0.1:$pb\): up" 20
wait_for "$WORK/$a.log" "^linker\[[0-9]*\]: monitoring echo@$b: ok" 10
tc() { ctl -n "$a" "$@"; }
# calls_after COUNT WHAT: the linker gets 3 more answers from echo@b.
calls_after() {
	local i
	for ((i = 0; i < 100 * SLOW; i++)); do
		[ "$(calls)" -ge $(($1 + 3)) ] && return
		sleep 0.1
	done
	fail "no calls to echo@$b answered after $2"
}
calls() { grep -c '^linker\[[0-9]*\]: call ok' "$WORK/$a.log"; }
linker=$(actor_pid "$a" linker)
[ -n "$linker" ] || fail "no linker"

# -- What cannot change while the links run is refused, by file and line.
refused() {   # what-the-message-says
	local out
	out=$(tc reload 2>&1) && fail "reload succeeded: $out"
	echo "$out" | grep -qF -- "$1" || fail "reload: no '$1' in: $out"
	echo "$out" | grep -qF "restart the node to apply it" || fail "reload: no advice: $out"
}
cp "$A" "$WORK/a.good"
sed -i "s/^listen = .*/listen = 127.0.0.1:$((pa + 7))/" "$A"
refused "$A:1: [node]: listen changed from '127.0.0.1:$pa' to '127.0.0.1:$((pa + 7))'"
cp "$WORK/a.good" "$A"; sed -i 's/^link_dead_ms = .*/link_dead_ms = 3000/' "$A"
refused "$A:1: [node]: link_dead_ms changed from 1000 to 3000"
cp "$WORK/a.good" "$A"; sed -i 's/^key_file = .*/key_file = other.key/' "$A"
cp "$WORK/group.key" "$WORK/other.key"
refused "$A:1: [node]: key_file changed from 'group.key' to 'other.key'"
cp "$WORK/a.good" "$A"; sed -i "s/^address = .*/address = 127.0.0.1:$((pb + 7))/" "$A"
refused "$A:8: [peer $b]: address changed from '127.0.0.1:$pb' to '127.0.0.1:$((pb + 7))'"
cp "$WORK/a.good" "$A"; printf '[peer zz]\naddress = 127.0.0.1:%s\n' $((pb + 9)) >>"$A"
refused "[peer zz]: a new peer"
sed "/^\[peer $b\]/,/^address/d" "$WORK/a.good" >"$A"
refused "[peer $b]: removed"
[ "$(actor_pid "$a" linker)" = "$linker" ] || fail "a refused reload touched the linker"

# -- e1 and e3 go, n1 (exported to b) comes, the linker moves from index 3
# to 2 (e2 keeps 1, n1 takes 0).
{ a_head
  printf '[actor n1]\nexec = logger\nexport = %s\n[actor e2]\nexec = echo\n' "$b"
  printf '[actor linker]\nexec = linker\nargs = --to echo@%s\n' "$b"; } >"$A"
out=$(tc reload) || fail "reload failed: $out"
[ "$out" = "reload: $A: 2 kept, 0 restarted, 1 started, 2 stopped" ] || fail "reload said: $out"
wait_for "$WORK/$a.log" 'reload: done; 3 actors' 10
tc -t 5 wait-for n1 || fail "n1 not up"
[ "$(actor_pid "$a" linker)" = "$linker" ] || fail "the kept linker was restarted"

# Mail from a's actors to b's still flows: more calls answered.
calls_after "$(calls)" "the reload"
tc links | grep -qE "^$b +127.0.0.1:$pb +up " || fail "links after the reload: $(tc links)"
# The daemon's own mail goes through the moved outbox too (a LogLine
# "hi": 0a026869).
tc send "logger@$b" 1004 0a026869 || fail "troupectl send logger@$b after the reload"
wait_for "$WORK/$b.log" "^logger\[[0-9]*\]: troupe.daemon@$a: hi" 10
# b learns of n1 and may send to it.
for ((i = 0; i < 50 * SLOW; i++)); do
	ctl -q -n "$b" send "n1@$a" 1004 0a026869 2>/dev/null &&
		grep -qE "^n1\[[0-9]*\]: troupe.daemon@$b: hi" "$WORK/$a.log" && break
	sleep 0.1
done
wait_for "$WORK/$a.log" "^n1\[[0-9]*\]: troupe.daemon@$b: hi" 5
# SIGHUP: the node grows by two, over where the outbox and b's actors were.
printf '[actor n2]\nexec = echo\n[actor n3]\nexec = echo\n' >>"$A"
kill -HUP $pid_a
wait_for "$WORK/$a.log" 'reload: done; 5 actors' 10
tc -t 5 wait-for n3 || fail "n3 not up"
calls_after "$(calls)" "SIGHUP"
tc links | grep -qE "^$b +127.0.0.1:$pb +up " || fail "links after SIGHUP: $(tc links)"
# The linker's monitor of echo@b moved with it: echo's end reaches it.
ctl -n "$b" stop echo >/dev/null || fail "stop echo@$b"
wait_for "$WORK/$a.log" "^linker\[$linker\]: down echo@$b reason=" 10

node_stop $pid_a || fail "node $a exited with $?"
node_stop $pid_b || fail "node $b exited with $?"
assert_clean "$a"
assert_clean "$b"
echo ok
