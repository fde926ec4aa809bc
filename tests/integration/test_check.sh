#!/usr/bin/env bash
# troupe --check finds what a start would refuse, every problem in one run,
# each with file:line and the fix: mailboxes over the kernel's mq limits
# (msg_max, msgsize_max, RLIMIT_MSGQUEUE for all of them together), an
# executable of another architecture, a file that is no program, a script
# whose #! interpreter is missing, a missing executable; a listening
# address that is taken, socket mailboxes the kernel's send buffers
# cannot hold.  A start with an
# executable of another architecture is refused with one clear line before
# anything starts (no restart loop, nothing left behind).
. "$(dirname "$0")/lib.sh"
node=$(unique k)
D=$WORK/k
mkdir -p "$D"

# An ELF header of an architecture neither the daemon (its own machine,
# read from its file) nor the kernel runs (under qemu-user the kernel's
# programs run too): aarch64, or else riscv64.  Enough for the check,
# which reads only the header.
ours=$(od -An -tu1 -j18 -N1 "$B/bin/troupe" | tr -d ' ')
karch=$(cat /proc/sys/kernel/arch 2>/dev/null || uname -m)
if [ "$ours" != 183 ] && [ "${karch#aarch64}" = "$karch" ]; then
	em='\xb7'; arch=aarch64; article=an
else
	em='\xf3'; arch=riscv64; article=a
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-$arch ] &&
	fail "binfmt_misc runs $arch binaries here: the check rightly accepts them"
printf "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00$em\\x00\\x01\\x00\\x00\\x00" >"$D/foreign"
head -c 40 /dev/zero >>"$D/foreign"
# A 32-bit ELF of the kernel's own machine: not built as the daemon is,
# yet the kernel runs its machine's programs (x32; under qemu-user, any
# host program): accepted.
case $karch in
x86_64) kem='\x3e';; aarch64*) kem='\xb7';;
*) fail "no ELF machine number known here for the kernel's $karch";;
esac
printf "\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00$kem\\x00\\x01\\x00\\x00\\x00" >"$D/native32"
head -c 40 /dev/zero >>"$D/native32"
printf 'hello\n' >"$D/notprog"
printf '#!/no/such/interpreter\necho hi\n' >"$D/badscript"
printf '#!/bin/sh\nexit 0\n' >"$D/goodscript"
chmod +x "$D/foreign" "$D/native32" "$D/notprog" "$D/badscript" "$D/goodscript"

msg_max=$(cat /proc/sys/fs/mqueue/msg_max)
size_max=$(cat /proc/sys/fs/mqueue/msgsize_max)
cat >"$D/all.ini" <<INI
[node]
name = chk
[actor deep]
exec = echo
depth = $((msg_max + 1))
[actor wide]
exec = echo
msg_max = $((size_max + 1))
[actor arm]
exec = ./foreign
[actor text]
exec = ./notprog
[actor script]
exec = ./badscript
[actor gone]
exec = ./missing
[actor fine]
exec = ./goodscript
[actor e1]
exec = echo
[actor e2]
exec = echo
[actor native]
exec = ./native32
INI
# As an unprivileged daemon runs: CAP_SYS_RESOURCE lifts msg_max and
# msgsize_max, so with it (root) the check runs with it dropped.  The
# rlimit is lowered (allowed to anyone) so that each queue fits alone but
# not all of them together.
cap_res=$(( 0x$(sed -n 's/^CapEff:\s*//p' /proc/self/status) >> 24 & 1 ))
drop=
[ "$cap_res" -eq 1 ] && command -v setpriv >/dev/null &&
	drop="setpriv --inh-caps=-sys_resource --bounding-set=-sys_resource --"
[ "$cap_res" -eq 0 ] || [ -n "$drop" ] ||
	fail "CAP_SYS_RESOURCE lifts the mq limits here and setpriv (util-linux) is missing to drop it"
(ulimit -q 25000 && $drop $RUNNER "$B/bin/troupe" --check -A "$B/actors" "$D/all.ini") \
	>"$WORK/out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || { cat "$WORK/out"; fail "--check: exit $rc, want 2"; }
