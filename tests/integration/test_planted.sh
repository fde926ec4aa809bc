#!/usr/bin/env bash
# Nothing planted is trusted: another local user, who can create anything
# in the world-writable /dev/shm, can neither keep a root node from
# starting with a lock of its own (held or a symlink), nor make the root
# daemon open a file of its choosing through a registry it planted for
# the stale-object sweep, nor put mail into a tcp mailbox (which listens
# on 127.0.0.1, open to every local user).  Runs as root with a real second user, which
# the test creates and removes.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (creates a second local user)"; exit 0; }
U=tpsec$$
UDIR=
PLANTERS=()
timeout 60 useradd --system --no-create-home --shell /usr/sbin/nologin "$U" ||
	fail "cannot create the second user $U"
# The user goes whatever happens, after lib.sh's cleanup of the nodes.
planted_cleanup() {
	local rc=$? p
	for p in "${PLANTERS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -f /dev/shm/troupe."$u_node".*
	[ -n "$UDIR" ] && rm -rf "$UDIR"
	timeout 60 userdel "$U" >/dev/null 2>&1
	(exit $rc)
	cleanup
}
trap planted_cleanup EXIT
# An array, not a function: "${AS_USER[@]}" cmd & is then the pid of cmd
# itself (setpriv execs it), which the cleanup can end.
AS_USER=(setpriv --reuid="$U" --regid="$U" --clear-groups)
uid=$(id -u "$U")

# 1. A lock planted and held by the user: the node starts anyway, saying
# it removed a lock it did not make.
n=$(unique l)
u_node=$n
cat >"$WORK/lock.ini" <<INI
[node]
name = $n
[actor sink]
exec = logger
INI
lock=/dev/shm/troupe.$n.lock
"${AS_USER[@]}" bash -c 'exec 9<>"$1" && flock 9 && exec sleep 120' _ "$lock" &
PLANTERS+=($!)
for ((i = 0; i < 100 * SLOW; i++)); do
	[ "$(stat -c %u "$lock" 2>/dev/null)" = "$uid" ] && ! flock -n "$lock" true && break
	sleep 0.1
done
[ "$(stat -c %u "$lock" 2>/dev/null)" = "$uid" ] || fail "the user could not plant $lock"
node_start "$n" "$WORK/lock.ini"
wait_for "$WORK/$n.log" 'started sink|already running' 10
grep -q 'already running' "$WORK/$n.log" && { cat "$WORK/$n.log"; fail "a lock planted by uid $uid kept the node from starting"; }
grep -qF "troupe[$n]: warning: removed lock /troupe.$n.lock that this node did not make (owned by uid $uid, not 0)" "$WORK/$n.log" ||
	{ cat "$WORK/$n.log"; fail "no warning about the planted lock"; }
[ "$(stat -c %u "$lock")" = 0 ] || fail "the node's lock is not root's"
node_stop "$DPID" || fail "node $n exited with $?"
assert_clean "$n"
kill -KILL "${PLANTERS[0]}"; wait "${PLANTERS[0]}" 2>/dev/null

# 2. A lock planted as a symlink to where root may write: not followed.
"${AS_USER[@]}" ln -s "$WORK/made-by-root" "$lock" || fail "cannot plant the symlink"
mv "$WORK/$n.log" "$WORK/$n.1.log"
node_start "$n" "$WORK/lock.ini"
wait_for "$WORK/$n.log" 'started sink|cannot' 10
grep -q 'started sink' "$WORK/$n.log" || { cat "$WORK/$n.log"; fail "a symlinked lock kept the node from starting"; }
grep -qF "troupe[$n]: warning: removed lock /troupe.$n.lock that this node did not make" "$WORK/$n.log" ||
	{ cat "$WORK/$n.log"; fail "no warning about the symlinked lock"; }
[ -e "$WORK/made-by-root" ] && fail "the daemon followed the planted lock's symlink"
node_stop "$DPID" || fail "node $n exited with $?"
assert_clean "$n"

# 3. A registry the user's own daemon left (kill -9), whose shm mailbox's
# wake FIFO the user then points at a FIFO only root may open.  A writer
# blocked on that FIFO is released by any open for reading: the root
# daemon's sweep must not make one.
n=$(unique r)
u_node=$n
UDIR=$(mktemp -d)
chown "$U" "$UDIR"
cat >"$WORK/reg.ini" <<INI
[node]
name = $n
[actor sink]
exec = logger
transport = shm
INI
cp "$WORK/reg.ini" "$UDIR/reg.ini" && chmod 644 "$UDIR/reg.ini"
"${AS_USER[@]}" env TROUPE_RUN_DIR="$UDIR/run" $RUNNER "$B/bin/troupe" -n "$n" -A "$B/actors" \
	${RUNNER:+-x "$RUNNER"} "$UDIR/reg.ini" >"$WORK/user.log" 2>&1 &
upid=$!
PLANTERS+=($upid)
wait_for "$WORK/user.log" 'started sink' 10
kill -KILL "$upid"
wait "$upid" 2>/dev/null
wake=/dev/shm/troupe.$n.sink.wake
[ "$(stat -c %u /dev/shm/troupe.$n.registry)" = "$uid" ] || fail "no registry of uid $uid left"
mkfifo -m 600 "$WORK/target.fifo"
"${AS_USER[@]}" sh -c 'rm -f "$1" && ln -s "$2" "$1"' _ "$wake" "$WORK/target.fifo" ||
	fail "cannot plant the wake symlink"
