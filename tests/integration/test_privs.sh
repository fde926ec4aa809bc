#!/usr/bin/env bash
# Least privilege per actor, with real local users that the test creates
# and removes: an actor with user = U runs as U's uid and gid with
# no_new_privs (so does every other actor); it receives and sends mail as
# usual under the default accept_from; an actor left out of a receiver's
# accept_from cannot open its mailbox (its sends fail with "permission
# denied", said and counted by the sender, the daemon and the others
# unaffected); a unix mailbox takes mail from another user's actor, but
# under no other actor's name; unknown users and groups, and a daemon that is no root
# asked for another user, are configuration errors by file and line;
# nothing is left in /dev/shm or among the queues.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (creates local users)"; exit 0; }
U=tpt$$     # the actors' user; its group is the node's group
V=tpv$$     # a second user, whose group only it has
MADE=()
# The users (and their groups) go whatever happens, by name, only those
# made here, after lib.sh's cleanup of the nodes.
privs_cleanup() {
	local rc=$? u pid i
	# userdel refuses a user with processes: the daemons go first, and
	# their actors with them (PDEATHSIG), waited for (bounded).
	for pid in "${DAEMONS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	for u in "${MADE[@]}"; do
		for ((i = 0; i < 50 && $(pgrep -c -u "$u") > 0; i++)); do sleep 0.1; done
	done
	for u in "${MADE[@]}"; do
		timeout 60 userdel "$u" >/dev/null 2>&1
		getent group "$u" >/dev/null && timeout 60 groupdel "$u" >/dev/null 2>&1
	done
	(exit $rc)
	cleanup
}
trap privs_cleanup EXIT
for u in "$U" "$V"; do
	timeout 60 useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$u" ||
		fail "cannot create the user $u"
	MADE+=("$u")
done
uid=$(id -u "$U")
gid=$(id -g "$U")
vuid=$(id -u "$V")
vgid=$(id -g "$V")
# The actors of other users reach nothing under the test's folder but
# what the daemon gives them; the folder itself must let them through.
chmod 711 "$WORK"

# status_of PID KEY: the first value of KEY in /proc/PID/status.
status_of() { awk -v k="$2:" '$1 == k { print $2; exit }' "/proc/$1/status"; }

# 1. Users, mail under the default accept_from, accept_from kept.
# sensor (U) -> filter (root) -> logger (U): U's mail into root's mailbox
# goes through the node's group, U receives in its own.  guard (root)
# takes mail only from feeder (V) and filter (root): its mailbox's group
# must be V's, not the node's, which intruder (U) has; intruder sends to
# guard and must be refused.
n=$(unique p)
cat >"$WORK/privs.ini" <<INI
[node]
name = $n
group = $U
[actor logger]
exec = logger
user = $U
[actor filter]
exec = filter
[actor sensor]
exec = sensor
args = --rate 50
user = $U
transport = shm
[actor guard]
exec = logger
accept_from = feeder, filter
[actor feeder]
exec = sensor
args = --rate 50 --to guard
user = $V
[actor intruder]
exec = sensor
args = --rate 50 --to guard
user = $U
INI
node_start "$n" "$WORK/privs.ini"
wait_for "$WORK/$n.log" 'started intruder' 10
for a in logger sensor intruder; do
	p=$(actor_pid "$n" "$a")
	[ -n "$p" ] || fail "no pid for $a"
	[ "$(awk '$1 == "Uid:" { print $2 $3 $4 $5 }' /proc/$p/status)" = "$uid$uid$uid$uid" ] ||
		fail "$a (pid $p) does not run as uid $uid: $(grep Uid: /proc/$p/status)"
	[ "$(awk '$1 == "Gid:" { print $2 $3 $4 $5 }' /proc/$p/status)" = "$gid$gid$gid$gid" ] ||
		fail "$a (pid $p) does not run as gid $gid: $(grep Gid: /proc/$p/status)"
	[ "$(status_of "$p" NoNewPrivs)" = 1 ] || fail "$a (pid $p) may gain privileges again"
done
p=$(actor_pid "$n" feeder)
[ "$(awk '$1 == "Uid:" { print $2 $3 $4 $5 }' /proc/$p/status)" = "$vuid$vuid$vuid$vuid" ] ||
	fail "feeder (pid $p) does not run as uid $vuid: $(grep Uid: /proc/$p/status)"
