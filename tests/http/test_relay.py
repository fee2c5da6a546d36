"""test_relay.py - the outbox relay to NATS JetStream (--events, ecomd relay):
every event once in the stream, in id order, through broker and relay
crashes; one publisher at a time; the position never ahead of JetStream;
no repeats even after the duplicate window; pruning waits for the relay.

Each test starts its own nats-server with JetStream (natstemp.py) on a free
127.0.0.1 port and reads the stream with natsproto.py.  The suite runs on
SQLite and on PostgreSQL (ECOMD_TEST_STORE), as every test here does."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import natsproto
import natstemp
from ecomd_harness import ECOMD, Server, check, eq, free_port, wait_until

LEASE_MS = 1500


def relay_args(url, name, lease=LEASE_MS, batch=50, extra=()):
    return ["--events", url, "--events-lease-ms", str(lease), "--events-batch", str(batch),
            "--events-poll-ms", "50", "--instance", name] + list(extra)


def outbox(s):
    """Every event GET /v1/events returns, paged to the end."""
    events, after = [], 0
    while True:
        page = s.request("GET", "/v1/events?after=%d&limit=1000" % after).json()
        events += page["events"]
        if not page["events"]:
            return events
        after = page["next"]


def stream(port, name="ECOM"):
    with natsproto.Client(port) as c:
        return natsproto.stream_messages(c, name)


def stream_count(port, name="ECOM"):
    try:
        with natsproto.Client(port) as c:
            info = natsproto.stream_info(c, name)
            return info.get("state", {}).get("messages", 0)
    except (OSError, AssertionError):
        return -1


def metrics(s):
    out = {}
    for line in s.request("GET", "/metrics").body.decode().splitlines():
        if line.startswith("ecomd_relay_"):
            k, v = line.split()
            out[k] = float(v)
    return out


def relay_position(s, name="ECOM"):
    rows = s.sql("SELECT position FROM relay_positions WHERE relay = '%s'" % name)
    return int(rows[0][0]) if rows else 0


def check_stream_holds(events, msgs, what):
    """The stream holds every outbox event once, in id order, each as its
    GET /v1/events document, on subject ecom.<type> with Nats-Msg-Id."""
    ids = [int(h["Nats-Msg-Id"]) for _, _, h, _ in msgs]
    eq(len(ids), len(set(ids)), "%s: no event twice in the stream" % what)
    eq(ids, sorted(ids), "%s: the stream is in id order" % what)
    eq(ids, [e["id"] for e in events], "%s: every event, nothing else" % what)
    for (seq, subject, headers, data), e in zip(msgs, events):
        eq(subject, "ecom." + e["type"], "subject of event %d" % e["id"])
        eq(json.loads(data), e, "payload of event %d is its GET /v1/events document" % e["id"])


def check_consumer(port, events, durable):
    """A durable pull consumer made before the events receives each of them
    once after dropping repeats by Nats-Msg-Id, and every order's events
    in their order."""
    with natsproto.Client(port) as c:
        got = natsproto.consume(c, "ECOM", durable)
    seen, order_events = set(), {}
    for m in got:
        mid = int(m.headers["Nats-Msg-Id"])
        if mid in seen:
            continue
        seen.add(mid)
        doc = json.loads(m.data)
        if doc["type"].startswith("order."):  # order.created, order.state_changed: data.id
            order_events.setdefault(doc["data"]["id"], []).append(mid)
    eq(sorted(seen), [e["id"] for e in events], "the consumer got every event")
    for oid, mids in order_events.items():
        eq(mids, sorted(mids), "order %s: its events in order" % oid)
    want = {}
    for e in events:
        if e["type"].startswith("order."):
            want.setdefault(e["data"]["id"], []).append(e["id"])
    eq(order_events, want, "every order's events, in order")


class Brokered:
    """A nats-server in its own temporary directory (natstemp.Broker's
    arguments), stopped and removed at the end."""

    def __init__(self, **kw):
        self.kw = kw

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="ecomd-nats-")
        self.broker = natstemp.Broker(self.dir, **self.kw)
        return self.broker

    def __exit__(self, *exc):
        self.broker.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Shared:
    """A temporary directory whose store (SQLite, or its PostgreSQL
    stand-in) the instances a test starts with server() share; they are
    stopped, and the directory removed, at the end."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="ecomd-relay-")
        self.store = "sqlite:" + os.path.join(self.dir, "ecom.db")
        self.servers = []
        return self

    def server(self, args=(), **kw):
        s = Server(args=args, directory=self.dir, store=self.store, **kw)
        self.servers.append(s)
        return s

    def __exit__(self, *exc):
        for s in self.servers:
            s.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)


