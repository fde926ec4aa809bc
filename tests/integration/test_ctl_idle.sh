#!/usr/bin/env bash
# Idle control clients cannot lock the operator out: with every slot of
# the control socket held by clients that send nothing, troupectl still
# gets its answer at once (the longest idle one makes room), and the
# daemon closes the others after TP_CTL_IDLE_MS (5 s).
. "$(dirname "$0")/lib.sh"
n=$(unique i)
echo_sink_node "$n"
sock=$TROUPE_RUN_DIR/$n.ctl
[ -S "$sock" ] || fail "no control socket at $sock"
# 8 clients (TP_CTL_CLIENTS) that connect and say nothing; the script
# reports how many the daemon closed, and when, within 20 s.
python3 - "$sock" "$WORK/held" >"$WORK/idle.out" 2>&1 <<'PY' &
import select, socket, sys, time
socks = []
for i in range(8):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    socks.append(s)
open(sys.argv[2], "w").close()
t0 = time.monotonic()
open_ = list(socks)
while open_ and time.monotonic() - t0 < 20:
    r, _, _ = select.select(open_, [], [], 0.5)
    for s in r:
        if s.recv(64) == b"":
            open_.remove(s)
            print("closed after %.1f s" % (time.monotonic() - t0), flush=True)
print("%d of 8 still open after %.1f s" % (len(open_), time.monotonic() - t0), flush=True)
PY
holder=$!
DAEMONS+=("$holder")
for ((i = 0; i < 50 * SLOW; i++)); do [ -e "$WORK/held" ] && break; sleep 0.1; done
[ -e "$WORK/held" ] || fail "the idle clients did not connect"
sleep 0.3   # older than TP_CTL_EVICT_MS (100 ms): idle, not just arrived
out=$(ctl -n "$n" -t $((2 * SLOW)) status sink 2>&1) ||
	{ cat "$WORK/$n.log"; fail "troupectl locked out by 8 idle clients: $out"; }
wait_for "$WORK/$n.log" 'warning: control: closed an idle client to make room' 5
wait "$holder"
grep -qx '0 of 8 still open after .*' "$WORK/idle.out" ||
	{ cat "$WORK/idle.out"; fail "idle clients kept open"; }
# The 7 left were closed by the idle timeout, not before 5 s.
late=$(grep -c '^closed after \([5-9]\|1[0-9]\)\.' "$WORK/idle.out")
[ "$late" -eq 7 ] || { cat "$WORK/idle.out"; fail "want 7 clients closed after 5 s idle, got $late"; }
node_stop "$DPID" || fail "node $n exited with $?"
assert_clean "$n"
echo ok
