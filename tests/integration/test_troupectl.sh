#!/usr/bin/env bash
# troupectl, every subcommand against a live node, as a transcript
# (troupectl.t), bad input included; then the control socket's mode.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cram.sh"
N=$(unique n)
echo_sink_node "$N"
tc() { ctl -n "$N" "$@"; }
unset TROUPE_NODE
cram "$(dirname "$0")/troupectl.t" || fail "transcript differs"
mode=$(stat -c %a "$TROUPE_RUN_DIR/$N.ctl")
[ "$mode" = 600 ] || fail "control socket mode $mode, want 600"
node_stop "$DPID" || fail "node exited with $?"
[ ! -e "$TROUPE_RUN_DIR/$N.ctl" ] || fail "control socket left behind"
assert_clean "$N"
echo ok
