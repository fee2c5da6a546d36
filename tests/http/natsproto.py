"""natsproto.py - just enough of the NATS client protocol, over a socket, to
read what ecomd's relay put into JetStream (no NATS package is installed).

The protocol is text: the server sends INFO, the client CONNECT; then PUB
and HPUB (with a header block "NATS/1.0\\r\\nKey: Value\\r\\n\\r\\n") go out,
MSG and HMSG come in, PING is answered with PONG.  JetStream is requests
on $JS.API subjects with JSON bodies.
"""
import base64
import json
import socket
import time


class Msg:
    def __init__(self, subject, sid, reply, headers, status, data):
        self.subject = subject
        self.sid = sid  # the subscription it came on
        self.reply = reply
        self.headers = headers  # {name: value}
        self.status = status    # "404" etc. from a status header line, else None
        self.data = data

    def json(self):
        return json.loads(self.data)


def _parse_headers(block):
    lines = block.decode().split("\r\n")
    first = lines[0].split(" ", 2)
    status = first[1] if len(first) > 1 and first[1] else None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip()] = v.strip()
    return headers, status


class Client:
    def __init__(self, port, timeout=5.0, ca=None, user=None, password=None):
        """ca: a CA file, for a server that requires TLS (the handshake
        follows its INFO, as NATS does it); user and password: for one that
        requires them."""
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.sid = 0
        self.inbox_sid = None
        info = self._line()
        if not info.startswith(b"INFO "):
            raise AssertionError("not a NATS server: %r" % info[:80])
        if json.loads(info[5:]).get("tls_required"):
            import ssl
            ctx = ssl.create_default_context(cafile=ca)
            self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        opts = {"verbose": False, "pedantic": False, "headers": True, "no_responders": True,
                "protocol": 1, "lang": "python-test", "version": "0"}
        if user:
            opts.update(user=user, **{"pass": password})
        self._send(b"CONNECT " + json.dumps(opts).encode() + b"\r\nPING\r\n")
        while True:
            line = self._line()
            if line == b"PONG":
                break
            if line.startswith(b"-ERR"):
                raise AssertionError(line.decode())

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the NATS server closed the connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def subscribe(self, subject):
        self.sid += 1
        self._send(b"SUB %s %d\r\n" % (subject.encode(), self.sid))
        return self.sid

    def publish(self, subject, data=b"", reply=None, headers=None):
        if isinstance(data, str):
            data = data.encode()
        rep = (" " + reply) if reply else ""
        if headers:
            block = "NATS/1.0\r\n" + "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
            block = block.encode()
            self._send(b"HPUB %s%s %d %d\r\n" % (subject.encode(), rep.encode(), len(block),
                                                  len(block) + len(data)) + block + data + b"\r\n")
        else:
            self._send(b"PUB %s%s %d\r\n" % (subject.encode(), rep.encode(), len(data)) + data + b"\r\n")

    def next_msg(self, timeout=5.0):
        """The next MSG or HMSG; answers PINGs on the way."""
        self.sock.settimeout(timeout)
        while True:
            line = self._line()
            if line == b"PING":
                self._send(b"PONG\r\n")
                continue
            if line in (b"PONG", b"+OK") or line.startswith(b"INFO "):
                continue
            if line.startswith(b"-ERR"):
                raise AssertionError(line.decode())
            parts = line.decode().split()
            if parts[0] == "MSG":
                reply = parts[3] if len(parts) == 5 else None
                return Msg(parts[1], int(parts[2]), reply, {}, None, self._exact(int(parts[-1])))
            if parts[0] == "HMSG":
                reply = parts[3] if len(parts) == 6 else None
                hlen, total = int(parts[-2]), int(parts[-1])
                raw = self._exact(total)
                headers, status = _parse_headers(raw[:hlen])
                return Msg(parts[1], int(parts[2]), reply, headers, status, raw[hlen:])
            raise AssertionError("unexpected from the NATS server: %r" % line)

    def request(self, subject, body=b"", timeout=5.0):
        """Publish with a reply inbox and return the first answer."""
        if self.inbox_sid is None:
            self.inbox_sid = self.subscribe("_INBOX.py.*")
        self.sid += 1
        reply = "_INBOX.py.%d" % self.sid
        self.publish(subject, body if isinstance(body, bytes) else json.dumps(body), reply=reply)
        deadline = time.time() + timeout
        while True:
            m = self.next_msg(max(0.05, deadline - time.time()))
            if m.subject == reply:
                return m

    def api(self, subject, body=b""):
        """A JetStream API request; its JSON answer."""
        m = self.request("$JS.API." + subject, body)
        if m.status == "503":
            raise AssertionError("JetStream does not answer (no responders)")
        return m.json()


# ---- JetStream reading -------------------------------------------------------------------

def stream_info(c, stream):
    return c.api("STREAM.INFO." + stream)


def stream_messages(c, stream):
    """Every message the stream holds, in sequence order, read one by one
    with STREAM.MSG.GET: (seq, subject, headers, data)."""
    info = stream_info(c, stream)
    state = info["state"]
    out = []
    if not state["messages"]:
        return out
    for seq in range(state["first_seq"], state["last_seq"] + 1):
        r = c.api("STREAM.MSG.GET." + stream, {"seq": seq})
        if "error" in r:
            continue  # a deleted message
        m = r["message"]
        headers = {}
        if m.get("hdrs"):
            headers, _ = _parse_headers(base64.b64decode(m["hdrs"]))
        out.append((m["seq"], m["subject"], headers, base64.b64decode(m.get("data", ""))))
    return out


def durable_consumer(c, stream, name):
    """A durable pull consumer that starts at the stream's first message and
    wants every message acknowledged."""
    cfg = {"durable_name": name, "ack_policy": "explicit", "deliver_policy": "all",
           "ack_wait": 30 * 10 ** 9, "max_ack_pending": 10000}
    r = c.api("CONSUMER.DURABLE.CREATE.%s.%s" % (stream, name), {"stream_name": stream, "config": cfg})
    if "error" in r:
        raise AssertionError("cannot create the consumer: %r" % r["error"])
    return r


def consume(c, stream, name, batch=100):
    """Pull every message the consumer has for us, acknowledging each:
    a list of Msg in delivery order."""
    got = []
    inbox = "_INBOX.pull.%s" % name
    sid = c.subscribe(inbox)
    while True:
        # A pull that expires after 0.5 s: the server ends it with a status
        # (408) when fewer than `batch` messages were there to deliver.
        c.publish("$JS.API.CONSUMER.MSG.NEXT.%s.%s" % (stream, name),
                  json.dumps({"batch": batch, "expires": 500 * 10 ** 6}), reply=inbox)
        n = 0
        while True:
            m = c.next_msg(10)
            if m.sid != sid:  # pulled messages keep their own subject
                continue
            if m.status:  # 408 request expired (or 404 no messages): this pull is over
                break
            c.publish(m.reply, b"+ACK")
            got.append(m)
            n += 1
            if n == batch:
                break
        if n < batch:
            break
    c._send(b"UNSUB %d\r\n" % sid)
    return got
