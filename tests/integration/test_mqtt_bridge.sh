#!/usr/bin/env bash
# actors/mqtt-bridge against Debian's mosquitto on 127.0.0.1 (a free
# port, a temporary configuration, stopped by its pid only): the sensor's
# readings reach the broker and the bridge's retained status says online;
# a message published with mosquitto_pub reaches a subscribing actor; the
# broker stopped and started again mid-stream: the spool drains in order
# and nothing is lost at QoS 1 (sequence numbers, duplicates allowed); a
# spool that overflows drops its oldest and counts them; the bridge killed
# -9 with a file spool sends what was spooled once it is back, and its
# last will says offline; a wrong password is refused with a clear line.
# JSON mappings: readings reach the broker as JSON, JSON from
# mosquitto_pub reaches a subscribing actor, bad JSON is dropped, counted
# and said at a bounded rate without a crash; an unknown type is refused
# at load with file:line.  The bridge's counters in `troupectl counters
# -j`.  TLS with a CA, server and client certificates made here with
# openssl: readings arrive; a CA that did not sign the broker's
# certificate is refused with one clear line and retried; TLS-PSK
# connects, a wrong key is refused likewise.  Nothing left behind.
. "$(dirname "$0")/lib.sh"
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
for p in "$MOSQUITTO" mosquitto_sub mosquitto_pub mosquitto_passwd openssl; do
	command -v "$p" >/dev/null ||
		fail "$p not found: toolchain/setup host installs mosquitto and mosquitto-clients"
