#!/usr/bin/env bash
# The node's log: actor lines carry the actor's name and pid, the daemon's
# lines their level (log_level filters them, never the actors'), and with
# -s every line goes to the system log instead, as RFC 3164 datagrams with
# facility daemon and the actor's own tag: a socket bound by this test
# stands in for /dev/log (TROUPE_LOG_SOCKET), so no root is needed.
. "$(dirname "$0")/lib.sh"
topo() {   # NAME LEVEL
	cat >"$WORK/$1.ini" <<INI
[node]
name = log
log_level = $2
[actor talker]
exec = /bin/sh
ready = exec
exec_prefix = env
args = -c "echo hello; echo my pid is \$\$ >&2; exec sleep 60"
[actor crasher]
exec = /bin/sh
ready = exec
exec_prefix = env
restart = temporary
args = -c "echo bye; exit 3"
INI
}

# 1. stderr, level info: both kinds of lines, the pid right.
n=$(unique a); topo "$n" info
node_start "$n" "$WORK/$n.ini"
log=$WORK/$n.log
wait_for "$log" 'crasher \(pid [0-9]+\) exited with code 3' 10
wait_for "$log" '^talker\[[0-9]+\]: my pid is [0-9]+$' 10
pid=$(actor_pid "$n" talker)
grep -q "^talker\[$pid\]: hello$" "$log" || fail "no 'talker[$pid]: hello' in: $(grep talker "$log")"
grep -q "^talker\[$pid\]: my pid is $pid$" "$log" || fail "stderr line of talker: $(grep talker "$log")"
grep -q "^crasher\[[0-9]*\]: bye$" "$log" || fail "no line of crasher"
grep -q "^troupe\[$n\]: started talker (pid $pid)$" "$log" || fail "no info line"
grep -q "^troupe\[$n\]: warning: crasher (pid [0-9]*) exited with code 3$" "$log" ||
	fail "a crash is a warning: $(grep crasher "$log")"
ctl -n "$n" list >/dev/null
grep -q 'control: client' "$log" && fail "debug line at level info"
node_stop "$DPID" || fail "node exited with $?"

# 2. level warning: no info lines from the daemon; actors' lines stay.
n=$(unique w); topo "$n" warning
node_start "$n" "$WORK/$n.ini"
log=$WORK/$n.log
wait_for "$log" 'warning: crasher \(pid [0-9]+\) exited with code 3' 10
wait_for "$log" '^talker\[[0-9]+\]: hello$' 10
node_stop "$DPID" || fail "node exited with $?"
grep -q "started talker" "$log" && fail "info line at level warning"
grep -q "stopped: 2 actors" "$log" && fail "info line at level warning"

# 3. level debug: the control socket's requests are told.
n=$(unique d); topo "$n" debug
node_start "$n" "$WORK/$n.ini"
log=$WORK/$n.log
wait_for "$log" 'started talker' 10
ctl -n "$n" status talker >/dev/null || fail "status"
wait_for "$log" "^troupe\[$n\]: debug: control: client [0-9]+: command 2 talker$" 5
node_stop "$DPID" || fail "node exited with $?"

# 4. -s: the system log gets every line, stderr none of the actors'.
sock=$WORK/log.sock
timeout 120 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode() + "\n"); f.flush()
' "$sock" "$WORK/syslog" &
SPID=$!
for ((i = 0; i < 50; i++)); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "no fake log socket"
n=$(unique s); topo "$n" info
TROUPE_LOG_SOCKET=$sock node_start "$n" "$WORK/$n.ini" -s
wait_for "$WORK/syslog" 'crasher \(pid [0-9]+\) exited with code 3' 10
wait_for "$WORK/syslog" '^<30>[A-Z][a-z][a-z] [ 0-9]{2} [0-9:]{8} talker\[[0-9]+\]: hello$' 10
pid=$(actor_pid "$n" talker)
grep -q "talker\[$pid\]: my pid is $pid$" "$WORK/syslog" || fail "actor line: $(cat "$WORK/syslog")"
grep -qE "^<30>.* troupe\[$DPID\]: node $n: started talker \(pid $pid\)$" "$WORK/syslog" ||
	fail "daemon line: $(cat "$WORK/syslog")"
grep -qE "^<28>.* troupe\[$DPID\]: node $n: crasher \(pid [0-9]+\) exited with code 3$" "$WORK/syslog" ||
	fail "a crash is LOG_WARNING (28): $(cat "$WORK/syslog")"
node_stop "$DPID" || fail "node exited with $?"
[ -s "$WORK/$n.log" ] && fail "stderr not empty with -s: $(cat "$WORK/$n.log")"
kill "$SPID"; wait "$SPID" 2>/dev/null

# 5. -s with no log daemon: said once, then stderr as usual.
n=$(unique x); topo "$n" info
TROUPE_LOG_SOCKET=$WORK/nothing node_start "$n" "$WORK/$n.ini" -s
log=$WORK/$n.log
wait_for "$log" '^talker\[[0-9]+\]: hello$' 10
grep -q "^troupe\[$n\]: warning: cannot reach the system log at $WORK/nothing: .*; logging to stderr$" "$log" ||
	fail "no warning about the missing log: $(head -3 "$log")"
node_stop "$DPID" || fail "node exited with $?"
for x in a w d s x; do assert_clean "$(unique $x)"; done
echo ok
