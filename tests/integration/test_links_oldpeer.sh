#!/usr/bin/env bash
# A node link to a peer of the release before 64-bit correlation ids
# (played by a daemon whose offered link version is capped at 2): the
# link runs version 2, each side writes envelope version 2 into it (the
# low 32 bits of corr) and restores a reply's full id from the call that
# went out, so calls both ways, and troupectl call, get their replies; the
# peer's Undeliverable notice of a call (its 32-bit id restored too) ends
# the call at once.  A REPLY from the peer that answers no call made on the
# link (a guess of 32 bits) is refused and reaches nobody.
. "$(dirname "$0")/lib.sh"
a=$(unique o) b=$(unique p)
base=$(( 20000 + ($$ % 3000) * 4 + 1 ))
pa=$base pb=$((base + 1))
group_key "$WORK/group.key"
linked_node "$WORK/a.ini" "$a" $pa "$b" $pb
cat >>"$WORK/a.ini" <<INI
[actor echo]
exec = echo
export = $b
[actor farcaller]
exec = mole
args = --call echo@$b
[actor bigcaller]
exec = mole
args = --call small@$b --pad 100
INI
linked_node "$WORK/b.ini" "$b" $pb "$a" $pa
cat >>"$WORK/b.ini" <<INI
[actor echo]
exec = echo
export = $a
[actor small]
exec = echo
export = $a
msg_max = 96
[actor oldcaller]
exec = mole
args = --call echo@$a
[actor linkforger]
exec = mole
args = --reply-to farcaller@$a
INI
node_start "$a" "$WORK/a.ini"; da=$DPID
TROUPE_TEST_LINK_VERSION=2 node_start "$b" "$WORK/b.ini"; db=$DPID

# Both ends agreed version 2, and say so.
wait_for "$WORK/$a.log" "link $b \(127.0.0.1:$pb\): up \(link version 2: 32-bit correlation ids\)" 20
wait_for "$WORK/$b.log" "link $a \(127.0.0.1:$pa\): up \(link version 2: 32-bit correlation ids\)" 20

# 1. Calls both ways: the reply comes back with the caller's 64-bit id.
wait_for "$WORK/$a.log" '^farcaller\[[0-9]*\]: reply seq=2$' 20
wait_for "$WORK/$b.log" '^oldcaller\[[0-9]*\]: reply seq=2$' 20
grep -qE '^(farcaller|oldcaller)\[[0-9]*\]: call failed' "$WORK/$a.log" "$WORK/$b.log" &&
	{ grep 'call failed' "$WORK/$a.log" "$WORK/$b.log"; fail "a call across the link failed"; }

# A call too big for the peer's mailbox: its notice names the call's id
# (32 bits on this link), so the call fails at once, not at its deadline.
wait_for "$WORK/$a.log" '^bigcaller\[[0-9]*\]: call failed' 20
grep -q '^bigcaller\[[0-9]*\]: call failed: message too big' "$WORK/$a.log" ||
	{ grep bigcaller "$WORK/$a.log"; fail "the call too big for the peer did not fail at once"; }

# 2. troupectl call across the link: the daemon's own call record.
out=$(ctl -n "$a" -t $((5 * SLOW)) call "echo@$b" Echo seq=7) || fail "troupectl call: $out"
echo "$out" | grep -q 'seq = 7$' || fail "troupectl call across the link: $out"

# 3. Guessed replies from the peer (random 32-bit ids) are refused, and
# farcaller never takes one (seq 666).
wait_for "$WORK/$b.log" '^linkforger\[[0-9]*\]: sent forged reply 3: ok' 20
wait_for "$WORK/$a.log" "link $b: refused mail from linkforger@$b to farcaller: a reply to no call that went out on this link" 10
grep -q '^farcaller\[[0-9]*\]: reply seq=666' "$WORK/$a.log" &&
	fail "farcaller took a guessed reply"

node_stop "$db" || fail "node $b exited with $?"
node_stop "$da" || fail "node $a exited with $?"
grep -q '^farcaller\[[0-9]*\]: reply seq=666' "$WORK/$a.log" &&
	fail "farcaller took a guessed reply"
assert_clean "$a"
assert_clean "$b"
echo ok
