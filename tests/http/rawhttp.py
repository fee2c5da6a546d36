"""rawhttp.py - HTTP/1.1 on raw sockets, for the tests whose requests an
HTTP client library would refuse to send (malformed heads, pipelining,
bodies that stop arriving) or whose answers it would hide (two heads, a
connection closed without a byte).  Python stdlib only."""
import select
import socket

from ecomd_harness import Response

JSON = b"Content-Type: application/json\r\n"


def req(method, path, body=b"", headers=b""):
    """A request with a Content-Length body."""
    return (b"%s %s HTTP/1.1\r\nHost: t\r\n%sContent-Length: %d\r\n\r\n%s"
            % (method, path, headers, len(body), body))


def parse(data):
    """The first response in data (an ecomd_harness.Response) and the bytes
    after it; (None, data) when data does not start with a whole response."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/1."):
        return None, data
    lines = head.split(b"\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers.append((name.strip().decode(), value.strip().decode("latin-1")))
    length = int(dict((k.lower(), v) for k, v in headers).get("content-length", "0"))
    if len(rest) < length:
        return None, data
    return Response(int(lines[0].split(b" ")[1]), headers, rest[:length]), rest[length:]


def complete(data):
    """Whether data holds a whole response (the connection may stay open)."""
    return parse(data)[0] is not None


def read_all(so, until_closed=False, timeout=10.0):
    """Bytes from so until a whole response is in (or, with until_closed,
    until the server closes), a reset, or timeout."""
    so.settimeout(timeout)
    out = b""
    try:
        while until_closed or not complete(out):
            chunk = so.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return out


def send_raw(port, data, until_closed=False, timeout=10.0):
    """Send data on a new connection (then end the sending side) and return
    what came back."""
    so = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            so.sendall(data)
            so.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # answered and closed before all was sent (a head too large)
        return read_all(so, until_closed, timeout)
    finally:
        so.close()


def status_of(data):
    if not data.startswith(b"HTTP/1."):
        return None
    return int(data.split(b" ", 2)[1])


def closed_by_peer(so, wait):
    """True when the server closed so (end of file or reset) within wait s."""
    ready, _, _ = select.select([so], [], [], wait)
    if not ready:
        return False
    try:
        return so.recv(4096) == b""
    except ConnectionResetError:
        return True


def blast(port, payload, total, parallel, answers=1):
    """Send `payload` on `total` connections, `parallel` at a time, from one
    thread (non-blocking sockets), and read each until `answers` responses
    came back or the server closed it.  Returns a Counter of the statuses
    answered ("none" for a connection closed without one)."""
    import collections
    import errno
    import re
    import selectors
    sel = selectors.DefaultSelector()
    statuses = collections.Counter()
    status_line = re.compile(rb"HTTP/1\.1 (\d{3}) ")
    started = 0

    def start():
        so = socket.socket()
        so.setblocking(False)
        err = so.connect_ex(("127.0.0.1", port))
        if err not in (0, errno.EINPROGRESS):
            raise OSError(err, "connect")
        sel.register(so, selectors.EVENT_READ | selectors.EVENT_WRITE, [memoryview(payload), b""])

    def finish(so, got):
        found = status_line.findall(got)
        for st in found:
            statuses[int(st)] += 1
        if len(found) < answers:
            statuses["none"] += answers - len(found)
        sel.unregister(so)
        so.close()

    while started < min(parallel, total):
        start()
        started += 1
    while sel.get_map():
        for key, events in sel.select(timeout=30):
            so, state = key.fileobj, key.data
            if events & selectors.EVENT_WRITE and state[0]:
                try:
                    state[0] = state[0][so.send(state[0]):]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:  # answered and closed while sending
                    state[0] = b""
                if not state[0]:
                    sel.modify(so, selectors.EVENT_READ, state)
            if events & selectors.EVENT_READ:
                try:
                    chunk = so.recv(262144)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    chunk = b""
                state[1] += chunk
                if not chunk or len(status_line.findall(state[1])) >= answers:
                    finish(so, state[1])
                    if started < total:
                        start()
                        started += 1
    return statuses