def stock(s, sku="SHOE-1", n=1000000):
    eq(s.request("PUT", "/v1/stock/%s/berlin" % sku, {"on_hand": n}).status, 200, "stock")


def shop_once(servers, tag, i):
    """A cart, its checkout, then pay or cancel; each request retried on
    the next server with the same key or event id when one is down."""
    def call(method, path, body, key=None):
        for attempt in range(60):
            s = servers[(i + attempt) % len(servers)]
            try:
                headers = {"Idempotency-Key": key} if key else {}
                r = s.request(method, path, body, headers=headers)
                if r.status < 500:
                    return r
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("%s %s never answered" % (method, path))

    cart = call("POST", "/v1/carts", {"currency": "EUR", "country": "DE", "customer_group": "retail",
                                      "channel": "web", "lines": [{"sku": "SHOE-1", "quantity": 1}]},
                "cart-%s-%d" % (tag, i)).json()
    r = call("POST", "/v1/orders", {"cart_id": cart["id"]}, "order-%s-%d" % (tag, i))
    eq(r.status, 201, "checkout: %s" % r.body)
    order = r.json()
    path = "/v1/orders/%s/events" % order["id"]
    if i % 3:
        eq(call("POST", path, {"id": "a", "type": "authorize", "amount": order["total"]}).status, 200, "authorize")
        eq(call("POST", path, {"id": "c", "type": "capture", "amount": order["total"]}).status, 200, "capture")
    else:
        eq(call("POST", path, {"id": "x", "type": "cancel"}).status, 200, "cancel")


def shop(servers, tag, count, threads=4, pace=0.0):
    errors = []

    def worker(k):
        try:
            for i in range(k, count, threads):
                shop_once(servers, tag, i)
                time.sleep(pace)
        except Exception as e:  # reported by the caller
            errors.append(e)
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    return ts, errors


def join(ts, errors):
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


def caught_up(s, port):
    """The relay published the whole outbox: its stream holds as many
    messages as the outbox has events."""
    n = len(outbox(s))
    return stream_count(port) == n and relay_position(s) == outbox(s)[-1]["id"]


# ---- the tests -----------------------------------------------------------------------------

def test_relay_publishes_each_event_once_in_order():
    with Brokered() as b, Server(args=relay_args(b.url, "one")) as s:
        with natsproto.Client(b.port) as c:
            wait_until(lambda: "error" not in natsproto.stream_info(c, "ECOM"),
                       "the stream", timeout=10)
            info = natsproto.stream_info(c, "ECOM")
            eq(info["config"]["subjects"], ["ecom.>"], "the stream ecomd made takes ecom.>")
            eq(info["config"]["duplicate_window"], 120 * 10 ** 9, "duplicate window")
            natsproto.durable_consumer(c, "ECOM", "shop")
        stock(s)
        join(*shop([s], "p", 12, threads=2))
        wait_until(lambda: caught_up(s, b.port), "the relay to catch up", timeout=20)
        events = outbox(s)
        msgs = stream(b.port)
        check_stream_holds(events, msgs, "one instance")
        expects = [h.get("Nats-Expected-Last-Msg-Id") for _, _, h, _ in msgs[1:]]
        for got, prev in zip(expects, events):
            check(got in (None, str(prev["id"])), "a message expects its predecessor, if any")
        check(sum(1 for e in expects if e) > len(expects) / 2, "messages after a batch's first do")
        check_consumer(b.port, events, "shop")
        m = metrics(s)
        eq((m["ecomd_relay_published_total"], m["ecomd_relay_leader"], m["ecomd_relay_errors_total"]),
           (len(events), 1, 0), "metrics")
        eq(m["ecomd_relay_lag_seconds"], 0, "no lag once caught up")
        page = s.request("GET", "/metrics").body
        p = subprocess.run([shutil.which("promtool") or "promtool", "check", "metrics"], input=page,
                           capture_output=True)
        eq(p.returncode, 0, "promtool check metrics: %s%s" % (p.stdout.decode(), p.stderr.decode()))


