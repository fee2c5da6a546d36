"""test_regions.py - two regions, each with its own store (docs/regions.md):
rights move toward demand, a transfer is credited once however often it
arrives, one instance per region holds the lease, a region lost for good
is recovered by an audited operator action, and every answer matches
docs/openapi.yaml.  Loopback only; every server is stopped by pid."""
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ecomd_harness import Server, check, eq, free_port, keygen, wait_until
from test_openapi import Recorder, load_spec

PERIOD_MS = 200
ARGS = ["--rebalance-ms", str(PERIOD_MS), "--demand-window", "30", "--rebalance-horizon", "30"]


def regions(east_args=(), west_args=(), east_keys=None, west_keys=None):
    """East and west, each the other's peer (east started first)."""
    pe, pw = free_port(), free_port()
    east = Server(["--region", "east", "--peers", "west=http://127.0.0.1:%d" % pw] + ARGS +
                  list(east_args), port=pe, keys=east_keys)
    try:
        west = Server(["--region", "west", "--peers", "east=http://127.0.0.1:%d" % pe] + ARGS +
                      list(west_args), port=pw, keys=west_keys)
    except Exception:
        east.cleanup()
        raise
    return east, west


def stock(s, sku, key=None):
    return s.request("GET", "/v1/stock/" + sku, key=key).json()


def reserve(s, sku, qty, key_id, key=None):
    return s.request("POST", "/v1/reservations", {"lines": [{"sku": sku, "quantity": qty}],
                                                  "ttl_seconds": 600},
                     headers={"Idempotency-Key": key_id}, key=key)


def on_hand(s, sku, location, key=None):
    for loc in stock(s, sku, key)["locations"]:
        if loc["location"] == location:
            return loc["on_hand"]
    return 0


def metric(s, name):
    for line in s.request("GET", "/metrics").body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def message(sender, receiver, transfers=(), credited=(), report=()):
    return {"from": sender, "to": receiver, "at": "2026-11-28T10:00:00Z",
            "transfers": list(transfers), "credited": list(credited), "report": list(report)}


def transfer(tid, sender, receiver, sku, lines):
    return {"id": tid, "kind": "transfer", "from": sender, "to": receiver, "sku": sku,
            "at": "2026-11-28T10:00:00Z", "lines": [{"location": l, "quantity": q} for l, q in lines]}


def test_rights_move_toward_demand_and_are_conserved():
    spec = load_spec()
    east, west = regions()
    try:
        eq(east.request("PUT", "/v1/stock/SHOE-1/wh", {"on_hand": 40}).status, 200, "stock in east")
        # west has no rights: refused, and its demand is counted
        eq(reserve(west, "SHOE-1", 2, "w0").status, 409, "west has no rights yet")
        wait_until(lambda: stock(west, "SHOE-1")["available"] > 0, "rights in west")
        r = reserve(west, "SHOE-1", 2, "w1")
        eq(r.status, 201, "west sells with its own rights: %s" % r.body[:200])

        def settled():
            e, w = stock(east, "SHOE-1"), stock(west, "SHOE-1")
            return e["regions"]["in_flight"] == 0 and (e, w)
        e, w = wait_until(settled, "transfers acknowledged")
        events = east.request("GET", "/v1/events?limit=1000").json()["events"]
        sent = [ev["data"] for ev in events if ev["type"] == "regions.transfer"]
        check(sent and all(t["from"] == "east" and t["to"] == "west" for t in sent),
              "every debit is in the outbox: %r" % sent[:2])
        total = on_hand(east, "SHOE-1", "wh") + on_hand(west, "SHOE-1", "wh")
        eq(total, 40, "rights conserved: east + west shares of wh")
        eq(w["regions"]["rights"], w["available"], "a region's rights are what it can reserve")
        eq(w["regions"]["peers"][0]["region"], "east", "the picture names the peer")
        check(w["regions"]["peers"][0]["reachable"], "east reachable from west")
        rec = Recorder(west, spec)
        rec.call("GET", "/v1/stock/SHOE-1", "/v1/stock/{sku}", status=200)
        pic = rec.call("GET", "/v1/regions", "/v1/regions", status=200).json()
        eq(pic["region"], "west", "region")
        check(pic["transfers"]["credited"] >= 1, "west credited: %r" % pic)
        check(metric(west, 'ecomd_region_refusals_total{peer_holds_rights="false"}') >= 1,
              "west's first refusal: nobody else was known to hold rights")
        p = subprocess.run([shutil.which("promtool"), "check", "metrics"],
                           input=west.request("GET", "/metrics").body, capture_output=True, timeout=30)
        eq(p.returncode, 0, "promtool: %s%s" % (p.stdout.decode(), p.stderr.decode()))
    finally:
        west.cleanup()
        east.cleanup()