want() { grep -qF -- "$1" "$WORK/out" || { cat "$WORK/out" >&2; fail "--check did not say: $1"; }; }
A=$D/all.ini
want "$A:3: [actor deep]: transport mq: depth $((msg_max + 1)) exceeds /proc/sys/fs/mqueue/msg_max ($msg_max): raise it"
want "$A:6: [actor wide]: transport mq: msg_max $((size_max + 1)) exceeds /proc/sys/fs/mqueue/msgsize_max ($size_max): raise it"
want "$A:10: [actor arm]: exec format error: $D/./foreign is $article $arch binary, this machine runs $karch; set exec_prefix (e.g. qemu-$arch) or build it for $karch"
want "$A:12: [actor text]: exec format error: $D/./notprog is neither an ELF executable nor a script with #!"
want "$A:14: [actor script]: $D/./badscript: its #! interpreter /no/such/interpreter: No such file or directory"
want "$A:16: [actor gone]: exec './missing'"
want "more mailboxes of transport mq, together:"
want "but RLIMIT_MSGQUEUE is 25000: raise it (ulimit -q"
want "troupe: $A: 7 errors"
[ "$(grep -c ':[0-9]*: \[' "$WORK/out")" = 7 ] || { cat "$WORK/out"; fail "want exactly 7 problems, once each"; }
grep -q "actor fine" "$WORK/out" && fail "a script with a good #! was refused"
grep -q "actor native\]: exec" "$WORK/out" && fail "a program of the kernel's own machine was refused"
# The daemon's mailbox takes the widest actor's msg_max: said once, at the actor.
grep -q "\[node\]" "$WORK/out" && fail "the daemon's mailbox repeated the actor's error"

# The start refuses the foreign executable before anything runs.
cat >"$D/arm.ini" <<INI
[node]
name = chk
[actor e1]
exec = echo
[actor arm]
exec = ./foreign
INI
XPREFIX= node_start "$node" "$D/arm.ini"
node_wait "$DPID" 10
rc=$?
log=$WORK/$node.log
[ "$rc" -eq 2 ] || { cat "$log"; fail "start with a foreign executable: exit $rc, want 2"; }
grep -qF "$D/arm.ini:6: [actor arm]: exec format error: $D/./foreign is $article $arch binary" "$log" ||
	{ cat "$log"; fail "no clear exec format error line"; }
grep -q "started" "$log" && { cat "$log"; fail "an actor was started"; }
assert_clean "$node"

# Sockets: a listening address another program holds, and socket
# mailboxes whose send buffer the kernel would cap below depth messages.
wmem=$(cat /proc/sys/net/core/wmem_max)
depth=$(cat /proc/sys/net/unix/max_dgram_qlen)
[ "$depth" -gt 20 ] && depth=20
big=$(( (2 * wmem) / depth + 1024 ))   # depth of them overflow twice wmem_max
[ "$big" -le 1048576 ] || fail "net.core.wmem_max ($wmem) is too large to overflow with msg_max <= 1 MiB"
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$WORK/port" &
holder=$!
for ((i = 0; i < 50; i++)); do [ -s "$WORK/port" ] && break; sleep 0.1; done
port=$(cat "$WORK/port")
[ -n "$port" ] || fail "no port from the listener"
group_key "$D/key"
cat >"$D/sock.ini" <<INI
[node]
name = chk
listen = 127.0.0.1:$port
key_file = $D/key
[actor u]
exec = echo
transport = unix
depth = $depth
msg_max = $big
[actor t]
exec = echo
transport = tcp
depth = $depth
msg_max = $big
INI
$RUNNER "$B/bin/troupe" --check -A "$B/actors" "$D/sock.ini" >"$WORK/out" 2>&1
rc=$?
kill "$holder"
wait "$holder" 2>/dev/null
[ "$rc" -eq 2 ] || { cat "$WORK/out"; fail "--check of busy sockets: exit $rc, want 2"; }
A=$D/sock.ini
# strerror(EADDRINUSE): "Address already in use" (glibc), "Address in use" (musl)
want "$A:3: [node]: listen: cannot listen on 127.0.0.1:$port: Address"
want " in use: another program, or this node running already, holds it; choose another port"
want "$A:5: [actor u]: transport unix: depth $depth x msg_max $big needs a send buffer of"
want "(sysctl net.core.wmem_max="
want "$A:10: [actor t]: transport tcp: depth $depth x msg_max $big needs a send buffer of"
want "troupe: $A: 3 errors"

# A valid topology still checks clean.
cat >"$D/ok.ini" <<INI
[node]
name = chk
[actor e1]
exec = echo
[actor fine]
exec = ./goodscript
INI
out=$($RUNNER "$B/bin/troupe" --check -A "$B/actors" "$D/ok.ini" 2>&1) || fail "--check of a good file: $out"
echo ok
