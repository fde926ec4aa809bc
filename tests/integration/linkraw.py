#!/usr/bin/env python3
"""A raw client of Troupe node links, for tests (every wait bounded).

  linkraw.py proxy PORT_FILE TARGET_PORT RECORD_FILE SECONDS
      Listens on a free port, written to PORT_FILE; relays one connection
      to 127.0.0.1:TARGET_PORT and records the first 1024 bytes the
      client sent (a real handshake, for replay).
  linkraw.py replay PORT FILE
      Sends the recorded bytes to a node as they were; prints 'closed
      after N bytes' once the node closes the connection.
  linkraw.py garbage PORT KIND      KIND: noise | oversized | truncated | badversion
      Sends bad bytes; prints 'closed after N bytes' when the node closes.
  linkraw.py responder PORT_FILE NAME SECONDS
      Listens on a free port, written to PORT_FILE, for one node dialling
      NAME: answers its hello as NAME, then its auth with a tag made
      without the key; prints 'closed after N bytes' once the node closes
      (the initiator's side of a wrong key).
"""
import os, select, socket, struct, sys, time

def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s

def wait_closed(s, secs=8):
    got = 0
    end = time.time() + secs
    s.settimeout(0.5)
    while time.time() < end:
        try:
            b = s.recv(4096)
        except socket.timeout:
            continue
        except ConnectionResetError:
            b = b""
        if not b:
            print("closed after %d bytes" % got)
            return 0
        got += len(b)
    print("still open after %d s (%d bytes)" % (secs, got))
    return 1

def accept_one(portfile, secs):
    """Listens on a free loopback port, written to portfile, and accepts one
    connection within secs: the socket, or None."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    ls.settimeout(secs)
    try:
        c, _ = ls.accept()
    except socket.timeout:
        return None
    return c

def proxy(portfile, tport, rec, secs):
    c = accept_one(portfile, secs)
    if c is None:
        return 1
    t = connect(tport)
    recorded = b""
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([c, t], [], [], 0.5)
        for s in r:
            b = s.recv(65536)
            if not b:
                return 0
            if s is c:
                if len(recorded) < 1024:
                    recorded += b[:1024 - len(recorded)]
                    with open(rec, "wb") as f:
                        f.write(recorded)
                t.sendall(b)
            else:
                c.sendall(b)
    return 0

def frame(ftype, body):
    return struct.pack("<IBBH", 4 + len(body), ftype, 0, 0) + body

def garbage(port, kind):
    s = connect(port)
    if kind == "noise":
        data = os.urandom(300)
    elif kind == "oversized":
        data = struct.pack("<IBBH", 9000000, 1, 0, 0) + b"x" * 64
    elif kind == "truncated":
        data = frame(1, b"TRLK")[:10]
    elif kind == "badversion":
        body = b"TRLK" + bytes([7, 9, 4, 0]) + os.urandom(32) + b"evil"
        data = frame(1, body)
    else:
        raise SystemExit("unknown kind " + kind)
    try:
        s.sendall(data)
        if kind == "truncated":
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    return wait_closed(s)

def read_frame(s, end):
    """One frame (4-byte little-endian length, then that many bytes)."""
    buf = b""
    while time.time() < end:
        need = 4 if len(buf) < 4 else 4 + struct.unpack("<I", buf[:4])[0]
        if len(buf) >= need and len(buf) >= 4 and need > 4:
            return buf[:need]
        try:
            b = s.recv(need - len(buf))
        except socket.timeout:
            continue
        if not b:
            return None
        buf += b
    return None

def responder(portfile, name, secs):
    c = accept_one(portfile, secs)
    if c is None:
        print("nobody dialled")
        return 1
    c.settimeout(0.5)
    end = time.time() + secs
    hello = read_frame(c, end)
    if not hello or hello[4] != 1:
        print("no hello from the initiator")
        return 1
    nb = name.encode()
    c.sendall(frame(1, b"TRLK" + bytes([1, 2, len(nb), 0]) + os.urandom(32) + nb))
    auth = read_frame(c, end)
    if not auth or auth[4] != 2:
        print("no auth from the initiator")
        return 1
    c.sendall(frame(2, os.urandom(32)))
    return wait_closed(c)

def main(a):
    if a[0] == "proxy":
        return proxy(a[1], int(a[2]), a[3], float(a[4]))
    if a[0] == "replay":
        s = connect(int(a[1]))
        s.sendall(open(a[2], "rb").read())
        return wait_closed(s)
    if a[0] == "garbage":
        return garbage(int(a[1]), a[2])
    if a[0] == "responder":
        return responder(a[1], a[2], float(a[3]))
    raise SystemExit(__doc__)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