def test_relay_survives_broker_and_relay_kills_mid_stream():
    """Two instances on one store publish a stream of checkouts while the
    broker is SIGKILLed and restarted, and then the publishing instance.
    The position is sampled all along: it never passes what the stream
    holds.  In the end the stream holds every event once, in id order."""
    done = threading.Event()
    try:
        with Shared() as shared, Brokered() as b:
            servers = shared.servers
            for name in ("a", "b"):
                shared.server(relay_args(b.url, name, batch=500))
            live = list(servers)
            with natsproto.Client(b.port) as c:
                wait_until(lambda: "error" not in natsproto.stream_info(c, "ECOM"),
                           "the stream", timeout=10)
                natsproto.durable_consumer(c, "ECOM", "shop")
            stock(servers[0])
            problems = []

            def sample():
                """position <= the id of the stream's last message, read in
                that order: a position JetStream had acknowledged is in the
                stream by the time the stream is read."""
                while not done.is_set():
                    try:
                        pos = relay_position(servers[0])
                        with natsproto.Client(b.port, timeout=2) as c:
                            msgs = natsproto.stream_info(c, "ECOM")["state"]
                            last = 0
                            if msgs["messages"]:
                                r = c.api("STREAM.MSG.GET.ECOM", {"seq": msgs["last_seq"]})
                                hdrs = natsproto._parse_headers(
                                    __import__("base64").b64decode(r["message"]["hdrs"]))[0]
                                last = int(hdrs["Nats-Msg-Id"])
                        if pos > last:
                            problems.append("position %d passed the stream's last event %d" % (pos, last))
                    except Exception:  # noqa: BLE001 - the broker is down: no sample
                        pass
                    time.sleep(0.05)
            sampler = threading.Thread(target=sample)
            sampler.start()
            ts, errors = shop(live, "k", 1200, pace=0.01)

            def events_so_far():
                return len(outbox(live[0]))

            def when_publishing(act):
                """Run act() as soon as the relay's next message passes the
                broker (a plain subscription sees it as JetStream stores
                it): in the middle of a batch of up to 500."""
                with natsproto.Client(b.port) as c:
                    c.subscribe("ecom.>")
                    c.next_msg(30)
                    act()

            wait_until(lambda: events_so_far() > 50, "a stream of checkouts", timeout=60)
            before = stream_count(b.port)
            b.kill()  # the broker crashes; a backlog builds up meanwhile
            wait_until(lambda: events_so_far() > before + 600, "a backlog", timeout=60)
            b.restart()
            when_publishing(b.kill)  # and crashes again while the relay drains it
            time.sleep(0.5)
            b.restart()
            before = events_so_far()
            b.kill()  # a last backlog, for the relay to crash in the middle of
            wait_until(lambda: events_so_far() > before + 300, "a backlog", timeout=60)
            b.restart()
            leader = []

            def kill_leader():
                # The lease may change hands as the broker comes back (a
                # holder that failed to advance in time lets it go), so the
                # message seen may come from a relay that holds it no more:
                # wait briefly for the one holder.
                def one_leader():
                    leader[:] = [s for s in live if metrics(s).get("ecomd_relay_leader") == 1]
                    return len(leader) == 1
                wait_until(one_leader, "one leader", timeout=10)
                leader[0].stop(signal.SIGKILL)
            when_publishing(kill_leader)
            live.remove(leader[0])
            check(any(t.is_alive() for t in ts), "the checkouts go on")
            live.append(shared.server(relay_args(b.url, "again", batch=500)))
            join(ts, errors)
            wait_until(lambda: caught_up(live[0], b.port), "the relay to catch up", timeout=60)
            done.set()
            sampler.join()
            eq(problems, [], "the position never passed an unacknowledged event")
            events = outbox(live[0])
            check(len(events) > 1000, "a stream of events (%d)" % len(events))
            check_stream_holds(events, stream(b.port), "after the kills")
            check_consumer(b.port, events, "shop")
            total = sum(metrics(s)["ecomd_relay_published_total"] for s in live)
            check(total > 0, "the live instances published")
            check(sum(metrics(s)["ecomd_relay_errors_total"] for s in live) > 0,
                  "the broker's crash counted as errors")
            moved = [l for s in servers for l in s.log_lines()
                     if l["msg"] == "the relay moved to the stream's last event"]
            check(moved, "a crash came between JetStream's acknowledgment and the position's"
                         " advance, and the next holder took the stream's word for it")
    finally:
        done.set()


