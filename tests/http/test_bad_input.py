"""test_bad_input.py - a corpus of malformed requests: every bad body gets a
clean 4xx, nothing gets a 5xx (or the connection is just closed), and the
server keeps serving.  Runs against whatever ecomd is given, sanitizer builds included."""
from ecomd_harness import Server, check, eq
from rawhttp import JSON, parse, req, send_raw, status_of

RAW = [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: t\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n",
    b"GET " + b"/a" * 5000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
    b"POST /v1/price HTTP/1.1\r\nHost: t\r\n" + JSON + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    b"POST /v1/price HTTP/1.1\r\nHost: t\r\n" + JSON + b"Content-Length: -5\r\n\r\n",
    b"POST /v1/price HTTP/1.1\r\nHost: t\r\n" + JSON + b"Content-Length: 99999999999999999999\r\n\r\n",
    b"\x00\x01\x02\x03\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: t\r\nX: \x00\x7f\xff\r\n\r\n",
    b"POST /v1/price HTTP/1.1\r\nHost: t\r\n" + JSON + b"Content-Length: 1x\r\n\r\n{}",
    b"POST /v1/price HTTP/1.1\r\nHost: t\r\n" + JSON + b"Content-Length: 2, 2\r\n\r\n{}",
    b"POST /v1/price HTTP/1.1\r\nHost: t\r\n" + JSON + b"Content-Length: 2\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    b"POST /v1/price HTTP/1.1\r\nHost: t\r\n" + JSON + b"Transfer-Encoding: gzip\r\n\r\n{}",
    b"POST /v1/price HTTP/1.1\r\nHost: t\r\n" + JSON + b"Transfer-Encoding: chunked\r\n\r\n"
    b"fffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: t\r\ntracestate: " + b"a=b," * 9000 + b"\r\n\r\n",
    b"GET /v1/events?" + b"&".join(b"a%d=1" % i for i in range(1500)) + b" HTTP/1.1\r\nHost: t\r\n\r\n",
]

JSON_BODIES = [
    b"", b"null", b"[]", b"\"x\"", b"{", b"{\"a\":}", b"\xff\xfe{}", b"[" * 100000, b"{\"a\":" * 5000,
    b"{\"currency\":\"EUR\",\"at\":\"2026-11-28T10:00:00Z\",\"lines\":[{\"sku\":\"SHOE-1\",\"quantity\":1e400}]}",
    b"{\"currency\":\"EUR\",\"at\":\"2026-13-28T10:00:00Z\",\"lines\":[{\"sku\":\"SHOE-1\",\"quantity\":1}]}",
    b"{\"currency\":\"EUR\",\"at\":\"2026-11-28T10:00:00Z\",\"lines\":[{\"sku\":\"\\u0000\",\"quantity\":1}]}",
    b"{\"lines\":[{\"sku\":\"A\",\"quantity\":-1}],\"ttl_seconds\":0}",
    b"{\"on_hand\":1e30}", b"{\"quantity\":\"1\"}", b"{\"cart_id\":7}", b"{\"id\":\"e\",\"type\":1}",
    b"{\"code\":null}", b"{\"country\":[1]}",
]

TARGETS = [(b"POST", b"/v1/price"), (b"PUT", b"/v1/rules"), (b"POST", b"/v1/carts"),
           (b"PUT", b"/v1/stock/A/x"), (b"POST", b"/v1/reservations"), (b"POST", b"/v1/orders"),
           (b"POST", b"/v1/orders/none/events"), (b"PUT", b"/v1/carts/none/lines/A")]

PATHS = [b"/v1/stock/%zz", b"/v1/stock/%", b"/v1/stock/%00", b"/v1/reservations/" + b"x" * 300,
         b"/v1/events?after=99999999999999999999999", b"/v1/events?limit=1e3", b"/v1/carts/%2e%2e",
         b"//healthz", b"/v1/orders/a/b/c/d", b"/v1/stock/" + b"%41" * 200, b"/v1/stock/%FF",
         b"/v1/stock/%C0%AF", b"/v1/stock/%ED%A0%80", b"/v1/carts/%C2%85", b"/v1/stock/\xff"]


def check_answer(i, data, resp):
    """At most one answer, whole, and a JSON document (an error document
    when it refuses): libmicrohttpd's own answers included."""
    st = status_of(resp)
    # Never a 5xx (505 is the refusal of an unknown HTTP version); a
    # harmless oddity (a NUL in an unused header) may still be served.
    check(st is None or st < 500 or st == 505, "case %d %r: status %s" % (i, data[:80], st))
    if data.startswith((b"POST", b"PUT")):
        check(st is None or 400 <= st < 500, "case %d %r: refused, got %s" % (i, data[:80], st))
    if st is None:
        return
    answer, rest = parse(resp)
    check(answer is not None, "case %d %r: a whole answer, got %r" % (i, data[:80], resp[:200]))
    check(not rest.startswith(b"HTTP/"), "case %d %r: one head, got %r" % (i, data[:80], resp[:400]))
    eq(answer.header("Content-Type"), "application/json", "case %d content type" % i)
    doc = answer.json()
    if st >= 400:
        check(isinstance(doc.get("error", {}).get("code"), str), "case %d: error document %r" % (i, doc))


def test_bad_input_corpus():
    # A request MHD cannot make sense of may wait for more bytes: the
    # connection timeout closes it.
    with Server(args=["--timeout", "2"]) as s:
        cases = list(RAW)
        for method, path in TARGETS:
            for body in JSON_BODIES:
                cases.append(req(method, path, body, JSON + b"Idempotency-Key: bad-%d\r\n" % len(cases)))
        for path in PATHS:
            cases.append(req(b"GET", path))
        for i, data in enumerate(cases):
            try:
                resp = send_raw(s.port, data, until_closed=True)
            except OSError as e:
                raise AssertionError("case %d %r: %s" % (i, data[:120], e))
            check_answer(i, data, resp)
            if i % 20 == 0:
                eq(s.request("GET", "/healthz").status, 200, "alive after case %d" % i)
        eq(s.request("GET", "/healthz").status, 200, "alive at the end")
        metrics = s.request("GET", "/metrics").body.decode()
        check('status="500"' not in metrics, "no 500 was ever answered")