def test_a_transfer_is_credited_once_however_often_it_arrives():
    spec = load_spec()
    dead = free_port()  # the peer's URL leads nowhere: only this test's messages arrive
    with Server(["--region", "west", "--peers", "east=http://127.0.0.1:%d" % dead] + ARGS) as west:
        rec = Recorder(west, spec)
        t1 = transfer("t1", "east", "west", "SHOE-1", [("wh", 5), ("hub", 2)])
        first = rec.call("POST", "/v1/transfers", "/v1/transfers", message("east", "west", [t1]),
                         status=200).json()
        eq(first["credited"], ["t1"], "acknowledged")
        eq((first["from"], first["to"]), ("west", "east"), "west answers east")
        again = rec.call("POST", "/v1/transfers", "/v1/transfers", message("east", "west", [t1]),
                         status=200).json()
        eq(again["credited"], ["t1"], "acknowledged again")
        eq((on_hand(west, "SHOE-1", "wh"), on_hand(west, "SHOE-1", "hub")), (5, 2), "credited once")
        # a burst of the same new transfer: one credit
        t2 = transfer("t2", "east", "west", "SHOE-1", [("wh", 3)])
        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(lambda i: west.request("POST", "/v1/transfers",
                                                         message("east", "west", [t2])).status,
                                  range(32)))
        eq(sorted(set(codes)), [200], "every delivery answered: %r" % codes)
        eq(on_hand(west, "SHOE-1", "wh"), 8, "the burst credited t2 once")
        other = transfer("t1", "east", "west", "SHOE-1", [("wh", 6), ("hub", 2)])
        r = rec.call("POST", "/v1/transfers", "/v1/transfers",
                     message("east", "west", [transfer("t3", "east", "west", "SHOE-1", [("wh", 1)]),
                                              other]), status=409)
        eq((r.json()["error"]["code"], r.json()["error"]["field"]),
           ("idempotency_conflict", "transfers[1].id"), "conflict named")
        eq(on_hand(west, "SHOE-1", "wh"), 8, "nothing of a refused message is kept (t3 neither)")
        r = rec.call("POST", "/v1/transfers", "/v1/transfers", message("north", "west"), status=400)
        eq(r.json()["error"]["field"], "from", "an unknown region")
        r = rec.call("POST", "/v1/transfers", "/v1/transfers", message("east", "south"), status=400)
        eq(r.json()["error"]["field"], "to", "not this region")
        bad = message("east", "west", [transfer("t4", "east", "west", "SHOE-1", [("wh", 0)])])
        r = rec.call("POST", "/v1/transfers", "/v1/transfers", bad, status=400)
        eq(r.json()["error"]["field"], "transfers[0].lines[0].quantity", "path of the bad field")
        # a report is kept as the picture of the peer
        rep = message("east", "west", report=[{"sku": "SHOE-1", "rights": 9, "demand": 4,
                                               "locations": [{"location": "wh", "rights": 9}]}])
        rec.call("POST", "/v1/transfers", "/v1/transfers", rep, status=200)
        peer = stock(west, "SHOE-1")["regions"]["peers"][0]
        eq((peer["rights"], peer["demand"]), (9, 4), "east as last reported")
        eq(stock(west, "SHOE-1")["regions"]["global_rights"], 8 + 2 + 9, "the global picture")