def test_one_instance_publishes_at_a_time():
    with Shared() as shared, Brokered() as b:
        names = ("p", "q", "r")
        servers = [shared.server(relay_args(b.url, name)) for name in names]
        name_of = dict(zip(servers, names))
        stock(servers[0])
        wait_until(lambda: sum(metrics(s)["ecomd_relay_leader"] for s in servers) == 1,
                   "one leader", timeout=10)
        ts, errors = shop(servers, "l", 30, threads=3)
        for _ in range(30):
            leaders = [s for s in servers if metrics(s)["ecomd_relay_leader"] == 1]
            eq(len(leaders), 1, "exactly one instance holds the lease")
            holder = servers[0].sql("SELECT holder FROM relay_leases")[0][0]
            check(holder.startswith(name_of[leaders[0]] + ":"), "the lease row names it")
            time.sleep(0.05)
        join(ts, errors)
        published = {name_of[s]: metrics(s)["ecomd_relay_published_total"] for s in servers}
        eq(sum(1 for v in published.values() if v), 1, "one instance published: %r" % published)
        # SIGTERM gives the lease up: another takes over well within a lease
        leader = leaders[0]
        t0 = time.time()
        eq(leader.stop(signal.SIGTERM), 0, "clean exit")
        rest = [s for s in servers if s is not leader]
        wait_until(lambda: sum(metrics(s)["ecomd_relay_leader"] for s in rest) == 1,
                   "another instance to take over", timeout=LEASE_MS / 1000.0)
        check(time.time() - t0 < LEASE_MS / 1000.0, "taken over before the lease lapsed")
        join(*shop(rest, "m", 6, threads=2))
        wait_until(lambda: caught_up(rest[0], b.port), "the relay to catch up", timeout=20)
        check_stream_holds(outbox(rest[0]), stream(b.port), "after the handover")


def test_relay_alone_serves_probes_and_metrics_only():
    port = free_port()
    with Shared() as shared:
        api = shared.server()
        relay = shared.server(relay_args("nats://127.0.0.1:%d" % port, "alone"), rules=None,
                              subcommand="relay")
        stock(api)
        eq(relay.request("GET", "/healthz").status, 200, "healthz")
        r = relay.request("GET", "/readyz")
        eq((r.status, r.json()["error"]["message"]), (503, "the relay cannot reach the broker"),
           "not ready without a broker")
        for path in ("/v1/version", "/v1/events", "/v1/orders/x", "/nope"):
            eq(relay.request("GET", path).status, 404, "relay alone: " + path)
        eq(relay.request("POST", "/v1/carts", {}).status, 404, "no writes")
        check("ecomd_relay_leader 0" in relay.request("GET", "/metrics").body.decode(),
              "not leading without a broker")
        with Brokered(port=port) as b:
            wait_until(lambda: relay.request("GET", "/readyz").status == 200, "ready", timeout=10)
            wait_until(lambda: caught_up(api, b.port),
                       "the relay to publish the outbox", timeout=20)
            check_stream_holds(outbox(api), stream(b.port), "relay alone")
            eq(metrics(relay)["ecomd_relay_leader"], 1, "it leads")
            check("ecomd_relay_" not in api.request("GET", "/metrics").body.decode(),
                  "no relay metrics without --events")


def test_no_repeats_after_the_duplicate_window():
    """A position behind the stream (the relay crashed between JetStream's
    acknowledgment and its commit) moves to the stream's last event instead
    of publishing again, even once JetStream's duplicate window (1 s here)
    has passed; a message in the stream that is not this outbox's event
    moves nothing."""
    with Shared() as shared, Brokered() as b:
        args = relay_args(b.url, "w", extra=["--events-dedupe-window", "1"])
        s = shared.server(args)
        stock(s)
        join(*shop([s], "w", 6, threads=2))
        wait_until(lambda: caught_up(s, b.port), "the relay to catch up", timeout=20)
        n = len(outbox(s))
        eq(s.stop(signal.SIGTERM), 0, "stopped")
        s.sql("UPDATE relay_positions SET position = position - 10")
        time.sleep(2.5)  # past the duplicate window
        s = shared.server(args)
        wait_until(lambda: relay_position(s) == outbox(s)[-1]["id"],
                   "the position restored", timeout=20)
        eq(stream_count(b.port), n, "nothing published twice")
        # strangers' messages on the stream, one with a large id
        with natsproto.Client(b.port) as c:
            r = c.request("ecom.stranger", b"{}", timeout=5)
            check("error" not in r.json(), "published: %s" % r.data)
            c.publish("ecom.stranger2", b"{}", headers={"Nats-Msg-Id": "999999"})
            c.request("$JS.API.INFO", b"")  # a round trip: the message is in
        join(*shop([s], "w2", 3, threads=1))
        events = outbox(s)
        wait_until(lambda: relay_position(s) == events[-1]["id"],
                   "the new events published", timeout=20)
        msgs = [m for m in stream(b.port) if not m[1].startswith("ecom.stranger")]
        check_stream_holds(events, msgs, "around a stranger's messages")


