#!/usr/bin/env bash
# Least privilege per actor, with a real second local user that the test
# creates and removes: an actor with user = U runs as U's uid and gid
# with no_new_privs (so does every other actor); it receives and sends
# mail as usual under the default accept_from; an actor left out of a
# receiver's accept_from cannot open its mailbox (its sends fail with
# "permission denied", said and counted by the sender, the daemon and
# the others unaffected); unknown users and groups, and a daemon that is
# no root asked for another user, are configuration errors by file and
# line; nothing is left in /dev/shm or among the queues.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (creates a second local user)"; exit 0; }
U=tpt$$
timeout 60 useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$U" ||
	fail "cannot create the second user $U"
# The user (and its group) goes whatever happens, by name, after lib.sh's
# cleanup of the nodes.
privs_cleanup() {
	local rc=$?
	timeout 60 userdel "$U" >/dev/null 2>&1
	getent group "$U" >/dev/null && timeout 60 groupdel "$U" >/dev/null 2>&1
	(exit $rc)
	cleanup
}
trap privs_cleanup EXIT
uid=$(id -u "$U")
gid=$(id -g "$U")
# The actors of user U reach nothing under the test's folder but what the
# daemon gives them; the folder itself must let them through.
chmod 711 "$WORK"

# status_of PID KEY: the first value of KEY in /proc/PID/status.
status_of() { awk -v k="$2:" '$1 == k { print $2; exit }' "/proc/$1/status"; }

# 1. Users, mail under the default accept_from, accept_from kept.
# sensor (U) -> filter (root) -> logger (U): U's mail into root's mailbox
# goes through the node's group, U receives in its own.  guard (root)
# takes mail only from feeder and filter (both root: the only others it
# could not keep out); intruder (U) sends to guard and must be refused.
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
for a in filter guard feeder; do
	p=$(actor_pid "$n" "$a")
	[ "$(status_of "$p" Uid)" = 0 ] || fail "$a (no user) does not run as the daemon's user"
	[ "$(status_of "$p" NoNewPrivs)" = 1 ] || fail "$a (no user) may gain privileges again"
done
# U -> root (group), root -> U, U receiving: the logger prints averages.
wait_for "$WORK/$n.log" "^logger\[[0-9]+\]: seq=20 " 10
# root -> root with accept_from: guard gets feeder's readings.
wait_for "$WORK/$n.log" "^guard\[[0-9]+\]: from feeder: " 10
# intruder is kept out, says so and counts.
wait_for "$WORK/$n.log" "^intruder\[[0-9]+\]: reading 1 not sent to guard: permission denied \(3 so far\)" 10
grep -qE "^guard\[[0-9]+\]: from intruder" "$WORK/$n.log" && fail "guard took mail from intruder"
# The mailboxes as promised: the receiver's, the allowed senders' group.
[ "$(stat -c '%U %G %a' /dev/shm/troupe.$n.sensor.ring)" = "$U $U 600" ] ||
	fail "sensor's ring: $(stat -c '%U %G %a' /dev/shm/troupe.$n.sensor.ring)"
[ "$(stat -c '%U %G %a' /dev/shm/troupe.$n.registry)" = "root $U 640" ] ||
	fail "registry: $(stat -c '%U %G %a' /dev/shm/troupe.$n.registry)"
# The daemon and the other actors are unaffected.
ctl -n "$n" list >"$WORK/list" || fail "troupectl list failed"
[ "$(grep -c ' up ' "$WORK/list")" = 6 ] || { cat "$WORK/list"; fail "not every actor is up"; }
grep -qE '^intruder +[0-9]+ up .* 0 ' "$WORK/list" || { cat "$WORK/list"; fail "intruder was restarted"; }
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