# bash opens the FIFO itself (a builtin's redirection): $! is the opener,
# which the cleanup ends.
bash -c 'echo x >"$1"' _ "$WORK/target.fifo" 2>/dev/null &
wpid=$!
PLANTERS+=($wpid)
node_start "$n" "$WORK/reg.ini"
wait_for "$WORK/$n.log" 'started sink' 10
# Opened during the sweep, before the start: the writer would be gone
# within moments; look for 1 s more.
for ((i = 0; i < 10; i++)); do
	kill -0 "$wpid" 2>/dev/null || fail "the root daemon opened the FIFO a planted symlink led to"
	sleep 0.1
done
grep -qF "troupe[$n]: warning: not reading stale registry /troupe.$n.registry: this node's user did not write it" "$WORK/$n.log" ||
	{ cat "$WORK/$n.log"; fail "no warning about the planted registry"; }
ctl -n "$n" send sink LogLine text=after-the-sweep || fail "cannot send to the fresh sink"
wait_for "$WORK/$n.log" 'after-the-sweep' 10
node_stop "$DPID" || fail "node $n exited with $?"
assert_clean "$n"

# 4. A tcp mailbox listens on 127.0.0.1, where any local user can connect
# and claim any sender: it takes mail only from the node's user and root,
# and connections held idle, even the node's user's, keep no sender out.
n=$(unique t)
u_node=$n
cat >"$WORK/tcp.ini" <<INI
[node]
name = $n
[actor sink]
exec = logger
transport = tcp
INI
# A short idle timeout (30 s by default) for the held connections below.
TROUPE_TEST_TCP_IDLE_MS=2000 node_start "$n" "$WORK/tcp.ini"
wait_for "$WORK/$n.log" 'started sink' 10
port=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' "$TROUPE_RUN_DIR/troupe.$n.sink.tcp")
[ -n "$port" ] || fail "no port for the tcp mailbox"
# tcp_send PORT TEXT: one LogLine from "sensor" (docs/WIRE.md), lane 1;
# prints "closed" if the mailbox closes the connection within 3 s.
tcp_send() {
	/usr/bin/python3 - "$@" <<'PY'
import socket, struct, sys
port, text = int(sys.argv[1]), sys.argv[2].encode()
body = b"\x0a" + bytes([len(text)]) + text
s, d = b"sensor", b"sink"
env = struct.pack("<BBBBB3xIIIQ", 2, 0, 1, len(s), len(d), 1004, 0, len(body), 0) + s + d + body
c = socket.create_connection(("127.0.0.1", port), timeout=5)
c.sendall(b"\x01" + struct.pack(">I", len(env)) + env)
c.settimeout(3)
try:
    print("closed" if c.recv(1) == b"" else "data")
except socket.timeout:
    print("open")
except ConnectionResetError:
    print("closed")
PY
}
export -f tcp_send
tcp_send "$port" tcp-from-root >/dev/null || fail "root cannot send to the tcp mailbox"
wait_for "$WORK/$n.log" 'tcp-from-root' 10
got=$("${AS_USER[@]}" bash -c 'tcp_send "$@"' _ "$port" tcp-from-stranger) ||
	fail "the second user could not connect"
[ "$got" = closed ] || fail "the tcp mailbox kept the second user's connection ($got)"
tcp_send "$port" tcp-after >/dev/null || fail "root cannot send to the tcp mailbox"
wait_for "$WORK/$n.log" 'tcp-after' 10
grep -q 'tcp-from-stranger' "$WORK/$n.log" && fail "the tcp mailbox took mail from uid $uid"
# 80 connections of the node's own user held idle, more than the 64 slots,
# do not keep a sender out: room is made at 3/4 of the idle timeout, and
# the idle ones are closed (reported by the holder, bounded to 20 s).
/usr/bin/python3 - "$port" >"$WORK/held" 2>&1 <<'PY' &
import select, socket, sys, time
conns = []
for _ in range(80):
    try:
        c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        c.sendall(b"\x01")
        conns.append(c)
    except OSError:
        pass
print("held", len(conns), flush=True)
end, open_ = time.monotonic() + 20, set(conns)
while open_ and time.monotonic() < end:
    for c in select.select(list(open_), [], [], 0.5)[0]:
        try:
            c.recv(1)
        except OSError:
            pass
        open_.discard(c)
print("closed", len(conns) - len(open_), flush=True)
PY
hpid=$!
PLANTERS+=($hpid)
wait_for "$WORK/held" '^held 80$' 10
tcp_send "$port" tcp-while-held >/dev/null || fail "root cannot connect while the slots are held"
wait_for "$WORK/$n.log" 'tcp-while-held' 10
wait "$hpid"
grep -qx 'closed 80' "$WORK/held" || { cat "$WORK/held"; fail "held idle connections were not all closed"; }
node_stop "$DPID" || fail "node $n exited with $?"
assert_clean "$n"
echo ok