done
n=$(unique mq)
log=$WORK/$n.log

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
PORT_PW=$(free_port)
PORT_TLS=$(free_port)
PORT_PSK=$(free_port)
mosquitto_passwd -b -c "$WORK/passwd" bridge right >/dev/null 2>&1 || fail "mosquitto_passwd"
# A CA, the broker's certificate (for 127.0.0.1) and the bridge's, and a
# second CA that signed neither: made now, in this test's folder.
T=$WORK/tls
mkdir -p "$T"
cert() {   # NAME SUBJECT [CA]: NAME.key and NAME.crt, self-signed without a CA
	if [ -z "${3:-}" ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
			-keyout "$T/$1.key" -out "$T/$1.crt" 2>>"$T/log"
		return
	fi
	printf 'subjectAltName=IP:127.0.0.1\n' >"$T/san"
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$T/$1.key" \
		-out "$T/$1.csr" 2>>"$T/log" &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/$3.crt" -CAkey "$T/$3.key" -CAcreateserial \
		-days 2 -extfile "$T/san" -out "$T/$1.crt" 2>>"$T/log"
}
{ cert ca "Troupe test CA" && cert other "Another CA" && cert server 127.0.0.1 ca &&
	cert client bridge ca; } || { cat "$T/log" >&2; fail "openssl could not make the certificates"; }
chmod 644 "$T"/*.key   # a broker that drops root reads them too
PSK=00112233445566778899aabbccddeeff
echo "bridge:$PSK" >"$T/psk"
# Persistence, so that a session and what is queued for it outlive the
# broker's restart (the recorder below); `user root` keeps a broker started
# as root able to write into this test's folder (no effect otherwise).
cat >"$WORK/mosquitto.conf" <<CONF
user root
per_listener_settings true
persistence true
persistence_location $WORK/
listener $PORT 127.0.0.1
allow_anonymous true
listener $PORT_PW 127.0.0.1
allow_anonymous false
password_file $WORK/passwd
listener $PORT_TLS 127.0.0.1
allow_anonymous true
cafile $T/ca.crt
certfile $T/server.crt
keyfile $T/server.key
require_certificate true
listener $PORT_PSK 127.0.0.1
allow_anonymous true
psk_hint troupe
psk_file $T/psk
CONF
BPID=
broker_start() {
	"$MOSQUITTO" -c "$WORK/mosquitto.conf" >>"$WORK/broker.log" 2>&1 &
	BPID=$!
	DAEMONS+=("$BPID")
	local i
	for ((i = 0; i < 50 * SLOW; i++)); do
		sub_once "\$SYS/broker/version" 1 >/dev/null 2>&1 && return 0
		kill -0 "$BPID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/broker.log" >&2
	fail "the broker did not come up on 127.0.0.1:$PORT"
}
broker_stop() {   # SIGTERM: the broker saves its sessions and exits
	kill -TERM "$BPID"
	pids_gone 10 "$BPID" || fail "the broker did not stop"
	wait "$BPID" 2>/dev/null
}
# sub_once TOPIC SECONDS [COUNT]: what the broker has (retained) or gets.
sub_once() {
	mosquitto_sub -h 127.0.0.1 -p "$PORT" -t "$1" -C "${3:-1}" -W "$2" -F '%t %x'
}
# seqs_of FILE TOPIC: demo.Reading's seq (field 1, a varint) of each line
# of FILE (topic, payload in hex) on TOPIC, in order, one line.
seqs_of() {
	python3 - "$@" <<'PY'
import sys
out = []
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) != 2 or parts[0] != sys.argv[2]:
        continue
    b = bytes.fromhex(parts[1])
    seq, shift, i = 0, 0, 1
    if b[:1] == b"\x08":
        while i < len(b):
            seq |= (b[i] & 0x7f) << shift
            shift += 7
            i += 1
            if not b[i - 1] & 0x80:
                break
    out.append(str(seq))
print(" ".join(out))
PY
}
# first_seen "SEQS": the sequence with repeats removed (QoS 1 is at least
# once: a message in flight when the connection broke comes again).
first_seen() { tr ' ' '\n' <<<"$1" | awk 'NF && !seen[$0]++' | tr '\n' ' ' | sed 's/ $//'; }
# counter ACTOR NAME: NAME's value in ACTOR's last counters line.
counter() {
	grep -E "^$1\[[0-9]+\]: counters" "$log" | tail -n 1 | sed -n "s/.* $2=\([0-9]*\).*/\1/p"
}
# wait_counter ACTOR NAME VALUE SECONDS: until its counters line says so.
wait_counter() {
	local secs=$(( $4 * SLOW )) i
	for ((i = 0; i < secs * 10; i++)); do
		[ "$(counter "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	fail "$1: $2=$(counter "$1" "$2") within ${secs}s, want $3"
}
# wait_lines FILE TOPIC N SECONDS: until FILE holds N lines on TOPIC.
wait_lines() {
	local secs=$(( $4 * SLOW )) i
	for ((i = 0; i < secs * 10; i++)); do
		[ "$(grep -c "^$2 " "$1")" -ge "$3" ] && return 0
		sleep 0.1
	done
	fail "$(grep -c "^$2 " "$1") messages on $2 within ${secs}s, want $3 ($(seqs_of "$1" "$2"))"
}

bridge_conf() {   # FILE, then the lines of the bridge's own
	local f=$1; shift
	printf '%s\n' "restart_timeout 0.2 1" "stats_interval 1" "keepalive_interval 5" \
		"in_type 1001" "$@" >"$f"
}
bridge_conf "$WORK/bridge.conf" "address 127.0.0.1:$PORT" \
	'topic sensors/# out 1 "" site/' 'topic seq/# out 1 "" site/' \
	'topic cmd/# in 1 "" site/' "spool_dir $WORK/spool"
bridge_conf "$WORK/small.conf" "address 127.0.0.1:$PORT" \
	'topic drop/# out 1 "" small/' "spool_depth 10" "spool_policy drop_oldest"
bridge_conf "$WORK/badpw.conf" "address 127.0.0.1:$PORT_PW" \
	'topic nothing/# out 1' "remote_username bridge" "remote_password wrong"
bridge_conf "$WORK/json.conf" "address 127.0.0.1:$PORT" \
	'topic sensors/# out 1 "" json/ json' 'topic jcmd/# in 1 "" json/ json demo.Reading'
tls_conf() {   # FILE PORT LINES...
	local f=$1 port=$2; shift 2
	bridge_conf "$f" "address 127.0.0.1:$port" "$@" "notifications false"
}
tls_conf "$WORK/tls.conf" "$PORT_TLS" 'topic sensors/# out 0 "" tls/' "bridge_cafile $T/ca.crt" \
	"bridge_certfile $T/client.crt" "bridge_keyfile $T/client.key"
tls_conf "$WORK/badca.conf" "$PORT_TLS" 'topic nothing/# out 0' "bridge_cafile $T/other.crt" \
	"bridge_certfile $T/client.crt" "bridge_keyfile $T/client.key"
tls_conf "$WORK/psk.conf" "$PORT_PSK" 'topic sensors/# out 0 "" psk/' "bridge_psk $PSK" \
	"bridge_identity bridge"
tls_conf "$WORK/badpsk.conf" "$PORT_PSK" 'topic nothing/# out 0' \
	"bridge_psk ${PSK%????}eeee" "bridge_identity bridge"
cat >"$WORK/topo.ini" <<INI
[node]
name = $n
backoff_ms = 0
[actor sensor]
exec = sensor
args = --rate 20 --topic sensors/kitchen/temp
[actor pub]
exec = topics
[actor sub]
exec = topics
args = --sub cmd/#
[actor mqtt-bridge]
exec = mqtt-bridge
transport = shm
depth = 512
args = --config $WORK/bridge.conf
[actor small]
exec = mqtt-bridge
transport = shm
depth = 512
args = --config $WORK/small.conf
[actor badpw]
exec = mqtt-bridge
args = --config $WORK/badpw.conf
[actor jbridge]
exec = mqtt-bridge
args = --config $WORK/json.conf
[actor jsub]
exec = topics
args = --sub jcmd/#
[actor tlsb]
exec = mqtt-bridge
args = --config $WORK/tls.conf
[actor badca]
exec = mqtt-bridge
args = --config $WORK/badca.conf
[actor pskb]
exec = mqtt-bridge
args = --config $WORK/psk.conf
[actor badpsk]
exec = mqtt-bridge
args = --config $WORK/badpsk.conf
INI

broker_start
node_start "$n" "$WORK/topo.ini"
wait_for "$log" '^mqtt-bridge\[[0-9]+\]: connected to broker 127\.0\.0\.1' 10
wait_for "$log" '^small\[[0-9]+\]: connected to broker' 10
wait_for "$log" '^sub\[[0-9]+\]: ready' 10
status=troupe/$n/mqtt-bridge/status

# The readings reach the broker, in order, and the status is online.
sub_once site/sensors/kitchen/temp 10 5 >"$WORK/readings" || fail "no 5 readings on the broker"
r=$(seqs_of "$WORK/readings" site/sensors/kitchen/temp)
python3 -c 'import sys; s = list(map(int, sys.argv[1].split())); sys.exit(not (len(s) == 5 and all(b == a + 1 for a, b in zip(s, s[1:]))))' "$r" ||
	fail "readings on the broker not consecutive: $r"
[ "$(sub_once "$status" 5)" = "$status $(printf online | od -An -tx1 | tr -d ' \n')" ] ||
	fail "retained status is not online: $(sub_once "$status" 2)"

# In: mosquitto_pub -> the bridge -> the node's topic cmd/x -> sub.
printf '\x08\x07' >"$WORK/seq7"
timeout 10 mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t site/cmd/x -f "$WORK/seq7" ||
	fail "mosquitto_pub"
wait_for "$log" '^sub\[[0-9]+\]: got cmd/x seq=7 from mqtt-bridge' 10

# own ACTOR NAME: the actor's own counter NAME in `troupectl counters -j`.
own() {
	ctl -n "$n" -j counters | python3 -c '
import json, sys
for row in json.load(sys.stdin):
    if row["name"] == sys.argv[1]:
        print(row["own"].get(sys.argv[2], "none"))' "$1" "$2"
}
wait_own() {   # ACTOR NAME VALUE SECONDS
	local secs=$(( $4 * SLOW )) i
	for ((i = 0; i < secs * 10; i++)); do
		[ "$(own "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	fail "$1: own counter $2=$(own "$1" "$2") in troupectl counters -j within ${secs}s, want $3"
}

# JSON out: the readings on the broker are demo.Reading as JSON.
wait_for "$log" '^jbridge\[[0-9]+\]: connected to broker' 10
mosquitto_sub -h 127.0.0.1 -p "$PORT" -t json/sensors/kitchen/temp -C 3 -W $((10 * SLOW)) \
	>"$WORK/json.out" || fail "no JSON readings on the broker"
python3 -c '
import json, sys
seqs = []
for line in open(sys.argv[1]):
    m = json.loads(line)
    assert m["type"] == "demo.Reading" and m["msgid"] == 1001, m
    seqs.append(m["fields"]["seq"])
assert len(seqs) == 3 and seqs == list(range(seqs[0], seqs[0] + 3)), seqs' "$WORK/json.out" ||
	fail "JSON readings: $(cat "$WORK/json.out")"
# JSON in: mosquitto_pub -> jbridge (json demo.Reading) -> jcmd/x -> jsub.
timeout 10 mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t json/jcmd/x -m '{"seq": 9, "value": 1.5}' ||
	fail "mosquitto_pub"
wait_for "$log" '^jsub\[[0-9]+\]: got jcmd/x seq=9 from jbridge' 10
# The wrapper troupectl sub -j and the out direction write reads back too.
timeout 10 mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t json/jcmd/x \
	-m '{"type":"demo.Reading","msgid":1001,"fields":{"seq":10}}' || fail "mosquitto_pub"
wait_for "$log" '^jsub\[[0-9]+\]: got jcmd/x seq=10 from jbridge' 10
# Bad JSON: dropped, counted, said at most once a second, no crash.
jpid=$(actor_pid "$n" jbridge)
for bad in '{"seq":' 'not json' '{"seq":"x"}' '{"nope":1}' '{"seq":1}}'; do
	timeout 10 mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t json/jcmd/x -m "$bad" ||
		fail "mosquitto_pub"
done
wait_own jbridge bad_payloads 5 10
wait_for "$log" '^jbridge\[[0-9]+\]: bad payload on json/jcmd/x, dropped: ' 5
[ "$(grep -c '^jbridge\[[0-9]*\]: bad payload' "$log")" -le 2 ] ||
	fail "bad payloads said more than once a second: $(grep -c '^jbridge\[[0-9]*\]: bad payload' "$log") lines"
timeout 10 mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t json/jcmd/x -m '{"seq": 11}' ||
	fail "mosquitto_pub"
wait_for "$log" '^jsub\[[0-9]+\]: got jcmd/x seq=11 from jbridge' 10
[ "$(actor_pid "$n" jbridge)" = "$jpid" ] || fail "jbridge restarted after bad JSON"
[ "$(own jbridge received)" = 3 ] || fail "jbridge: received=$(own jbridge received), want 3"
[ "$(own jbridge connected)" = 1 ] || fail "jbridge: connected=$(own jbridge connected), want 1"
ctl -n "$n" -v counters | grep -A3 '^jbridge ' | grep -qE '^    own .* bad_payloads:5' ||
	fail "troupectl counters -v shows no own line for jbridge: $(ctl -n "$n" -v counters)"

# TLS: the bridge's certificate, the broker's checked against the CA.
wait_for "$log" '^tlsb\[[0-9]+\]: connected to broker 127\.0\.0\.1' 10
sub_once tls/sensors/kitchen/temp 10 3 >/dev/null || fail "no readings over TLS"
# A CA that signed nothing of the broker's: one clear line, retried.
wait_for "$log" '^badca\[[0-9]+\]: broker 127\.0\.0\.1:'"$PORT_TLS"': the TLS handshake failed: .*certificate verify failed' 10
capid=$(actor_pid "$n" badca)
for ((i = 0; i < 50 * SLOW; i++)); do   # restart_timeout 0.2 1: several attempts
	[ "$(grep -c 'unknown ca' "$WORK/broker.log")" -ge 3 ] && break
	sleep 0.1
done
[ "$(grep -c 'unknown ca' "$WORK/broker.log")" -ge 3 ] || fail "badca did not retry"
[ "$(grep -c '^badca\[[0-9]*\]: broker .* TLS handshake failed' "$log")" -eq 1 ] ||
	fail "the TLS refusal is not said once: $(grep '^badca' "$log")"
[ "$(actor_pid "$n" badca)" = "$capid" ] || fail "badca restarted"
[ "$(own badca connected)" = 0 ] || fail "badca: connected=$(own badca connected)"
# TLS-PSK (Debian's mosquitto has it): connects; a wrong key is refused.
wait_for "$log" '^pskb\[[0-9]+\]: connected to broker 127\.0\.0\.1' 10
sub_once psk/sensors/kitchen/temp 10 3 >/dev/null || fail "no readings over TLS-PSK"
wait_for "$log" '^badpsk\[[0-9]+\]: broker 127\.0\.0\.1:'"$PORT_PSK"': the TLS handshake failed: ' 10
sleep 2
[ "$(grep -c '^badpsk\[[0-9]*\]: broker .* TLS handshake failed' "$log")" -eq 1 ] ||
	fail "the PSK refusal is not said once: $(grep '^badpsk' "$log")"
kill -0 "$(actor_pid "$n" badpsk)" || fail "badpsk not running"

# A recorder with a session that outlives the broker's restart.
rec=$WORK/recorder
mosquitto_sub -h 127.0.0.1 -p "$PORT" -i "rec-$n" -c -q 1 -t 'site/#' -t 'small/#' \
	-W $((120 * SLOW)) -F '%t %x' >"$rec" 2>"$WORK/recorder.err" &
RPID=$!
DAEMONS+=("$RPID")
wait_lines "$rec" site/sensors/kitchen/temp 3 10

# The broker away mid-stream: the sensor goes on, the bridge spools.
broker_stop
ctl -n "$n" send pub demo.LogLine text="burst seq/a 40" || fail "send burst"
ctl -n "$n" send pub demo.LogLine text="burst drop/x 25" || fail "send burst"
wait_for "$log" '^mqtt-bridge\[[0-9]+\]: broker 127\.0\.0\.1:[0-9]+ lost' 10
wait_counter small queued 10 10
sleep 1   # the sensor's readings pile up meanwhile
broker_start
wait_lines "$rec" site/seq/a 40 20
a=$(seqs_of "$rec" site/seq/a)
[ "$(first_seen "$a")" = "$(seq -s ' ' 1 40)" ] || fail "seq/a out of order or lost: $a"
# The spool kept the newest 10 of 25 and counted 15 dropped.
wait_lines "$rec" small/drop/x 10 20
d=$(seqs_of "$rec" small/drop/x)
[ "$(first_seen "$d")" = "$(seq -s ' ' 16 25)" ] || fail "small's spool did not keep 16..25 in order: $d"
wait_counter small dropped 15 10
[ "$(counter mqtt-bridge spooled)" -ge 40 ] || fail "spooled=$(counter mqtt-bridge spooled), want >= 40"
# ... and the same in troupectl counters -j, with the spool's drops.
[ "$(own mqtt-bridge spooled)" -ge 40 ] || fail "own spooled=$(own mqtt-bridge spooled), want >= 40"
wait_own small spool_drops 15 10
[ "$(own mqtt-bridge reconnects)" -ge 1 ] || fail "own reconnects=$(own mqtt-bridge reconnects)"
# The readings across the outage: every one, in order.
ctl -n "$n" stop sensor >/dev/null || fail "stop sensor"
sleep 1
k=$(first_seen "$(seqs_of "$rec" site/sensors/kitchen/temp)")
python3 -c 'import sys; s = list(map(int, sys.argv[1].split())); sys.exit(not (len(s) > 40 and s == list(range(s[0], s[-1] + 1))))' "$k" ||
	fail "readings across the broker's restart lost or out of order: $k"
wait_counter mqtt-bridge queued 0 10

# The bridge killed -9 while the broker is away: its file spool is sent
# once it is back.
broker_stop
ctl -n "$n" send pub demo.LogLine text="burst seq/k 30" || fail "send burst"
wait_counter mqtt-bridge queued 30 10
[ "$(ls "$WORK/spool" | wc -l)" -eq 30 ] || fail "spool dir holds $(ls "$WORK/spool" | wc -l) files, want 30"
old=$(actor_pid "$n" mqtt-bridge)
kill -KILL "$old"
wait_for "$log" '^mqtt-bridge\[[0-9]+\]: spool .*: 30 messages of an earlier run to send' 10
broker_start
wait_lines "$rec" site/seq/k 30 20
k=$(seqs_of "$rec" site/seq/k)
[ "$(first_seen "$k")" = "$(seq -s ' ' 1 30)" ] || fail "seq/k after the kill out of order or lost: $k"
wait_counter mqtt-bridge queued 0 10
[ -z "$(ls -A "$WORK/spool")" ] || fail "spool dir not empty once drained: $(ls -A "$WORK/spool")"

# The last will: killed -9 while connected, the broker says offline (a
# watcher sees it before the restarted bridge says online again).
wait_for "$log" "^mqtt-bridge\[[0-9]+\]: connected to broker" 10
mosquitto_sub -h 127.0.0.1 -p "$PORT" -t "$status" -C 3 -W $((10 * SLOW)) -F '%p' >"$WORK/status" &
WPID=$!
DAEMONS+=("$WPID")
wait_for "$WORK/status" '^online$' 5
kill -KILL "$(actor_pid "$n" mqtt-bridge)"
wait_for "$WORK/status" '^offline$' 10
offline="$status $(printf offline | od -An -tx1 | tr -d ' \n')"
kill "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null

# A wrong password: refused, said plainly, retried with backoff.
grep -E '^badpw\[[0-9]+\]: broker 127\.0\.0\.1:[0-9]+ refused the connection: .*(authori|password)' "$log" ||
	fail "no clear refusal line for the wrong password"
[ "$(grep -c '^badpw\[[0-9]*\]: broker .* refused' "$log")" -eq 1 ] ||
	fail "the refusal is repeated at every retry"

kill "$RPID" 2>/dev/null
wait "$RPID" 2>/dev/null
online="$status $(printf online | od -An -tx1 | tr -d ' \n')"
for ((i = 0; i < 50 * SLOW; i++)); do   # the restarted bridge is back
	[ "$(sub_once "$status" 2)" = "$online" ] && break
	sleep 0.1
done
[ "$(sub_once "$status" 2)" = "$online" ] || fail "the restarted bridge did not say online"
node_stop "$DPID" || fail "node did not stop cleanly"
assert_clean "$n"

# A JSON mapping of a type the bridge does not know: refused at load,
# with the file, the line and the key.
bridge_conf "$WORK/badtype.conf" "address 127.0.0.1:$PORT" 'topic x/# in 1 "" x/ json demo.Nope'
bridge_conf "$WORK/notype.conf" "address 127.0.0.1:$PORT" 'topic x/# both 1 "" x/ json'
m=${n}b
cat >"$WORK/bad.ini" <<INI
[node]
name = $m
backoff_ms = 0
restart_limit = 1
[actor badtype]
exec = mqtt-bridge
args = --config $WORK/badtype.conf
[actor notype]
exec = mqtt-bridge
args = --config $WORK/notype.conf
INI
node_start "$m" "$WORK/bad.ini"
wait_for "$WORK/$m.log" "^badtype\[[0-9]+\]: $WORK/badtype.conf:6: topic: unknown message type 'demo.Nope'" 10
wait_for "$WORK/$m.log" "^notype\[[0-9]+\]: $WORK/notype.conf:6: topic: json in or both needs the message TYPE" 10
node_stop "$DPID"
assert_clean "$m"
# A clean stop says offline itself (a clean disconnect fires no will).
[ "$(sub_once "$status" 5)" = "$offline" ] || fail "status after a clean stop: $(sub_once "$status" 2)"
broker_stop
echo "ok: readings $(wc -l <"$WORK/readings") on the broker, spool in order across a restart and a kill -9"
