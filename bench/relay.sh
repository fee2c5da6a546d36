#!/usr/bin/env bash
# relay.sh - the outbox relay to NATS JetStream: how many events a second it
# publishes, and how far it lags behind a checkout load.
#
# Usage: bash bench/relay.sh      (after `make`; needs nats-server, and wrk
#                                  for the load: apt-get install wrk)
# Settings: BENCH_RUNS (5: runs of each figure; the medians are printed),
#           BENCH_EVENTS (50000: the backlog of the drain runs),
#           BENCH_BATCH (256: --events-batch), BENCH_RATE (2000: checkouts/s
#           aimed at), BENCH_SECONDS (10: one load run), BENCH_CONNECTIONS
#           (64), BENCH_ONLY ("drain" or "load"; both when unset),
#           BENCH_NO_RELAY (1: the load runs without --events, for its
#           checkouts/s to compare), BENCH_POLL_MS (100: --events-poll-ms),
#           ECOMD (build/bin/ecomd).
#
# Everything runs on 127.0.0.1 on free ports in a temporary directory, and
# is stopped again by pid:
#   drain   a SQLite store whose outbox holds BENCH_EVENTS order.created
#           events (copies of a real checkout's; the size is printed) and
#           `ecomd relay` publishing them to a fresh stream: events/s from
#           its first acknowledged batch to its last (the relay's
#           ecomd_relay_published_total, read every 20 ms)
#   load    ecomd --events on a SQLite store, one checkout per request
#           (own cart, own Idempotency-Key; carts made before the run), wrk
#           pacing each of its connections to reach BENCH_RATE; the relay's
#           ecomd_relay_lag_seconds read every 100 ms through the run (p50,
#           p99, max), and the checkouts/s wrk reached
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
export ECOMD=${ECOMD:-$root/build/bin/ecomd}
export RUNS=${BENCH_RUNS:-5} EVENTS=${BENCH_EVENTS:-50000} BATCH=${BENCH_BATCH:-256}
export RATE=${BENCH_RATE:-2000} SECONDS_EACH=${BENCH_SECONDS:-10} CONNS=${BENCH_CONNECTIONS:-64}
export ONLY=${BENCH_ONLY:-} NO_RELAY=${BENCH_NO_RELAY:-0} POLL_MS=${BENCH_POLL_MS:-100} ROOT=$root
[ -x "$ECOMD" ] || { echo "relay.sh: $ECOMD not built (make)" >&2; exit 1; }
command -v nats-server >/dev/null || { echo "relay.sh: nats-server not found (make deps)" >&2; exit 1; }
if [ "$ONLY" != drain ]; then
    command -v wrk >/dev/null || { echo "relay.sh: wrk not found (apt-get install wrk)" >&2; exit 1; }
fi

exec python3 - <<'EOF'
import http.client, json, os, re, signal, sqlite3, statistics, subprocess, sys, tempfile
import shutil, threading, time
sys.path.insert(0, os.path.join(os.environ["ROOT"], "tests", "http"))
import natstemp  # noqa: E402  a private nats-server (-js) on a free port

ECOMD, ROOT = os.environ["ECOMD"], os.environ["ROOT"]
RUNS, EVENTS, BATCH = int(os.environ["RUNS"]), int(os.environ["EVENTS"]), int(os.environ["BATCH"])
RATE, SECONDS, CONNS = int(os.environ["RATE"]), int(os.environ["SECONDS_EACH"]), int(os.environ["CONNS"])
ONLY, NO_RELAY, POLL_MS = os.environ["ONLY"], os.environ["NO_RELAY"] == "1", os.environ["POLL_MS"]
work = tempfile.mkdtemp(prefix="ecomd-relay-bench-")
procs = []


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ecomd(*args, log="ecomd.log"):
    port = free_port()
    p = subprocess.Popen([ECOMD] + list(args) + ["--listen", "127.0.0.1:%d" % port, "--grace-ms", "1"],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, log), "ab"))
    procs.append(p)
    for _ in range(200):
        try:
            if call(port, "GET", "/healthz")[0] == 200:
                return p, port
        except OSError:
            time.sleep(0.05)
    sys.exit("relay.sh: ecomd did not come up (see %s)" % log)


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(30)


