#!/usr/bin/env bash
# Bad configuration is refused before anything starts, with the file, the
# line and the key, or the kernel limit and how to raise it.
. "$(dirname "$0")/lib.sh"
node=$(unique c)
cat >"$WORK/bad.ini" <<'INI'
[node]
name = cfg

[actor a]
exec = echo
depht = 10
restart = sometimes
INI
$RUNNER "$B/bin/troupe" --check "$WORK/bad.ini" >"$WORK/out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "--check of a bad file: exit $rc, want 2"
grep -q "bad.ini:6: \[actor a\]: unknown key 'depht'" "$WORK/out" || { cat "$WORK/out"; fail "no line-numbered error for depht"; }
grep -q "bad.ini:7: \[actor a\]:.*restart.*sometimes" "$WORK/out" || { cat "$WORK/out"; fail "no error for restart"; }

# A mailbox deeper than the kernel allows: the error names the limit.  As
# an unprivileged daemon runs: CAP_SYS_RESOURCE lifts msg_max, so with it
# (root) the daemon runs with the capability dropped (setpriv).
msg_max=$(cat /proc/sys/fs/mqueue/msg_max)
cat >"$WORK/deep.ini" <<INI
[node]
name = cfg
[actor a]
exec = echo
depth = $((msg_max + 1))
INI
cap_res=$(( 0x$(sed -n 's/^CapEff:\s*//p' /proc/self/status) >> 24 & 1 ))
drop=
[ "$cap_res" -eq 1 ] && command -v setpriv >/dev/null &&
	drop="setpriv --inh-caps=-sys_resource --bounding-set=-sys_resource --"
if [ "$cap_res" -eq 0 ] || [ -n "$drop" ]; then
	XPREFIX=$RUNNER RUNNER="$drop $RUNNER" node_start "$node" "$WORK/deep.ini"
	node_wait "$DPID" 5
	rc=$?
	[ "$rc" -eq 1 ] || { cat "$WORK/$node.log"; fail "too deep a mailbox: exit $rc, want 1"; }
	grep -q "/proc/sys/fs/mqueue/msg_max ($msg_max)" "$WORK/$node.log" || { cat "$WORK/$node.log"; fail "limit not named"; }
	assert_clean "$node"
else
	echo "SKIP: mq msg_max: CAP_SYS_RESOURCE lifts it here and setpriv (util-linux) is missing to drop it"
fi
echo ok
