# Helpers for the integration tests: start a node, wait for what it prints,
# stop it, and check that it left nothing behind.  Every wait is bounded.
# The caller sets B (build dir) and RUNNER (empty, or qemu-aarch64 …).
set -u
B=${B:-build/host}
RUNNER=${RUNNER:-}
# Under qemu-user a cross-built daemon must start its ARM actors through the
# same emulator: qemu-user does not follow execve.
SLOW=1
[ -n "$RUNNER" ] && SLOW=4
WORK=$(mktemp -d)
# Control sockets of the test's nodes go with its folder.
export TROUPE_RUN_DIR=$WORK/run
DAEMONS=()
NODES=()

fail() { echo "FAIL: $*" >&2; exit 1; }

# node NAME TOPOLOGY [troupe options…]: starts a daemon; its pid in $DPID,
# its output (actors' lines and its own) in $WORK/NAME.log.  Actors run
# under $RUNNER too, unless XPREFIX is set (empty: host programs such as
# /bin/sh as actors).
node_start() {
	local name=$1 topo=$2 xp=${XPREFIX-$RUNNER}; shift 2
	$RUNNER "$B/bin/troupe" -n "$name" -A "$B/actors:$B/tests/actors" \
		${xp:+-x "$xp"} "$@" "$topo" >"$WORK/$name.log" 2>&1 &
	DPID=$!
	DAEMONS+=("$DPID")
	NODES+=("$name")
}

# wait_for FILE PATTERN SECONDS: until grep -E finds PATTERN.
wait_for() {
	local file=$1 pat=$2 secs=$(( $3 * SLOW )) i
	for ((i = 0; i < secs * 10; i++)); do
		grep -qE -- "$pat" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "--- $file:" >&2; tail -n 30 "$file" >&2
	fail "no '$pat' in $file within ${secs}s"
}

# node_wait PID [SECONDS]: wait for the daemon to exit by itself; its status.
node_wait() {
	local pid=$1 secs=$(( ${2:-10} * SLOW )) i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		fail "daemon $pid did not exit within ${secs}s"
	fi
	wait "$pid"
}

# node_stop PID [SECONDS]: SIGTERM, then node_wait.
node_stop() {
	kill -TERM "$1" 2>/dev/null
	node_wait "$@"
}

# pids_gone SECONDS PID...: wait until none of the processes runs.
pids_gone() {
	local secs=$(( $1 * SLOW )) i p alive; shift
	for ((i = 0; i < secs * 10; i++)); do
		alive=0
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive -eq 0 ] && return 0
		sleep 0.1
	done
	return 1
}

ctl() { $RUNNER "$B/bin/troupectl" "$@"; }

# actor_pid NODE ACTOR
actor_pid() {
	ctl -n "$1" -j status "$2" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'
}

# The POSIX message queues of the machine.  /dev/mqueue is often not
# mounted (containers, this kind of VM): then the mqueue fs is mounted
# privately to look.  Fails, saying why, when neither is possible: a
# leftover check that cannot see the queues must not pass.
list_mqueues() {
	if mountpoint -q /dev/mqueue 2>/dev/null; then
		ls -A /dev/mqueue
		return
	fi
	unshare -m sh -c 'd=$(mktemp -d) || exit 1
		mount -t mqueue none "$d" && ls -A "$d"; rc=$?
		umount "$d" 2>/dev/null; rmdir "$d"; exit $rc' 2>/dev/null && return 0
	echo "cannot list the POSIX message queues: /dev/mqueue is not mounted and" \
		"unshare -m cannot mount the mqueue fs (mount -t mqueue none /dev/mqueue)" >&2
	return 1
}

# node_objects NODE: the node's IPC objects in /dev/shm and the mqueue fs
# (one per line); fails when the queues cannot be listed.
node_objects() {
	local mq
	mq=$(list_mqueues) || return 1
	{ ls -A /dev/shm; printf '%s\n' "$mq"; } | grep "^troupe\.$1\." || true
}

# stale_line NODE: the line the next start of NODE must log about what
# an unclean stop left, counted now: each mailbox once (shm: its ring and
# wake FIFO; unix: its sockets and attributes), the registry, the
# counters; not the instance lock, which the next daemon takes over.
stale_line() {
	local objs n
	objs=$(node_objects "$1") || fail "cannot list node $1's objects"
	n=$( { [ -n "$objs" ] && printf '%s\n' "$objs"; ls -A "$TROUPE_RUN_DIR"; } |
		grep "^troupe\.$1\." | grep -v '\.lock$' |
		sed -E 's/\.(ring|wake|attr|hi\.sock|sock|new)$//' | sort -u | wc -l)
	[ "$n" -gt 0 ] || fail "expected objects of node $1 left after an unclean stop"
	echo "troupe[$1]: warning: removed $n stale object$([ "$n" -eq 1 ] || echo s) left by an earlier unclean stop"
}

# assert_clean NODE: nothing of the node in /dev/shm nor among the queues.
assert_clean() {
	local left
	left=$(node_objects "$1") || fail "cannot check node $1 for leftovers"
	[ -z "$left" ] || fail "node $1 left IPC objects behind: $(echo $left)"
}

# A sanitizer report from the daemon or any actor (its stderr is in the
# daemon's log) fails the test, even one whose assertions all passed.
san_check() {
	local f hit=0
	for f in "$WORK"/*; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|(ERROR|WARNING): ThreadSanitizer' "$f"; then
			echo "FAIL: sanitizer report in $f:" >&2
			grep -E -A 12 'Sanitizer|runtime error:' "$f" | head -n 40 >&2
			hit=1
		fi
	done
	return $hit
}

cleanup() {
	local rc=$? pid
	for pid in "${DAEMONS[@]}"; do
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	san_check || rc=1
	# A test that failed half-way may leave its nodes' objects: remove them
	# (only those of the nodes this test started).
	for n in "${NODES[@]}"; do
		rm -f /dev/shm/troupe."$n".*
		unshare -m sh -c 'd=$(mktemp -d) && mount -t mqueue none "$d" && rm -f "$d"/troupe.'"$n"'.*; umount "$d"; rmdir "$d"' 2>/dev/null
	done
	# KEEP_WORK=1 keeps the logs and topologies of a test to read.
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
	exit $rc
}
trap cleanup EXIT

# A unique node name per test run, so parallel runs never collide.
unique() { echo "t$$$1"; }

# echo_sink_node NAME: starts node NAME with two actors, echo and sink (a
# logger), and waits (bounded) until both have started.
echo_sink_node() {
	cat >"$WORK/topo.ini" <<INI
[node]
name = $1
backoff_ms = 0
[actor echo]
exec = echo
[actor sink]
exec = logger
INI
	node_start "$1" "$WORK/topo.ini"
	wait_for "$WORK/$1.log" 'started sink' 10
}

# group_key FILE: a fresh node group key (32 random bytes, mode 0600, as
# the daemon demands) for tests with node links.
group_key() { head -c 32 /dev/urandom >"$1" && chmod 600 "$1"; }

# linked_node FILE NAME PORT PEER PEER_PORT: a topology's [node] NAME
# listening on 127.0.0.1:PORT with key_file group.key (group_key), and
# [peer PEER] at 127.0.0.1:PEER_PORT; the caller appends its actors.
linked_node() {
	printf '[node]\nname = %s\nlisten = 127.0.0.1:%s\nkey_file = group.key\n' "$2" "$3" >"$1"
	printf '[peer %s]\naddress = 127.0.0.1:%s\n' "$4" "$5" >>"$1"
}
