"""test_ops.py - what operators read: the process_* metrics, the store
latency histogram, the outbox gauges, the access log's key, client,
error_code and bytes, --log-level and --access-log (and their
environment variables).  Metrics are scraped and parsed, log lines parsed
as JSON."""
import re
import shutil
import socket
import subprocess
import time

from ecomd_harness import ECOMD, Server, check, eq, keygen

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')


def scrape(s):
    """The samples of /metrics: {(name, frozenset of labels): value}, after
    promtool has accepted the page."""
    r = s.request("GET", "/metrics")
    eq(r.status, 200, "metrics")
    promtool = shutil.which("promtool")
    check(promtool, "promtool not installed (scripts/deps.sh installs prometheus)")
    p = subprocess.run([promtool, "check", "metrics"], input=r.body, capture_output=True, timeout=30)
    eq(p.returncode, 0, "promtool check metrics: %s%s" % (p.stdout.decode(), p.stderr.decode()))
    samples = {}
    for line in r.body.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        check(m, "exposition line %r" % line)
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples


def value(samples, name, **labels):
    want = frozenset(labels.items())
    found = [v for (n, l), v in samples.items() if n == name and want <= l]
    check(found, "no sample %s%r" % (name, labels))
    return sum(found)


def test_process_metrics():
    t0 = time.time()
    with Server() as s:
        for _ in range(50):
            s.request("POST", "/v1/price", {"currency": "EUR", "lines": []})
        m = scrape(s)
        check(value(m, "process_cpu_seconds_total") >= 0, "cpu seconds")
        rss = value(m, "process_resident_memory_bytes")
        check(1 << 20 < rss < 1 << 32, "resident memory %r" % rss)
        check(value(m, "process_virtual_memory_bytes") >= rss, "virtual >= resident")
        fds = value(m, "process_open_fds")
        check(3 <= fds <= value(m, "process_max_fds"), "open fds %r" % fds)
        start = value(m, "process_start_time_seconds")
        check(t0 - 5 <= start <= time.time() + 1, "start time %r, test began %r" % (start, t0))
        # more connections, more descriptors
        held = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(20)]
        try:
            time.sleep(0.3)
            check(value(scrape(s), "process_open_fds") >= fds + 15, "an fd per connection")
        finally:
            for c in held:
                c.close()


def buckets(m, name, **labels):
    rows = [(l, v) for (n, l), v in m.items() if n == name + "_bucket" and
            frozenset(labels.items()) <= l]
    bounds = sorted(((float("inf") if dict(l)["le"] == "+Inf" else float(dict(l)["le"])), v)
                    for l, v in rows)
    return bounds


def test_store_latency_histogram():
    with Server() as s:
        s.request("PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": 5})
        s.request("GET", "/v1/stock/SHOE-1")
        s.request("GET", "/v1/orders")
        time.sleep(0.5)  # the sweeper runs every --poll-ms (200)
        m = scrape(s)
        kinds = {dict(l)["op"] for (n, l) in m if n == "ecomd_store_duration_seconds_count"}
        eq(sorted(kinds), sorted(["ping", "read", "list", "begin", "lock", "write", "commit",
                                  "rollback", "sweep"]), "a bounded set of kinds")
        for op in ("read", "list", "begin", "lock", "write", "commit", "sweep"):
            count = value(m, "ecomd_store_duration_seconds_count", op=op)
            check(count >= 1, "%s calls counted: %r" % (op, count))
            b = buckets(m, "ecomd_store_duration_seconds", op=op)
            eq(len(b), 17, "%s buckets" % op)
            check(all(b[i][1] <= b[i + 1][1] for i in range(16)), "%s cumulative" % op)
            eq(b[-1][1], count, "%s +Inf is the count" % op)
            check(value(m, "ecomd_store_duration_seconds_sum", op=op) > 0, "%s time" % op)
        before = value(m, "ecomd_store_duration_seconds_count", op="list")
        s.request("GET", "/v1/carts")
        eq(value(scrape(s), "ecomd_store_duration_seconds_count", op="list"), before + 1,
           "one list call per list request")


def test_outbox_gauges():
    with Server() as s:  # --poll-ms 200: the poller reads the outbox's ends
        time.sleep(0.5)
        m = scrape(s)
        first = value(m, "ecomd_outbox_last_event_id")
        eq(first, 1, "the seed ruleset's event")
        for i in range(3):
            s.request("PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": i + 1})
        time.sleep(0.5)
        m = scrape(s)
        eq(value(m, "ecomd_outbox_last_event_id"), 4, "three stock.changed events more")
        newest = value(m, "ecomd_outbox_newest_event_age_seconds")
        oldest = value(m, "ecomd_outbox_oldest_event_age_seconds")
        check(0 <= newest < 5, "newest event age %r" % newest)
        check(oldest >= newest, "the oldest is older: %r, %r" % (oldest, newest))
        time.sleep(1)
        later = value(scrape(s), "ecomd_outbox_newest_event_age_seconds")
        check(later >= newest + 0.8, "the age grows while nothing is written: %r -> %r" %
              (newest, later))


