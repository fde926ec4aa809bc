#!/usr/bin/env bash
# Delivered notices: a send with a notify tag gets exactly one answer,
# with the tag: Delivered once it is in the receiver's mailbox, or
# Undeliverable.  Two daemons on 127.0.0.1.  An actor of the same node
# (the notice comes from the sender's runtime); an actor across the link
# (from the far daemon, confirmed); a frozen receiver behind the link
# whose mailbox (depth 2, when_full = reject) takes 2 and refuses the rest;
# one (depth 2, block) whose mail waits in its daemon and goes in when it
# thaws; then a peer of link version 4, which cannot confirm: each notice says
# so, once (that peer's own Undeliverable may still follow one).
. "$(dirname "$0")/lib.sh"
a=$(unique da) b=$(unique db)
# Ports below the ephemeral range, apart from the other link tests'.
base=$(( 8000 + ($$ % 2000) * 2 ))
pa=$base pb=$((base + 1))
group_key "$WORK/group.key"

linked_node "$WORK/b.ini" "$b" $pb "$a" $pa
sed -i "/^\[node\]/a link_hold_ms = $((20000 * SLOW))" "$WORK/b.ini"
cat >>"$WORK/b.ini" <<INI
[actor slowpoke]
exec = logger
depth = 2
export = $a
[actor sink]
exec = logger
export = $a
[actor frozen]
exec = logger
depth = 2
when_full = reject
export = $a
INI
linked_node "$WORK/a.ini" "$a" $pa "$b" $pb
cat >>"$WORK/a.ini" <<INI
[actor sink]
exec = logger
[actor near]
exec = notifier
args = --to sink --count 5
[actor far]
exec = notifier
args = --to sink@$b --count 5
[actor stuck]
exec = notifier
args = --to frozen@$b --count 6
[actor late]
exec = notifier
args = --to slowpoke@$b --count 4
INI

