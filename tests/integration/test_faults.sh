#!/usr/bin/env bash
# Faults at the level of the node (the transport-level ones, kill -9 of
# senders and receivers at random instants, SIGSTOP, slow consumers, mq
# limits, shm kill points, are in tests/unit/test_faults.c):
# - the daemon killed with -9 mid-traffic on shm and unix mailboxes (mq:
#   test_nodes.sh), then restarted: its actors die with it, the next start
#   sweeps every stale object, the actors run again, nothing is left;
# - /dev/shm too small or full (a small tmpfs in a private mount
#   namespace): a clear error naming /dev/shm, an exit code, no crash.
. "$(dirname "$0")/lib.sh"

daemon_killed() {
	local tp=$1 node; node=$(unique "k$tp")
	mkdir -p "$WORK/run" && chmod 700 "$WORK/run"
	cat >"$WORK/k.ini" <<INI
[node]
name = killed
backoff_ms = 50
run_dir = $WORK/run
[actor logger]
exec = logger
transport = $tp
[actor filter]
exec = filter
transport = $tp
[actor sensor]
exec = sensor
transport = $tp
args = --rate 200
INI
	echo "== daemon killed mid-traffic, transport $tp"
	node_start "$node" "$WORK/k.ini"; local d=$DPID
	wait_for "$WORK/$node.log" '^logger\[[0-9]*\]: seq=100 ' 20
	local pids; pids=$(for x in logger filter sensor; do actor_pid "$node" $x; done)
	[ "$(echo $pids | wc -w)" -eq 3 ] || fail "no pids for the actors: $pids"
	local p; for p in $pids; do kill -0 "$p" || fail "actor pid $p does not run before the kill"; done
	kill -KILL "$d"
	wait "$d" 2>/dev/null
	local i alive
	pids_gone 5 $pids || fail "actors of the killed daemon still run: $pids"
	ls /dev/shm | grep -q "^troupe\.$node\." || fail "expected stale objects after kill -9"
	local stale; stale=$(stale_line "$node")

	mv "$WORK/$node.log" "$WORK/$node.first.log"
	node_start "$node" "$WORK/k.ini"
	wait_for "$WORK/$node.log" 'stale object' 10
	grep -qxF "$stale" "$WORK/$node.log" || { cat "$WORK/$node.log"; fail "want the line: $stale"; }
	wait_for "$WORK/$node.log" '^logger\[[0-9]*\]: seq=50 ' 20
	local pids2; pids2=$(for x in logger filter sensor; do actor_pid "$node" $x; done)
	[ "$(echo $pids2 | wc -w)" -eq 3 ] || fail "actors not running again: $pids2"
	node_stop "$DPID" || fail "restarted node exited with $?"
	assert_clean "$node"
	left=$(ls "$WORK/run" | grep "^troupe\.$node\.")
	[ -z "$left" ] || fail "node $node left sockets behind: $left"
}

# shm_small SIZE TOPOLOGY [FILL_KB]: runs the daemon in a private mount
# namespace whose /dev/shm is a SIZE tmpfs, first filled with FILL_KB.
shm_small() {
	local size=$1 topo=$2 fill=${3:-0} node; node=$(unique s)
	unshare -m sh -c '
		mount -t tmpfs -o size='"$size"' tmpfs /dev/shm || exit 90
		if [ '"$fill"' -gt 0 ]; then
			dd if=/dev/zero of=/dev/shm/filler bs=1k count='"$fill"' 2>/dev/null
		fi
		exec "$@"' sh $RUNNER "$B/bin/troupe" -n "$node" -A "$B/actors" \
		${RUNNER:+-x "$RUNNER"} "$topo" >"$WORK/small.log" 2>&1
}

shm_exhausted() {
	if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
		echo "SKIP: /dev/shm exhaustion needs root and unshare -m (a private tmpfs)"
		return 0
	fi
	echo "== /dev/shm too small for the mailboxes"
	cat >"$WORK/big.ini" <<INI
[node]
name = small
[actor logger]
exec = logger
transport = shm
depth = 64
msg_max = 4096
INI
	shm_small 256k "$WORK/big.ini"
	local rc=$?
	cat "$WORK/small.log"
	[ "$rc" -eq 1 ] || fail "mailboxes larger than /dev/shm: exit $rc, want 1"
	grep -q "/dev/shm has [0-9]* free" "$WORK/small.log" || fail "the error does not name /dev/shm's free space"

	echo "== /dev/shm full"
	cat >"$WORK/tiny.ini" <<INI
[node]
name = small
[actor logger]
exec = logger
transport = shm
depth = 4
msg_max = 256
INI
	shm_small 256k "$WORK/tiny.ini" 256
	rc=$?
	cat "$WORK/small.log"
	[ "$rc" -eq 1 ] || fail "/dev/shm full: exit $rc, want 1 (a clear error, not a crash)"
	grep -qi "/dev/shm\|No space left" "$WORK/small.log" || fail "the error does not say /dev/shm is full"
}

for tp in ${TRANSPORTS:-shm unix}; do
	daemon_killed "$tp"
done
shm_exhausted
echo ok