[ "$(status_of "$p" Gid)" = "$vgid" ] || fail "feeder (pid $p) does not run as gid $vgid"
# V's own group, and the node's (U's group), as supplementary groups.
[ "$(awk '$1 == "Groups:" { $1 = ""; print }' /proc/$p/status | tr ' ' '\n' | sort -n | xargs)" = \
  "$(printf '%s\n' "$vgid" "$gid" | sort -n | xargs)" ] ||
	fail "feeder's groups: $(grep Groups: /proc/$p/status), not $vgid and $gid"
for a in filter guard; do
	p=$(actor_pid "$n" "$a")
	[ "$(status_of "$p" Uid)" = 0 ] || fail "$a (no user) does not run as the daemon's user"
	[ "$(status_of "$p" NoNewPrivs)" = 1 ] || fail "$a (no user) may gain privileges again"
done
# U -> root (group), root -> U, U receiving: the logger prints averages.
wait_for "$WORK/$n.log" "^logger\[[0-9]+\]: seq=20 " 10
# V -> root with accept_from, through V's group: guard gets feeder's readings.
wait_for "$WORK/$n.log" "^guard\[[0-9]+\]: seq=[0-9]+ value=[0-9.]+ \(from feeder\)" 10
# intruder is kept out, says so and counts.
wait_for "$WORK/$n.log" "^intruder\[[0-9]+\]: reading 1 not sent to guard: permission denied \(3 so far\)" 10
grep -qE "^guard\[[0-9]+\]: .*\(from intruder\)" "$WORK/$n.log" && fail "guard took mail from intruder"
# The mailboxes as promised: the receiver's, the allowed senders' group.
# sensor's: U's, and the node's group (feeder, of V, may send to it).
[ "$(stat -c '%U %G %a' /dev/shm/troupe.$n.sensor.ring)" = "$U $U 660" ] ||
	fail "sensor's ring: $(stat -c '%U %G %a' /dev/shm/troupe.$n.sensor.ring)"