def call(port, method, path, body=None, headers=None, conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = dict(headers or {})
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    c.request(method, path, body, h)
    r = c.getresponse()
    data = r.read()
    if not conn:
        c.close()
    return r.status, data


def metric(port, name):
    text = call(port, "GET", "/metrics")[1].decode()
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else 0.0


def cart(port, conn, sku="SHOE-1"):
    st, body = call(port, "POST", "/v1/carts", {
        "currency": "EUR", "country": "DE", "customer_group": "retail", "channel": "web",
        "lines": [{"sku": sku, "quantity": 1}]}, conn=conn)
    if st != 201:
        sys.exit("relay.sh: cart: %d %s" % (st, body[:200]))
    return json.loads(body)["id"]


RULES = os.path.join(ROOT, "examples", "rules.json")


def drain():
    """events/s of `ecomd relay` over a backlog, one fresh stream per run."""
    db = os.path.join(work, "drain.db")
    p, port = ecomd("--store", "sqlite:" + db, "--rules", RULES)
    call(port, "PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": 10 ** 9})
    st, body = call(port, "POST", "/v1/orders", {"cart_id": cart(port, None)},
                    headers={"Idempotency-Key": "drain"})
    stop(p)
    with sqlite3.connect(db) as c:
        t, at, data = c.execute("SELECT type, at, data FROM outbox WHERE type = 'order.created'").fetchone()
        c.execute("DELETE FROM outbox")
        c.executemany("INSERT INTO outbox(type, at, data) VALUES (?, ?, ?)",
                      ((t, at, data) for _ in range(EVENTS)))
    size = len(data)
    rates = []
    for run in range(RUNS):
        broker = natstemp.Broker(tempfile.mkdtemp(dir=work))  # a fresh stream takes ecom.>
        try:
            with sqlite3.connect(db) as c:
                c.execute("DELETE FROM relay_positions")
                c.execute("DELETE FROM relay_leases")
            p, port = ecomd("relay", "--store", "sqlite:" + db, "--events", broker.url,
                            "--events-batch", str(BATCH), log="relay.log")
            first = None
            while True:
                n = metric(port, "ecomd_relay_published_total")
                now = time.monotonic()
                if n and first is None:
                    first = (now, n)
                if n >= EVENTS:
                    break
                time.sleep(0.02)
            stop(p)
            rate = (EVENTS - first[1]) / (now - first[0])
            rates.append(rate)
            print("  drain run %d: %.0f events/s" % (run + 1, rate), flush=True)
        finally:
            broker.stop()
    print("drain   %8.0f events/s  (median of %d runs; %d order.created events of %d bytes of"
          " data, --events-batch %d, SQLite, ecomd relay and nats-server on this machine)"
          % (statistics.median(rates), RUNS, EVENTS, size, BATCH), flush=True)


