#!/usr/bin/env bash
# troupectl counters: what senders and receivers count in the node's
# counters segment, checked as a transcript (counters.t); the segment goes
# with the node.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cram.sh"
N=$(unique c)
echo_sink_node "$N"
tc() { ctl -n "$N" "$@"; }
# until_received NAME COUNT: bounded wait for an actor to take its mail.
until_received() {
	local i
	for ((i = 0; i < 50 * SLOW; i++)); do
		tc -j counters | grep -q "\"name\":\"$1\",\"sent\":[0-9]*,\"received\":$2," && return 0
		sleep 0.1
	done
	return 1
}
unset TROUPE_NODE
[ -e "/dev/shm/troupe.$N.counters" ] || fail "no counters segment"
cram "$(dirname "$0")/counters.t" || fail "transcript differs"
node_stop "$DPID" || fail "node exited with $?"
assert_clean "$N"
echo ok