mq_mode=$(unshare -m sh -c 'd=$(mktemp -d) && mount -t mqueue none "$d" &&
	stat -c "%U %G %a" "$d/troupe.$1.guard"; umount "$d"; rmdir "$d"' _ "$n" 2>/dev/null)
[ -z "$mq_mode" ] || [ "$mq_mode" = "root $V 660" ] || fail "guard's queue: $mq_mode"
[ "$(stat -c '%U %G %a' /dev/shm/troupe.$n.registry)" = "root $U 640" ] ||
	fail "registry: $(stat -c '%U %G %a' /dev/shm/troupe.$n.registry)"
# The daemon and the other actors are unaffected.
ctl -n "$n" list >"$WORK/list" || fail "troupectl list failed"
[ "$(grep -c ' up ' "$WORK/list")" = 6 ] || { cat "$WORK/list"; fail "not every actor is up"; }
grep -qE '^intruder +[0-9]+ up .* 0 ' "$WORK/list" || { cat "$WORK/list"; fail "intruder was restarted"; }
node_stop "$DPID" || fail "node $n exited with $?"
assert_clean "$n"

# 1b. An unclean stop: the daemon killed, the actors of other users die
# with it (a change of credentials clears the parent-death signal, which
# the child must set again), and the next start removes what was left.
mv "$WORK/$n.log" "$WORK/$n.1.log"
node_start "$n" "$WORK/privs.ini"
wait_for "$WORK/$n.log" 'started intruder' 10
pids=()
for a in logger filter sensor guard feeder intruder; do pids+=("$(actor_pid "$n" "$a")"); done
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null
if ! pids_gone 5 "${pids[@]}"; then
	left=$(ps -o pid=,user=,args= -p "$(IFS=,; echo "${pids[*]}")" | xargs)
	kill -KILL "${pids[@]}" 2>/dev/null   # ours: else they keep the users alive
	fail "actors outlived their killed daemon: $left"
fi
want=$(stale_line "$n")
mv "$WORK/$n.log" "$WORK/$n.2.log"
node_start "$n" "$WORK/privs.ini"
wait_for "$WORK/$n.log" 'started intruder' 10
grep -qF "$want" "$WORK/$n.log" || { cat "$WORK/$n.log"; fail "no '$want'"; }
node_stop "$DPID" || fail "node $n exited with $?"
assert_clean "$n"

# 1c. A unix mailbox across users: its socket is the receiver's and the
# node group's, the kernel lets the group in, and the receiver binds each
# sender name to its actor's uid (SCM_CREDENTIALS).  fake (V) sends under
# its own name (taken) and as froot, root's actor (dropped, said, counted);
# froot's own mail still arrives.
n=$(unique u)
cat >"$WORK/unix.ini" <<INI
[node]
name = $n
group = $U
[actor victim]
exec = watcher
transport = unix
user = $U
args = froot
[actor froot]
exec = sensor
args = --rate 20 --to victim
[actor fake]
exec = sealprobe
user = $V
restart = temporary
args = --unix --victim victim --as froot
INI
node_start "$n" "$WORK/unix.ini"
log=$WORK/$n.log
wait_for "$log" '^fake\[[0-9]+\]: forged 1, sent 1' 10
wait_for "$log" '^victim\[[0-9]+\]: not a Down: type [0-9]+ from fake' 10
wait_for "$log" '^victim\[[0-9]+\]: not a Down: type [0-9]+ from froot' 10
grep -qE "^victim\[[0-9]+\]: .*dropped a message from froot: sent by a process of another user than that actor's" "$log" ||
	{ grep -E '^(victim|fake)' "$log" | tail -n 20; fail "mail under froot's name from uid $vuid was not dropped"; }
[ "$(stat -c '%U %G %a' "$TROUPE_RUN_DIR/troupe.$n.victim.sock")" = "$U $U 660" ] ||
	fail "victim's socket: $(stat -c '%U %G %a' "$TROUPE_RUN_DIR/troupe.$n.victim.sock")"
bad=$(ctl -n "$n" -j counters | python3 -c '
import json, sys
print(*[c["dropped"] for c in json.load(sys.stdin) if c["name"] == "victim"])')
[ "$bad" = 1 ] || fail "victim's counters: $bad dropped, want 1"
node_stop "$DPID" || fail "node $n exited with $?"
assert_clean "$n"

# 2. Configuration errors, every one in one run, each at its line.
cat >"$WORK/bad.ini" <<INI
[node]
name = $(unique b)
group = nosuchgroup$$
[actor a]
exec = logger
user = nosuchuser$$
[actor b]
exec = logger
group = nosuchgroup$$
INI
$RUNNER "$B/bin/troupe" --check -A "$B/actors" "$WORK/bad.ini" >"$WORK/bad.out" 2>&1
rc=$?
[ $rc -eq 2 ] || { cat "$WORK/bad.out"; fail "--check of unknown users exited $rc, not 2"; }
for want in \
	"$WORK/bad.ini:6: [actor a]: user: no user 'nosuchuser$$' on this system" \
	"$WORK/bad.ini:9: [actor b]: group: no group 'nosuchgroup$$' on this system" \
	"$WORK/bad.ini:3: [node]: group: no group 'nosuchgroup$$' on this system"; do
	grep -qF "$want" "$WORK/bad.out" || { cat "$WORK/bad.out"; fail "no '$want'"; }
done
# A start refuses the same, before anything starts.
n=$(unique s)
node_start "$n" "$WORK/bad.ini"
node_wait "$DPID"; rc=$?
[ $rc -eq 2 ] || { cat "$WORK/$n.log"; fail "a start with unknown users exited $rc, not 2"; }
grep -qF "$WORK/bad.ini:6: [actor a]: user: no user" "$WORK/$n.log" || fail "the start did not name the unknown user"
assert_clean "$n"

# accept_from that no owner, group and mode can keep: refused.
cat >"$WORK/acc.ini" <<INI
[node]
name = $(unique a)
group = $U
[actor a]
exec = logger
user = $U
accept_from = b
[actor b]
exec = logger
[actor c]
exec = logger
user = $U
INI
$RUNNER "$B/bin/troupe" --check -A "$B/actors" "$WORK/acc.ini" >"$WORK/acc.out" 2>&1
[ $? -eq 2 ] && grep -qF "$WORK/acc.ini:7: [actor a]: accept_from: cannot keep c out: it runs as the same user (uid $uid) as a" "$WORK/acc.out" ||
	{ cat "$WORK/acc.out"; fail "an accept_from that cannot be kept was not refused"; }

# 3. A daemon that is no root, asked for another user: refused at the key.
mkdir -m 755 "$WORK/pub"
cat >"$WORK/pub/other.ini" <<INI
[node]
name = $(unique o)
[actor a]
exec = logger
user = root
INI
setpriv --reuid="$U" --regid="$U" --clear-groups $RUNNER "$B/bin/troupe" --check -A "$B/actors" \
	"$WORK/pub/other.ini" >"$WORK/other.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -qF "$WORK/pub/other.ini:5: [actor a]: user: this daemon runs as uid $uid without CAP_SETUID" "$WORK/other.out" ||
	{ cat "$WORK/other.out"; fail "a daemon of uid $uid asked for root: exit $rc"; }
echo "ok: actors ran as uid $uid with no_new_privs, accept_from kept, errors by line"
