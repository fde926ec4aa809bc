#!/usr/bin/env bash
# The daemon speaks the service manager's protocol itself: READY=1 once the
# actors run, STATUS= lines, WATCHDOG=1 pings at half of WATCHDOG_USEC while
# supervising, none once stopping, STOPPING=1; and no actor inherits
# NOTIFY_SOCKET or WATCHDOG_*.  A small Python listener plays systemd.
. "$(dirname "$0")/lib.sh"
node=$(unique n)
sock=$WORK/notify.sock
cat >"$WORK/topo.ini" <<INI
[node]
name = notify
[actor logger]
exec = logger
[actor filter]
exec = filter
[actor sensor]
exec = sensor
args = --rate 20
INI
# Bounded: the listener stops at STOPPING=1 or after 60 s.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(1)
out = open(sys.argv[2], "w", buffering=1)
end = time.monotonic() + 60
while time.monotonic() < end:
    try: d = s.recv(4096).decode()
    except socket.timeout: continue
    for line in d.split("\n"): out.write(line + "\n")
    if "STOPPING=1" in d: break
' "$sock" "$WORK/notes" &
lpid=$!
DAEMONS+=("$lpid")
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "listener did not bind $sock"

NOTIFY_SOCKET=$sock WATCHDOG_USEC=200000 node_start "$node" "$WORK/topo.ini"
wait_for "$WORK/notes" '^READY=1$' 10
wait_for "$WORK/notes" '^STATUS=3 of 3 actors up, 0 restarts$' 10
wait_for "$WORK/$node.log" '^logger\[[0-9]*\]: seq=3 ' 20
sleep 1
pings=$(grep -c '^WATCHDOG=1$' "$WORK/notes")
[ "$pings" -ge 3 ] || fail "$pings watchdog pings in over 1 s at WATCHDOG_USEC=200000, want >= 3"

pid=$(actor_pid "$node" sensor)
[ -n "$pid" ] || fail "no pid for sensor"
envs=$(tr '\0' '\n' < "/proc/$pid/environ")
echo "$envs" | grep -q '^TROUPE_NODE=' || fail "sensor's environment lacks TROUPE_NODE"
left=$(echo "$envs" | grep -E '^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID)=')
[ -z "$left" ] || fail "an actor inherited: $left"

node_stop "$DPID" || fail "daemon exited with $? on SIGTERM"
wait_for "$WORK/notes" '^STOPPING=1$' 5
wait "$lpid"
after=$(sed -n '/^STOPPING=1$/,$p' "$WORK/notes" | grep -c '^WATCHDOG=1$')
[ "$after" -eq 0 ] || fail "$after watchdog pings after STOPPING=1"
grep -q '^STATUS=stopping' "$WORK/notes" || fail "no STATUS=stopping line"
assert_clean "$node"
echo "ok: $pings pings, $(grep -c '^STATUS=' "$WORK/notes") status lines"
