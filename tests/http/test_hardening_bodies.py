"""test_hardening_bodies.py - request bodies cannot hold a connection and
its buffer: the key is checked on the headers, before any body byte is
read, and a body that stops arriving is cut at --request-timeout (it was
held, buffer included, until the 30 s idle --timeout)."""
import socket
import time

from ecomd_harness import Server, check, eq, keygen
from rawhttp import JSON, closed_by_peer, parse, read_all

BIG = 1024 * 1024 - 1  # under the 1 MiB limit


def head(path=b"/v1/price", length=BIG, auth=b"", method=b"POST"):
    return (b"%s %s HTTP/1.1\r\nHost: t\r\n%s%sContent-Length: %d\r\n\r\n"
            % (method, path, JSON, auth, length))


def refused_on_headers(port, data, status, code):
    """Send a head (and one body byte): the answer comes at once, and the
    server closes the connection without reading the body."""
    so = socket.create_connection(("127.0.0.1", port), timeout=10)
    so.sendall(data + b"{")
    t0 = time.time()
    answer = parse(read_all(so, until_closed=True, timeout=5))[0]
    took = time.time() - t0
    so.close()
    check(answer is not None, "answered on the headers")
    eq((answer.status, answer.json()["error"]["code"]), (status, code), "refusal")
    eq(answer.header("Connection"), "close", "closed: the body is never read")
    check(took < 2, "without waiting for the body (%.1f s)" % took)


def test_key_checked_before_the_body():
    admin_key, admin_line = keygen("ops", "admin")
    client_key, client_line = keygen("shop", "client")
    with Server(keys=[admin_line, client_line]) as s:
        refused_on_headers(s.port, head(), 401, "unauthorized")
        refused_on_headers(s.port, head(auth=b"Authorization: Bearer nope\r\n"), 401, "unauthorized")
        refused_on_headers(s.port, head(b"/v1/rules", auth=b"Authorization: Bearer %s\r\n"
                                        % client_key.encode(), method=b"PUT"), 403, "forbidden")
        refused_on_headers(s.port, head(b"/v1/nowhere"), 404, "not_found")
        # a refused request without a body keeps its connection
        c = s.connection()
        eq(s.request("GET", "/v1/rules", conn=c).status, 401, "no key")
        eq(s.request("GET", "/v1/rules", key=client_key, conn=c).status, 200, "same connection")
        c.close()
        eq(s.settled_inflight(), 1, "nothing left in flight")


def test_stalled_body_cut_at_the_request_timeout():
    with Server(args=["--request-timeout", "1", "--timeout", "30"]) as s:
        so = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        so.sendall(head() + b'{"currency":')  # and nothing more
        t0 = time.time()
        while not closed_by_peer(so, 0.2):
            check(time.time() - t0 < 5, "cut off near the 1 s limit")
        took = time.time() - t0
        so.close()
        check(took >= 0.8, "not before the limit (%.1f s)" % took)
        eq(s.metric("ecomd_request_body_timeouts_total"), 1, "counted")
        eq(s.settled_inflight(), 1, "released")
        cut = [l for l in s.log_lines() if l.get("msg") == "request body too slow: connection closed"]
        eq(len(cut), 1, "one log line")
        eq([l["status"] for l in s.requests_logged() if l["route"] == "/v1/price"], [408], "logged 408")