def test_one_instance_per_region_holds_the_lease():
    dead = free_port()
    args = ["--region", "west", "--peers", "east=http://127.0.0.1:%d" % dead] + ARGS
    with Server(args) as a:
        with Server(args, directory=a.dir, rules=None,
                    store="sqlite:" + os.path.join(a.dir, "ecom.db")) as b:
            both = wait_until(lambda: (lambda x, y: x is not None and y is not None and x + y == 1
                                       and (x, y))(metric(a, "ecomd_region_lease_held"),
                                                   metric(b, "ecomd_region_lease_held")),
                              "one holder")
            holder, other = (a, b) if both[0] == 1 else (b, a)
            eq(holder.stop(), 0, "the holder stops")
            wait_until(lambda: metric(other, "ecomd_region_lease_held") == 1,
                       "the other takes the lease over", timeout=10)


class FakePeer:
    """A peer region that answers every message with a report of demand
    and acknowledges nothing: what east sends it stays pending."""

    def __init__(self, name, to):
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                body = json.dumps(message(name, to, report=[
                    {"sku": "SHOE-1", "rights": 0, "demand": 50, "locations": []}])).encode()
                peer.messages += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.messages = 0
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_lost_region_is_recovered_by_an_audited_action():
    spec = load_spec()
    fake = FakePeer("west", "east")
    admin, admin_line = keygen("ops", "admin")
    try:
        with Server(["--region", "east", "--peers", "west=http://127.0.0.1:%d" % fake.port] + ARGS,
                    keys=[admin_line]) as east:
            eq(east.request("PUT", "/v1/stock/SHOE-1/wh", {"on_hand": 40}, key=admin).status, 200,
               "stock")
            # east sends west rights toward its demand; nobody acknowledges them
            wait_until(lambda: stock(east, "SHOE-1", admin)["regions"]["in_flight"] > 0,
                       "a transfer pending to west")
            rec = Recorder(east, spec)
            rec.call("GET", "/v1/regions", "/v1/regions", status=200, key=admin)
            body = {"reason": "west's database was destroyed",
                    "lines": [{"sku": "SHOE-1", "location": "wh", "quantity": 3}]}
            hdr = {"Idempotency-Key": "lost-west-1"}
            path, route = "/v1/regions/west/recover", "/v1/regions/{region}/recover"
            r = rec.call("POST", path, route, body, headers=hdr, status=200, key=admin).json()
            eq((r["region"], r["by"], r["declared_before"]), ("west", "ops", False), "audit record")
            check(r["taken_back"], "pending transfers taken back")
            eq(r["recovered"][0]["quantity"], 3, "recovered")
            eq(r["recovered"][0]["kind"], "recovery", "a recovery")
            eq(on_hand(east, "SHOE-1", "wh", admin), 43, "everything east sent came back, and 3 recovered")
            again = east.request("POST", path, body, headers=hdr, key=admin)
            eq((again.status, again.header("Idempotent-Replayed")), (200, "true"), "replayed")
            events = east.request("GET", "/v1/events?limit=1000", key=admin).json()["events"]
            audit = [e for e in events if e["type"] == "regions.recovered"]
            eq(len(audit), 1, "one regions.recovered event")
            eq(audit[0]["data"]["reason"], body["reason"], "the event says why")
            pic = east.request("GET", "/v1/regions", key=admin).json()
            eq([(l["region"], l["by"]) for l in pic["lost"]], [("west", "ops")], "listed as lost")
            # from now on: nothing from west, nothing to west
            r = rec.call("POST", "/v1/transfers", "/v1/transfers",
                         message("west", "east", [transfer("w1", "west", "east", "SHOE-1",
                                                           [("wh", 1)])]),
                         status=409, key=admin)
            eq(r.json()["error"]["code"], "invalid_transition", "a lost region is refused")
            time.sleep(2 * PERIOD_MS / 1000)  # a message on its way when west was declared lost
            sent = fake.messages
            time.sleep(4 * PERIOD_MS / 1000)
            eq(fake.messages, sent, "nothing more is sent to a lost region")
            eq(on_hand(east, "SHOE-1", "wh", admin), 43, "and nothing more debited for it")
            for bad, field in [({"lines": []}, "reason"),
                               ({"reason": "x", "lines": [{"sku": "A", "location": "b"}]},
                                "lines[0].quantity"),
                               ({"reason": "x", "lines": [{"sku": "A", "location": "b", "quantity": 1},
                                                          {"sku": "A", "location": "b", "quantity": 1}]},
                                "lines[1].location")]:
                r = rec.call("POST", "/v1/regions/north/recover", route, bad,
                             headers={"Idempotency-Key": "bad-" + field}, status=400, key=admin)
                eq(r.json()["error"]["field"], field, "refusal names %s" % field)
            rec.call("POST", "/v1/regions/east/recover", route, {"reason": "x"},
                     headers={"Idempotency-Key": "self"}, status=409, key=admin)
    finally:
        fake.close()