LUA = r"""
-- One checkout per request: the next cart of this thread's share of the
-- file given after "--", with an Idempotency-Key of its own; delay() paces
-- each connection to reach the aimed rate.
tid = 0
function setup(thread)
    tid = tid + 1
    thread:set("tid", tid)
end
local carts, i, file, nthreads, pause = nil, 0, nil, 1, 0
function init(args)
    file, nthreads, pause = args[1], tonumber(args[2]), tonumber(args[3])
end
function delay()
    return pause
end
function request()
    if not file then return wrk.format("POST", "/v1/orders") end
    if not carts then
        carts = {}
        local k = 0
        for line in io.lines(file) do
            if k % nthreads == tid - 1 then carts[#carts + 1] = line end
            k = k + 1
        end
    end
    i = i % #carts + 1
    return wrk.format("POST", "/v1/orders", {
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = "load-" .. tid .. "-" .. i,
    }, '{"cart_id":"' .. carts[i] .. '"}')
end
"""


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def load():
    """The relay's lag while wrk checks out at RATE a second."""
    lua = os.path.join(work, "load.lua")
    open(lua, "w").write(LUA)
    figures = []
    for run in range(RUNS):
        broker = natstemp.Broker(tempfile.mkdtemp(dir=work))
        try:
            db = os.path.join(work, "load%d.db" % run)
            relay = [] if NO_RELAY else ["--events", broker.url, "--events-batch", str(BATCH),
                                         "--events-poll-ms", POLL_MS]
            # 16 threads: an order-taking instance on SQLite (docs/service.md)
            p, port = ecomd("--store", "sqlite:" + db, "--rules", RULES, "--threads", "16", *relay)
            call(port, "PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": 10 ** 9})
            n = int(RATE * SECONDS * 1.2)
            ids = [None] * n

            def make(k):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                for j in range(k, n, 8):
                    ids[j] = cart(port, conn)
            ts = [threading.Thread(target=make, args=(k,)) for k in range(8)]
            [t.start() for t in ts]
            [t.join() for t in ts]
            carts = os.path.join(work, "carts%d.txt" % run)
            open(carts, "w").write("\n".join(ids) + "\n")
            time.sleep(1)  # the carts' events published: the run starts with no lag
            lags, done = [0.0], threading.Event()

            def sample():
                while not done.is_set():
                    lags.append(metric(port, "ecomd_relay_lag_seconds"))
                    time.sleep(0.1)
            sampler = threading.Thread(target=sample)
            published0 = metric(port, "ecomd_relay_published_total")
            if not NO_RELAY:
                sampler.start()
            pause = max(0, int(CONNS * 1000 / RATE))
            out = subprocess.run(["wrk", "-t2", "-c%d" % CONNS, "-d%ds" % SECONDS, "--latency", "-s", lua,
                                  "http://127.0.0.1:%d/v1/orders" % port, "--", carts, "2", str(pause)],
                                 capture_output=True, text=True, check=True).stdout
            done.set()
            if not NO_RELAY:
                sampler.join()
            published = metric(port, "ecomd_relay_published_total") - published0
            rps = float(re.search(r"Requests/sec:\s+(\S+)", out).group(1))
            p99 = re.search(r"\s99%\s+(\S+)", out).group(1)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            f = (rps, published / SECONDS, percentile(lags, 0.5), percentile(lags, 0.99), max(lags))
            figures.append(f)
            print("  load run %d: %.0f checkouts/s (p99 %s%s), %.0f events/s published,"
                  " lag p50 %.3f s, p99 %.3f s, max %.3f s"
                  % (run + 1, f[0], p99, ", %s non-2xx" % non2xx.group(1) if non2xx else "",
                     f[1], f[2], f[3], f[4]), flush=True)
            stop(p)
        finally:
            broker.stop()
    med = [statistics.median(x[i] for x in figures) for i in range(5)]
    print("load    %8.0f checkouts/s, %.0f events/s published; lag p50 %.3f s, p99 %.3f s,"
          " max %.3f s  (medians of %d runs of %d s; aimed at %d/s with wrk -t2 -c%d"
          " pausing %d ms per connection; ecomd --threads 16 %s on SQLite)"
          % (med[0], med[1], med[2], med[3], med[4], RUNS, SECONDS, RATE, CONNS,
             CONNS * 1000 // RATE, "without --events" if NO_RELAY else
             "--events-batch %d --events-poll-ms %s" % (BATCH, POLL_MS)),
          flush=True)


try:
    print("relay.sh on %d CPUs, load average %s" % (os.cpu_count(), open("/proc/loadavg").read().split()[0]))
    if ONLY in ("", "drain"):
        drain()
    if ONLY in ("", "load"):
        load()
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(work, ignore_errors=True)
EOF
