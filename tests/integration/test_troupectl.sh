#!/usr/bin/env bash
# troupectl, every subcommand against a live node, as a transcript
# (troupectl.t), bad input included; then the control socket's mode.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cram.sh"
N=$(unique n)
echo_sink_node "$N"
tc() { ctl -n "$N" "$@"; }
# pid_of ACTOR: its pid now.  new_pid ACTOR OLD [EXEC]: waits (bounded)
# until ACTOR runs with a pid other than OLD, OLD gone, and (given EXEC)
# that pid runs EXEC (past its fork: the command line names it).
pid_of() { tc -j status "$1" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }
new_pid() {
	local i p
	for ((i = 0; i < 50 * SLOW; i++)); do
		p=$(pid_of "$1")
		if [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$2" ] && ! kill -0 "$2" 2>/dev/null &&
		   { [ -z "${3:-}" ] || tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$3 "; }; then
			return 0
		fi
		sleep 0.1
	done
	echo "$1 still runs as $2${3:+, or not $3} (now: '$p')"
	return 1
}
# The upgrade's new program: the same echo under another path.
mkdir -p "$WORK/v2"
ln -s "$(realpath "$B/actors/echo")" "$WORK/v2/echo"
unset TROUPE_NODE
cram "$(dirname "$0")/troupectl.t" || fail "transcript differs"
mode=$(stat -c %a "$TROUPE_RUN_DIR/$N.ctl")
[ "$mode" = 600 ] || fail "control socket mode $mode, want 600"
node_stop "$DPID" || fail "node exited with $?"
[ ! -e "$TROUPE_RUN_DIR/$N.ctl" ] || fail "control socket left behind"
assert_clean "$N"
echo ok
