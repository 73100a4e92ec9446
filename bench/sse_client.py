#!/usr/bin/env python3
"""bench/sse_client.py: times N POSTs on one kept-alive connection, as a
coding tool's client sees them: the answer's head, its first complete SSE
event (a blank line after a `data:` line, chunked encoding decoded), and its
last byte. curl's %{time_starttransfer} cannot say when the first event came:
it is the first byte of the response, i.e. the status line, which nr-serve
writes before any event.

Usage: sse_client.py PORT PATH BODYFILE N [KEY]
Prints one line per request, ms since its first byte was sent:
"TOTAL FIRST_EVENT HEAD" (FIRST_EVENT is "-" when the body has none).
Exits 1 on any non-200 answer or broken framing."""
import socket
import sys
import time


if sys.argv[1:2] in (["-h"], ["--help"]):
    print(__doc__)
    sys.exit(0)
if sys.argv[1:2] and sys.argv[1].startswith("-"):
    print(f"sse_client.py: unknown option {sys.argv[1]!r} (--help)", file=sys.stderr)
    sys.exit(64)

class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as curl does
        self.buf = b""
        self.t = 0.0  # when the last recv returned

    def more(self):
        d = self.s.recv(65536)
        self.t = time.perf_counter()
        if not d:
            sys.exit("sse_client: the server closed the connection")
        self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            self.more()
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def take(self, n):
        while len(self.buf) < n:
            self.more()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d


def first_event_end(body):
    """True when body holds a complete event with a data: line."""
    norm = body.replace(b"\r\n", b"\n")
    i = norm.find(b"data:")
    while i > 0 and norm[i - 1:i] != b"\n":
        i = norm.find(b"data:", i + 1)
    return i >= 0 and norm.find(b"\n\n", i) >= 0


def one(c, req):
    t0 = time.perf_counter()
    c.s.sendall(req)
    status = c.line()
    if not status.startswith(b"HTTP/1.1 200"):
        sys.exit("sse_client: %r" % status)
    hdrs = {}
    while True:
        l = c.line()
        if not l:
            break
        k, v = l.split(b":", 1)
        hdrs[k.strip().lower()] = v.strip().lower()
    head = c.t
    first = None
    if hdrs.get(b"transfer-encoding") == b"chunked":
        body = b""
        while True:
            n = int(c.line().split(b";")[0], 16)
            body += c.take(n)
            if c.take(2) != b"\r\n":
                sys.exit("sse_client: bad chunk framing")
            if first is None and first_event_end(body):
                first = c.t
            if n == 0:
                break
    else:
        c.take(int(hdrs[b"content-length"]))
    ms = lambda t: "%.3f" % ((t - t0) * 1000)
    return "%s %s %s" % (ms(c.t), ms(first) if first else "-", ms(head))


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[4])
    body = open(sys.argv[3], "rb").read()
    key = "Authorization: Bearer %s\r\n" % sys.argv[5] if len(sys.argv) == 6 else ""
    req = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sContent-Type: application/json\r\n"
           "Content-Length: %d\r\n\r\n" % (path, port, key, len(body))).encode() + body
    c = Conn(port)
    out = [one(c, req) for _ in range(n)]
    print("\n".join(out))


main()