# once LOG ACTOR N: each tag 1..N answered exactly once, by a Delivered or
# an Undeliverable notice; then the count of each kind in $dv and $ud.
once() {
	local log=$1 who=$2 n=$3 i tags
	for ((i = 0; i < 100 * SLOW; i++)); do
		[ "$(grep -cE "^$who\[[0-9]*\]: (delivered|undeliverable) " "$log")" -ge "$n" ] && break
		sleep 0.1
	done
	tags=$(sed -n "s/^$who\[[0-9]*\]: \(delivered .* tag\|undeliverable .* corr\)=\([0-9]*\).*/\2/p" "$log" |
	       sort -n | paste -sd' ')
	[ "$tags" = "$(seq -s' ' 1 "$n")" ] ||
		{ grep "^$who\[" "$log" >&2; fail "$who: tags answered: '$tags', want 1..$n once each"; }
	grep -q "^$who\[[0-9]*\]: \(other\|send tag\)" "$log" && fail "$who: $(grep "^$who\[" "$log")"
	dv=$(grep -c "^$who\[[0-9]*\]: delivered " "$log")
	ud=$(grep -c "^$who\[[0-9]*\]: undeliverable " "$log")
}

node_start "$b" "$WORK/b.ini"; pid_b=$DPID
ctl -n "$b" -t $((10 * SLOW)) wait-for frozen >/dev/null || fail "frozen on $b is not up"
frozen=$(actor_pid "$b" frozen)
[ -n "$frozen" ] && [ "$frozen" != 0 ] || fail "frozen on $b has no pid"
kill -STOP "$frozen"
slowpoke=$(actor_pid "$b" slowpoke)
[ -n "$slowpoke" ] && [ "$slowpoke" != 0 ] || fail "slowpoke on $b has no pid"
kill -STOP "$slowpoke"
node_start "$a" "$WORK/a.ini"; pid_a=$DPID
L=$WORK/$a.log

# -- An actor of this node: delivered, confirmed, named as it was sent.
once "$L" near 5
[ "$dv" -eq 5 ] || fail "near: $dv delivered, want 5"
grep -q "^near\[[0-9]*\]: delivered sink type=1001 tag=3 confirmed=1$" "$L" ||
	fail "near: $(grep '^near\[' "$L")"
[ "$(grep -c "^sink\[[0-9]*\]: seq=[0-9]* .*(from near)$" "$L")" -eq 5 ] || fail "sink on $a did not get near's 5"

# -- Across the link: the far daemon says it went in.
once "$L" far 5
[ "$dv" -eq 5 ] || fail "far: $dv delivered, want 5"
grep -q "^far\[[0-9]*\]: delivered sink@$b type=1001 tag=5 confirmed=1$" "$L" ||
	fail "far: $(grep '^far\[' "$L")"
[ "$(grep -c "^sink\[[0-9]*\]: seq=[0-9]* .*(from far@$a)$" "$WORK/$b.log")" -eq 5 ] ||
	fail "sink on $b did not get far's 5"

# -- The frozen receiver: its mailbox takes 2, the other 4 are refused.
once "$L" stuck 6
[ "$dv" -eq 2 ] && [ "$ud" -eq 4 ] || fail "stuck: $dv delivered and $ud undeliverable, want 2 and 4"
[ "$(grep -c "^stuck\[[0-9]*\]: undeliverable frozen@$b type=1001 corr=[0-9]* reason=mailbox_full$" "$L")" -eq 4 ] ||
	fail "stuck: $(grep '^stuck\[' "$L")"
kill -CONT "$frozen"

# -- The blocking one: 2 go in, 2 wait in its daemon (held) until it
# thaws, and then go in: 4 delivered.
wait_for "$L" "^late\[[0-9]*\]: sent tag=4$" 10
held() { ctl -n "$b" -j links | sed -n 's/.*"held":\([0-9]*\).*/\1/p'; }
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(held)" = 2 ] && break
	sleep 0.1
done
[ "$(held)" = 2 ] || fail "held on $b: $(ctl -n "$b" -j links)"
[ "$(grep -c "^late\[[0-9]*\]: delivered " "$L")" -eq 2 ] || fail "late: $(grep '^late\[' "$L")"
kill -CONT "$slowpoke"
once "$L" late 4
[ "$dv" -eq 4 ] || fail "late: $dv delivered, want 4"
node_stop $pid_a || fail "node $a exited with $?"
node_stop $pid_b || fail "node $b exited with $?"

# -- A peer of link version 4 does not know the flag: it gets the mail
# without it, and the sender is told at once, unconfirmed.
mv "$L" "$WORK/$a.first.log"
mv "$WORK/$b.log" "$WORK/$b.first.log"
TROUPE_TEST_LINK_VERSION=4 node_start "$b" "$WORK/b.ini"; pid_b=$DPID
node_start "$a" "$WORK/a.ini"; pid_a=$DPID
once "$L" far 5
[ "$dv" -eq 5 ] || fail "far, version 4: $dv delivered, want 5"
[ "$(grep -c "^far\[[0-9]*\]: delivered sink@$b type=1001 tag=[0-9] confirmed=0$" "$L")" -eq 5 ] ||
	fail "far, version 4: $(grep '^far\[' "$L")"
for ((i = 0; i < 50 * SLOW; i++)); do
	[ "$(grep -c "^sink\[[0-9]*\]: seq=[0-9]* .*(from far@$a)$" "$WORK/$b.log")" -ge 5 ] && break
	sleep 0.1
done
[ "$(grep -c "^sink\[[0-9]*\]: seq=[0-9]* .*(from far@$a)$" "$WORK/$b.log")" -eq 5 ] ||
	fail "sink on $b did not get far's 5 at version 4"
# stuck's 6 to a mailbox of depth 2 on the old peer: each tag told once,
# unconfirmed, when it left; that peer may still refuse some (the mailbox
# full, when it takes them slower than they come): its own Undeliverable,
# after the unconfirmed notice, is the one case of two answers.
for ((i = 0; i < 100 * SLOW; i++)); do
	[ "$(grep -c "^stuck\[[0-9]*\]: delivered " "$L")" -ge 6 ] && break
	sleep 0.1
done
tags=$(sed -n "s/^stuck\[[0-9]*\]: delivered frozen@$b type=1001 tag=\([0-9]*\) confirmed=0$/\1/p" "$L" | sort -n | paste -sd' ')
[ "$tags" = "1 2 3 4 5 6" ] || fail "stuck, version 4: $(grep '^stuck\[' "$L")"
grep "^stuck\[[0-9]*\]: undeliverable " "$L" | grep -v "reason=mailbox_full$" && fail "stuck, version 4: another notice"
node_stop $pid_a || fail "node $a exited with $?"
node_stop $pid_b || fail "node $b exited with $?"
assert_clean "$a"
assert_clean "$b"
echo ok
