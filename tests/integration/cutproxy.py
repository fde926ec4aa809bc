#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that forwards bytes both ways and cuts every
connection it carries, on a timer: the connection losses a node link must
survive (tests/integration/test_links_resend.sh).

  cutproxy.py PORTFILE TARGET_PORT CUTS EVERY_MS LIMIT_S [DELAY_MS]

Listens on a free port (written to PORTFILE), forwards each accepted
connection to 127.0.0.1:TARGET_PORT, and every EVERY_MS ms (the first
EVERY_MS after a connection is carried) closes both sides of every
connection, mid-frame or not, dropping what it held, until it has cut
CUTS times; then it forwards without cutting.  After each cut it appends
a line to PORTFILE.cuts.  It exits after LIMIT_S seconds in any case.
Bytes wait DELAY_MS (default 20) in the proxy before they go on, as on
a slower network: a cut always finds mail on the way, which it drops."""
import collections
import os
import selectors
import socket
import sys
import time


def main():
    portfile, target, cuts, every_ms, limit = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    delay = (int(sys.argv[6]) if len(sys.argv) > 6 else 20) / 1000.0
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    peer = {}            # socket -> the other end
    held = {}            # socket -> deque of (due, bytes) read from it
    done = 0
    next_cut = None
    end = time.monotonic() + limit

    def close_pair(s):
        o = peer.pop(s, None)
        for x in (s, o):
            if x is None:
                continue
            peer.pop(x, None)
            held.pop(x, None)
            try:
                sel.unregister(x)
            except (KeyError, ValueError):
                pass
            x.close()

    while time.monotonic() < end:
        now = time.monotonic()
        if next_cut is not None and now >= next_cut:
            for s in list(peer):
                close_pair(s)
            done += 1
            with open(portfile + ".cuts", "a") as f:
                f.write("cut %d\n" % done)
            next_cut = None
        if next_cut is None and peer and done < cuts:
            next_cut = now + every_ms / 1000.0
        for s in list(held):
            q = held.get(s)
            while q and q[0][0] <= now and s in peer:
                try:
                    peer[s].sendall(q.popleft()[1])
                except OSError:
                    close_pair(s)
                    break
        timeout = 0.005 if any(held.values()) else 0.05
        if next_cut is not None:
            timeout = max(0.0, min(timeout, next_cut - now))
        for key, _ in sel.select(timeout):
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    continue
                u = socket.socket()
                try:
                    u.connect(("127.0.0.1", target))
                except OSError:
                    c.close()
                    u.close()
                    continue
                for x in (c, u):
                    x.setblocking(True)
                    x.settimeout(2)
                    sel.register(x, selectors.EVENT_READ, None)
                peer[c], peer[u] = u, c
                held[c], held[u] = collections.deque(), collections.deque()
                continue
            if s not in peer:
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                close_pair(s)
                continue
            held[s].append((time.monotonic() + delay, data))
    for s in list(peer):
        close_pair(s)


if __name__ == "__main__":
    main()
