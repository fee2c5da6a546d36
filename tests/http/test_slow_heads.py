"""test_slow_heads.py - clients trickling their request heads are cut off.

MHD's idle --timeout restarts on every byte and ecomd only hears of a
request once its headers are complete, so a sweeper closes connections
whose request line and headers are still arriving --request-timeout after
their first byte.  Idle kept-alive connections are left to --timeout.
"""
import socket
import time

from ecomd_harness import CART, Server, check, eq
from rawhttp import closed_by_peer, parse, read_all

LIMIT = 2  # --request-timeout of these tests, seconds


def read_response(so):
    """One HTTP/1.1 response from a socket: (its status, its body)."""
    answer = parse(read_all(so))[0]
    check(answer is not None, "a whole response before the connection closed")
    return answer.status, answer.body


def trickle_until_closed(so, during=None, most=12.0):
    """Send a header byte every 0.3 s until the server closes so; returns
    the seconds from the first byte sent.  during() runs once, 0.6 s in."""
    so.sendall(b"POST /v1/price HTTP/1.1\r\n")
    t0 = time.time()
    header = b"X-Slow: " + b"a" * 200
    i = 0
    while time.time() - t0 < most:
        if closed_by_peer(so, 0.3):
            return time.time() - t0
        if during and time.time() - t0 > 0.6:
            during()
            during = None
        try:
            so.sendall(header[i % len(header):][:1])
        except (BrokenPipeError, ConnectionResetError):
            return time.time() - t0
        i += 1
    raise AssertionError("still open after %.0f s of trickled headers" % most)


def check_cut(s, took, cuts=1):
    check(took >= LIMIT - 0.5, "not cut off before the %d s limit, took %.1f" % (LIMIT, took))
    check(took < LIMIT + 4, "cut off near the %d s limit, took %.1f" % (LIMIT, took))
    time.sleep(0.2)
    lines = s.log_lines()
    cut = [l for l in lines if l.get("msg") == "request head too slow: connection closed"]
    eq(len(cut), cuts, "one log line per cut-off")
    check(cut[-1]["client"] == "127.0.0.1" and cut[-1]["limit_ms"] == LIMIT * 1000,
          "log fields: %r" % cut[-1])
    requests = [l for l in lines if l.get("msg") == "request"]
    check(any(l["status"] == 408 for l in requests), "the cut request logged as 408")
    metrics = s.request("GET", "/metrics").body.decode()
    check("ecomd_request_head_timeouts_total %d\n" % cuts in metrics,
          "cut-offs counted: %s" % [l for l in metrics.splitlines() if "head_timeouts" in l])


def test_slow_head_cut_off_others_served():
    with Server(args=["--request-timeout", str(LIMIT)]) as s:
        answers = []

        def meanwhile():
            answers.append(s.request("POST", "/v1/price", open(CART).read()).status)

        so = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        took = trickle_until_closed(so, during=meanwhile)
        so.close()
        eq(answers, [200], "a request on another connection during the trickle")
        check_cut(s, took)
        eq(s.request("GET", "/healthz").status, 200, "serving after")


def test_slow_head_cut_off_on_kept_alive_connection():
    with Server(args=["--request-timeout", str(LIMIT)]) as s:
        so = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        so.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        status, body = read_response(so)
        eq(status, 200, "first request answered")
        took = trickle_until_closed(so)
        so.close()
        check_cut(s, took)


def test_idle_keep_alive_outlives_the_head_limit():
    # The clock starts at a request's first byte: a connection idle for
    # longer than --request-timeout (fresh or kept alive) is still served.
    with Server(args=["--request-timeout", "1", "--timeout", "30"]) as s:
        fresh = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        kept = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        eq(read_response(kept)[0], 200, "first request")
        check(not closed_by_peer(kept, 2.5), "kept-alive connection left open while idle")
        check(not closed_by_peer(fresh, 0.1), "fresh connection left open while idle")
        for so in (kept, fresh):
            so.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            status, body = read_response(so)
            eq(status, 200, "answered after idling")
            so.close()
        metrics = s.request("GET", "/metrics").body.decode()
        check("ecomd_request_head_timeouts_total 0\n" in metrics, "nothing cut off")