def test_access_log_fields():
    key, line = keygen("storefront", "client")
    with Server(keys=[line]) as s:
        def send(rid, method, path, k=key):
            return s.request(method, path, key=k, headers={"X-Request-Id": rid})

        ok = send("get", "GET", "/v1/stock/SHOE-1")
        eq(ok.status, 200, "a read")
        send("head", "HEAD", "/v1/stock/SHOE-1")
        send("missing", "GET", "/v1/orders/none")
        send("method", "DELETE", "/v1/rules")
        send("unauthorized", "GET", "/v1/stock/SHOE-1", k="not-a-key")
        send("bad", "GET", "/v1/orders?state=paid")
        time.sleep(0.3)  # each line is written as its request completes, in any order
        lines = {l["request_id"]: l for l in s.requests_logged()}
        for rid in ("get", "head", "missing", "method", "unauthorized", "bad"):
            l = lines[rid]
            eq(l["client"], "127.0.0.1", "client")
            for k in ("ts", "level", "method", "route", "status", "duration_ms", "bytes",
                      "request_id", "trace_id", "region", "instance"):
                check(k in l, "%s in %r" % (k, l))
        check(key not in s.log_text(), "the key itself is never logged")
        get, head = lines["get"], lines["head"]
        eq((get["key"], get["status"], get["bytes"]), ("storefront", 200, len(ok.body)),
           "key name and bytes")
        check("error_code" not in get, "no error code on a 200")
        eq((head["method"], head["bytes"], head["status"]), ("HEAD", 0, 200), "HEAD sends no body")
        eq((lines["missing"]["status"], lines["missing"]["error_code"]), (404, "not_found"), "404")
        eq((lines["method"]["status"], lines["method"]["error_code"]), (405, "method_not_allowed"),
           "405")
        unauthorized, bad = lines["unauthorized"], lines["bad"]
        eq((unauthorized["status"], unauthorized["error_code"]), (401, "unauthorized"), "401")
        check("key" not in unauthorized, "no name for an unknown key")
        eq((bad["status"], bad["error_code"], bad["key"]), (400, "invalid_field", "storefront"), "400")
        check(bad["bytes"] > 0, "an error document's bytes")


def test_log_level_and_access_log():
    with Server(args=["--log-level", "debug", "--poll-ms", "100"]) as s:
        time.sleep(0.5)
        s.request("GET", "/healthz")
        lines = s.log_lines()
        swept = [l for l in lines if l.get("msg") == "swept"]
        check(swept and swept[0]["level"] == "debug", "the sweeper's debug lines")
        check({"reservations_expired", "rows_pruned", "orders_due"} <= set(swept[0]), "sweep counts")
        check(any(l.get("msg") == "request" for l in lines), "requests logged")
    with Server(args=["--log-level", "warn", "--request-timeout", "1"]) as s:
        s.request("GET", "/healthz")
        s.request("GET", "/nope")
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"GET /healthz HTTP/1.1\r\n")  # a head that never ends
        time.sleep(1.8)
        c.close()
        lines = s.log_lines()
        eq([l for l in lines if l["level"] in ("debug", "info")], [], "nothing below warn")
        check(any(l["level"] == "warn" and "too slow" in l["msg"] for l in lines),
              "warnings still written: %r" % lines)
    with Server(env={"ECOMD_LOG_LEVEL": "error"}) as s:
        s.request("GET", "/healthz")
        eq([l for l in s.log_lines() if l["level"] != "error"], [], "ECOMD_LOG_LEVEL=error")
    with Server(args=["--access-log", "off"]) as s:
        s.request("GET", "/healthz")
        s.request("GET", "/nope")
        lines = s.log_lines()
        eq([l for l in lines if l.get("msg") == "request"], [], "no request lines")
        check(any(l.get("msg") == "listening" for l in lines), "the other lines stay")
        check(value(scrape(s), "ecomd_http_requests_total", route="/healthz") >= 1,
              "requests still counted")
    with Server(env={"ECOMD_ACCESS_LOG": "off"}, args=["--access-log", "on"]) as s:
        s.request("GET", "/healthz")
        check([l for l in s.requests_logged()], "the flag wins over ECOMD_ACCESS_LOG")
    for args in (["--log-level", "loud"], ["--access-log", "yes"], ["--log-level"]):
        p = subprocess.run([ECOMD] + args, capture_output=True, text=True, timeout=10)
        eq(p.returncode, 2, "refused: %r" % args)
        check(args[0] in p.stderr, "names the flag: %r" % p.stderr)