def test_pruning_waits_for_the_relay():
    """Events older than --events-ttl are deleted only once the relay
    published them."""
    port = free_port()
    with Shared() as shared:
        s = shared.server(relay_args("nats://127.0.0.1:%d" % port, "t") + ["--events-ttl", "1"])
        stock(s, "SHOE-1")
        stock(s, "SOCK-3")
        n = len(outbox(s))
        time.sleep(2.5)  # several sweeps past the events' age
        eq(len(outbox(s)), n, "unpublished events are kept")
        with Brokered(port=port):
            wait_until(lambda: stream_count(port) == n, "the events published", timeout=20)
            wait_until(lambda: not outbox(s), "the published events pruned", timeout=10)


def test_relay_settings_are_checked():
    for args, want in ((["relay"], "needs --events"),
                       (["--events", "nats://127.0.0.1:1", "--events-stream", "a.b"], "--events-stream"),
                       (["--events", "nats://127.0.0.1:1", "--events-lease-ms", "100"], "at least 300")):
        r = subprocess.run([ECOMD] + args, capture_output=True, text=True, timeout=10)
        eq(r.returncode, 2, "exit status of %r" % args)
        check(want in r.stderr, "%r: %s" % (args, r.stderr))
    with Shared() as shared:
        r = subprocess.run([ECOMD, "--listen", "127.0.0.1:%d" % free_port(), "--store",
                            shared.store, "--events", "http://127.0.0.1:1"],
                           capture_output=True, text=True, timeout=10)
        eq(r.returncode, 1, "a URL that is not nats:// is refused at start")
        check("nats://" in r.stderr, r.stderr)


def _pki(d):
    """A CA and a certificate it signs for localhost and 127.0.0.1."""
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "1", "-subj", "/CN=ecomd test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
            "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "srv.pem", "-days", "1", "-extfile", "ext")
    return [os.path.join(d, n) for n in ("ca.pem", "srv.pem", "srv.key")]


def test_relay_over_tls_with_a_password():
    """A broker that requires TLS (a private CA, --events-ca) and a user and
    password (in the URL); without the CA, or with a wrong password, the
    relay publishes nothing and is not ready."""
    with Shared() as shared:
        ca, cert, key = _pki(shared.dir)
        tls = ["--tls", "--tlscert", cert, "--tlskey", key, "--user", "shop", "--pass", "s3cret"]
        with Brokered(args=tls, client={"ca": ca, "user": "shop", "password": "s3cret"}) as b:
            good = "nats://shop:s3cret@localhost:%d" % b.port
            bad = "nats://shop:wrong@localhost:%d" % b.port
            s = shared.server(relay_args(good, "tls", extra=["--events-ca", ca]))
            no_ca = shared.server(relay_args(good, "noca"), subcommand="relay", rules=None)
            wrong = shared.server(relay_args(bad, "wrong", extra=["--events-ca", ca]),
                                  subcommand="relay", rules=None)
            stock(s)
            wait_until(lambda: metrics(s)["ecomd_relay_published_total"] == len(outbox(s)),
                       "events published over TLS", timeout=20)
            with natsproto.Client(b.port, ca=ca, user="shop", password="s3cret") as c:
                msgs = natsproto.stream_messages(c, "ECOM")
            check_stream_holds(outbox(s), msgs, "over TLS")
            for other, why in ((no_ca, "certificate"), (wrong, "uthoriz")):
                eq(other.request("GET", "/readyz").status, 503, "not ready: " + why)
                m = metrics(other)
                eq(m["ecomd_relay_published_total"], 0, "nothing published: " + why)
                check(m["ecomd_relay_errors_total"] > 0, "errors counted: " + why)
                check(why in other.log_text(), "the log says why: %s" % other.log_text()[-600:])