def test_peers_present_their_key():
    admin_e, line_e = keygen("west-region", "admin")
    admin_w, line_w = keygen("east-region", "admin")
    shop, shop_line = keygen("shop", "client")
    pe, pw = free_port(), free_port()
    d = __import__("tempfile").mkdtemp(prefix="ecomd-keys-")
    try:
        for name, key in (("east.key", admin_w), ("west.key", admin_e)):
            with open(os.path.join(d, name), "w") as f:
                f.write(key + "\n")
        east = Server(["--region", "east", "--peers", "west=http://127.0.0.1:%d" % pw,
                       "--peer-key", os.path.join(d, "east.key")] + ARGS,
                      port=pe, keys=[line_e, shop_line])
        try:
            with Server(["--region", "west", "--peers", "east=http://127.0.0.1:%d" % pe,
                         "--peer-key", os.path.join(d, "west.key")] + ARGS,
                        port=pw, keys=[line_w]) as west:
                wait_until(lambda: (metric(west, 'ecomd_region_exchanges_total{peer="east",result="ok"}')
                                    or 0) > 0, "west's messages accepted by east")
                wait_until(lambda: (metric(east, 'ecomd_region_exchanges_total{peer="west",result="ok"}')
                                    or 0) > 0, "east's messages accepted by west")
                r = east.request("POST", "/v1/transfers", message("west", "east"), key=shop)
                eq(r.status, 403, "a client key cannot send transfers")
                eq(east.request("POST", "/v1/transfers", message("west", "east")).status, 401,
                   "nor can no key")
        finally:
            east.cleanup()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_refusals_while_the_other_region_holds_rights_are_counted():
    dead = free_port()
    with Server(["--region", "west", "--peers", "east=http://127.0.0.1:%d" % dead] + ARGS) as west:
        rep = message("east", "west", report=[{"sku": "SOCK-3", "rights": 5, "demand": 0,
                                               "locations": [{"location": "wh", "rights": 5}]}])
        eq(west.request("POST", "/v1/transfers", rep).status, 200, "east's report")
        name = 'ecomd_region_refusals_total{peer_holds_rights="%s"}'
        eq(reserve(west, "SHOE-1", 1, "a").status, 409, "nobody holds SHOE-1")
        eq(metric(west, name % "false"), 1, "refused, no other region holds rights")
        # the figures are read on the thread's next tick
        wait_until(lambda: west.request("GET", "/v1/regions").json()["peers"][0]["rights"] == 5,
                   "west's figures know of east's rights")
        eq(reserve(west, "SOCK-3", 1, "b").status, 409, "west holds no SOCK-3")
        eq(metric(west, name % "true"), 1, "refused while east holds SOCK-3")
        eq(metric(west, name % "false"), 1, "counted once, where it belongs")
