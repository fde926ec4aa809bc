troupectl against a live node (test_troupectl.sh starts it as $N, with
actors echo and sink; "tc" is troupectl -n $N).

Reading:

  $ tc list
  NAME                 PID STATE     TRANS       DEPTH RESTARTS  UPTIME_S  BUSY_MS
  echo +[0-9]+ up +mq +0/10 +0 +[0-9.]+ +- (re)
  sink +[0-9]+ up +mq +0/10 +0 +[0-9.]+ +- (re)
  $ tc -j status echo
  \{"name":"echo","pid":[0-9]+,"state":"up","transport":"mq","depth":0,"capacity":10,"msg_max":1024,"restarts":0,"uptime_s":[0-9.]+,"supervisor":"t[0-9]+n","restart":"permanent","busy_ms":null\} (re)
  $ tc status nobody
  troupectl: no actor 'nobody' (no such actor or mailbox)
  [4]

Lifecycle: stop keeps it down, start brings it back; restart and upgrade
replace the process (a new pid, the old one gone; the upgrade runs the new
program), and neither counts as a crash restart.

  $ tc stop sink && tc -t 5 wait-for sink --state down && tc -j status sink | grep -o '"state":"[a-z]*"'
  "state":"down"
  $ tc stop sink
  troupectl: sink is already stopped, or the node is stopping (not allowed in this state)
  [1]
  $ tc start sink && tc -t 5 wait-for sink && echo up
  up
  $ tc start sink
  troupectl: sink is already running (already in use)
  [1]
  $ p0=$(pid_of echo) && kill -0 "$p0" && tc restart echo && new_pid echo "$p0" && tc -j status echo | grep -o '"restarts":[0-9]*'
  "restarts":0
  $ tc upgrade echo /nonexistent/echo
  troupectl: cannot execute /nonexistent/echo: No such file or directory (system call failed)
  [1]
  $ p0=$(pid_of echo) && tc upgrade echo "$WORK/v2/echo" && new_pid echo "$p0" "$WORK/v2/echo" && echo upgraded
  upgraded
  $ p0=$(pid_of echo) && tc upgrade echo "$B/actors/echo" && new_pid echo "$p0" "$B/actors/echo" && tc -j status echo | grep -o '"restarts":[0-9]*'
  "restarts":0

Messages: type 1005 is demo.Echo; 08 07 is seq = 7.

  $ tc call echo 1005 0807
  type 1005 payload 0807
  $ tc -j call echo 1005 0807
  {"type":1005,"payload":"0807"}
  $ tc send sink 1005 0807 && echo sent
  sent
  $ tc call nobody 1005
  troupectl: no actor 'nobody' (no such actor or mailbox)
  [4]
  $ tc -t 0.3 call sink 1005 0807
  troupectl: no reply within the deadline (deadline passed)
  [5]
  $ tc send echo 1005 0z
  troupectl: send: bad payload '0z' (hex bytes, at most 4096)
  [2]
  $ tc send echo banana
  troupectl: send: unknown message type 'banana' (troupectl types lists them)
  [2]
  $ tc send echo
  usage: troupectl [options] send NAME TYPE [FIELD=VALUE...]
    send a message: TYPE by name (troupectl types), or a type id and the payload in hex
  [2]

Messages by name: types and fields come from the actors' .proto files.

  $ tc types Echo
  demo.Echo             1005 seq:uint32 data:bytes
  $ tc call echo demo.Echo seq=7 data=ping
  demo.Echo
    seq = 7
    data = "ping"
  $ tc -j call echo Echo seq=4294967295 data=0x00ff
  {"type":"demo.Echo","msgid":1005,"fields":{"seq":4294967295,"data":"0x00ff"}}
  $ tc call echo Echo
  demo.Echo
    seq = 0
    data = ""
  $ tc call echo troupe.Down name=x reason=SIGNAL code=-9 restarting=true
  troupe.Down
    name = "x"
    reason = SIGNAL
    code = -9
    restarting = true
  $ tc call echo demo.Reading seq=1 value=-2.5 time_us=18446744073709551615
  demo.Reading
    seq = 1
    value = -2.5
    time_us = 18446744073709551615
  $ tc send sink demo.LogLine text="hello by name" && echo sent
  sent
  $ tc send sink demo.LogLine txt=hello
  troupectl: send: demo.LogLine has no field 'txt'
  [2]
  $ tc send sink demo.Nope text=x
  troupectl: send: unknown message type 'demo.Nope' (troupectl types lists them)
  [2]
  $ tc call echo Echo seq=-1
  troupectl: call: demo.Echo.seq: '-1' is not a valid uint32
  [2]
  $ tc call echo Echo seq=4294967296
  troupectl: call: demo.Echo.seq: '4294967296' is not a valid uint32
  [2]
  $ tc call echo Echo seq=1 seq=2
  troupectl: call: demo.Echo.seq given twice
  [2]
  $ tc call echo Echo data=0xabc
  troupectl: call: demo.Echo.data: bad bytes '0xabc' (text, or 0x and pairs of hex digits)
  [2]
  $ tc call echo troupe.Down reason=BOGUS
  troupectl: call: troupe.Down.reason: 'BOGUS' is not a valid troupe.Down.Reason
  [2]
  $ tc call echo troupe.Down restarting=maybe
  troupectl: call: troupe.Down.restarting: 'maybe' is not a valid bool (true or false)
  [2]
  $ tc call echo Echo 7
  troupectl: call: '7': expected FIELD=VALUE
  [2]
  $ tc call nobody Echo seq=1
  troupectl: no actor 'nobody' (no such actor or mailbox)
  [4]

Usage and a node that is not running:

  $ tc frobnicate
  troupectl: unknown command 'frobnicate' (try troupectl help)
  [2]
  $ tc help wait-for
  usage: troupectl [options] wait-for NAME [--state up|down]
    wait (up to -t) until an actor is up or down
  $ tc -t soon list
  troupectl: -t: bad timeout 'soon' (seconds, 0 to 86400)
  [2]
  $ tc -t 1e300 list
  troupectl: -t: bad timeout '1e300' (seconds, 0 to 86400)
  [2]
  $ tc -t nan list
  troupectl: -t: bad timeout 'nan' (seconds, 0 to 86400)
  [2]
  $ tc -t -1 list
  troupectl: -t: bad timeout '-1' (seconds, 0 to 86400)
  [2]
  $ ctl -n nosuchnode list
  troupectl: node 'nosuchnode' is not running: .*/nosuchnode.ctl: No such file or directory (re)
  [3]
  $ ctl -q -n nosuchnode list
  [3]
  $ ctl list
  troupectl: no valid node name: give -n NODE, -s SOCKET or set TROUPE_NODE
  [2]
