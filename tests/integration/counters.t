troupectl counters against a fresh node (test_counters.sh starts it as $N,
with actors echo and sink, depth 10; "tc" is troupectl -n $N).

Three calls: echo receives three, the daemon's mailbox their replies.

  $ for i in 1 2 3; do tc call echo Echo seq=$i >/dev/null; done; tc counters
  MAILBOX               SENT  RECEIVED DROPPED    FULL RESTARTS    HWM DEPTH LAT-P50 LAT-P99 LAT-MAX
  echo                     3         3       0       0        0      1     0 +[0-9.]+(ns|us|ms|s) +[0-9.]+(ns|us|ms|s) +[0-9.]+(ns|us|ms|s) (re)
  sink                     0         0       0       0        0      0     0       -       -       -
  troupe.daemon            3         3       0       0        0      1     0 +[0-9.]+(ns|us|ms|s) +[0-9.]+(ns|us|ms|s) +[0-9.]+(ns|us|ms|s) (re)

A stopped sink: ten messages fill its mailbox, two more are refused.

  $ tc stop sink && tc -t 5 wait-for sink --state down && for i in $(seq 12); do tc -q send sink LogLine text=x$i; done; tc counters | grep sink
  sink                    10         0       0       2        0     10    10       -       -       -

Started again, it takes them all; a restart does not reset the counters.

  $ tc start sink && tc -t 5 wait-for sink && until_received sink 10 && tc -j counters | grep -o '"name":"sink","sent":10,"received":10,"dropped":0,"rejected_full":2,"restarts":0,"hwm":10,"depth":0'
  "name":"sink","sent":10,"received":10,"dropped":0,"rejected_full":2,"restarts":0,"hwm":10,"depth":0
  $ kill -9 $(actor_pid $N echo) && sleep 0.2 && tc -t 5 wait-for echo && tc call echo Echo seq=4 >/dev/null && tc counters | grep echo
  echo                     4         4       0       0        1      1     0 +[0-9.]+(ns|us|ms|s) +[0-9.]+(ns|us|ms|s) +[0-9.]+(ns|us|ms|s) (re)

-v: under each mailbox, the non-empty buckets of its latency (powers of
two) and of its receive callback's duration.

  $ tc -v counters | grep -A2 '^echo '
  echo                     4         4       0       0        1      1     0 +[0-9.]+(ns|us|ms|s) +[0-9.]+(ns|us|ms|s) +[0-9.]+(ns|us|ms|s) (re)
      latency ( <[0-9.]+(ns|us|ms|s):[0-9]+)+ (re)
      handling( [<>=0-9a-z]+:[0-9]+)+ (re)
  $ tc -j counters | grep -c '"latency":{"n":[0-9]*,"mean_us":[0-9.]*,"p50_us":[0-9.]*,"p99_us":[0-9.]*,"max_us":[0-9.]*,"buckets":\[[0-9]*\(,[0-9]*\)\{25\}\]},"handling":{"<10us":[0-9]*,"<100us":[0-9]*,"<1ms":[0-9]*,"<10ms":[0-9]*,"<100ms":[0-9]*,"<1s":[0-9]*,">=1s":[0-9]*}'
  1
  $ tc counters extra
  usage: troupectl [options] counters 
    per mailbox: sent, received, dropped, rejected full, restarts, high-water mark, depth, latency p50/p99/max; -v: latency and handling time histograms, the actors' own counters
  [2]
