"""harness.py - two regions selling scarce stock, cut apart and healed,
against the same workload on one shared primary (docs/regions.md).

    python3 harness.py quick     escrow: two regions, each 2 ecomd on its own
                                 SQLite file; single primary: the 4 ecomd on
                                 one PostgreSQL, the far region through the
                                 delayed link (about 1 minute)
    python3 harness.py full      escrow: each region 2 ecomd on its own
                                 Patroni cluster; single primary: one Patroni
                                 cluster (cluster.py; several minutes)

Everything runs on 127.0.0.1, on free ports, in a temporary directory, and
is stopped by pid.  Between the regions (escrow: the transfers; single
primary: the far region's database connections) a proxy (proxy.py) adds
DELAY_MS each way and is cut for CUT seconds while both regions keep
selling.  Then the audit: no SKU oversold (orders of both regions against
the stock), no stock rights lost or duplicated (every region's share plus
the transfers in flight against the stock), no location holding more than
it has, every acknowledged order in its region's store; and the share of
checkouts served in each region during the cut, among those that were not
refused for lack of stock.  The two designs are printed side by side; the
run fails when the escrow design misses a target (0 oversold, 0 rights
lost or duplicated, every acknowledged order present, at least 90% of the
checkouts served during the cut while a region holds rights) or when the
shared primary oversells or loses an order.  Timings are printed, never
asserted.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "http"))
sys.path.insert(0, HERE)
import pgtemp  # noqa: E402
from workload import Workload, free_port, http_json  # noqa: E402

ECOMD = os.environ.get("ECOMD", os.path.join(ROOT, "build", "bin", "ecomd"))
REGIONS = ("east", "west")
# Where the stock physically is, and how much: scarce, so that the regions
# fight over it and run out toward the end of the run.
STOCK = {"RG-A": ("east", 400), "RG-B": ("east", 400), "RG-C": ("west", 400)}
DELAY_MS = 20  # each way: a round trip between the regions costs 40 ms
WARM, CUT, HEAL = 5.0, 8.0, 5.0
REGION_ARGS = ["--rebalance-ms", "200", "--demand-window", "10", "--rebalance-horizon", "10"]


class Procs:
    """The processes of one run, stopped by pid (SIGTERM, then SIGKILL)."""

    def __init__(self, directory):
        self.dir = directory
        self.procs = {}

    def start(self, name, cmd, **kw):
        log = open(os.path.join(self.dir, name + ".log"), "ab")
        self.procs[name] = subprocess.Popen(cmd, stdout=log, stderr=log, **kw)
        return self.procs[name]

    def signal(self, name, sig):
        self.procs[name].send_signal(sig)

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.clear()


def write_rules(directory):
    with open(os.path.join(ROOT, "examples", "rules.json")) as f:
        rules = json.load(f)
    rules["products"] += [{"sku": s, "prices": {"EUR": "10.00"}} for s in STOCK]
    path = os.path.join(directory, "rules.json")
    with open(path, "w") as f:
        json.dump(rules, f)
    return path


def wait_ready(port, proc, what, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited with %s" % (what, proc.returncode))
        status, _ = http_json("127.0.0.1", port, "GET", "/readyz", timeout=1)
        if status == 200:
            return
        time.sleep(0.05)
    raise RuntimeError("%s not ready" % what)


def start_proxy(procs, name, targets):
    port_file = os.path.join(procs.dir, name + ".port")
    proc = procs.start(name, [sys.executable, os.path.join(HERE, "proxy.py"), port_file,
                              str(DELAY_MS), ",".join("127.0.0.1:%d" % t for t in targets)])
    deadline = time.time() + 10
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("proxy %s did not start" % name)
        time.sleep(0.02)
    with open(port_file) as f:
        return int(f.read())


def start_ecomd(procs, name, port, store, rules, region, peers=None):
    cmd = [ECOMD, "--listen", "127.0.0.1:%d" % port, "--store", store, "--rules", rules,
           "--region", region, "--instance", name, "--grace-ms", "100", "--threads", "4"]
    if peers:
        cmd += ["--peers", peers] + REGION_ARGS
    return procs.start(name, cmd)


def set_stock(port, sku, location, units):
    status, body = http_json("127.0.0.1", port, "PUT", "/v1/stock/%s/%s" % (sku, location),
                             {"on_hand": units})
    if status != 200:
        raise RuntimeError("stock %s: %s %s" % (sku, status, body))


# ---- the two designs ---------------------------------------------------------------------------


class Escrow:
    """Each region its own store; the transfers cross the delayed link."""

    name = "escrow: a store per region"

    def __init__(self, procs, rules, stores):
        self.procs = procs
        self.ports = {r: [free_port(), free_port()] for r in REGIONS}
        self.links = {r: start_proxy(procs, "to-" + r, self.ports[r]) for r in REGIONS}
        self.stores = stores  # region -> --store value
        for r in REGIONS:
            other = [x for x in REGIONS if x != r][0]
            peers = "%s=http://127.0.0.1:%d" % (other, self.links[other])
            for i, port in enumerate(self.ports[r]):
                name = "%s-%d" % (r, i + 1)
                start_ecomd(procs, name, port, stores[r], rules, r, peers)
        for r in REGIONS:
            for i, port in enumerate(self.ports[r]):
                wait_ready(port, procs.procs["%s-%d" % (r, i + 1)], "%s-%d" % (r, i + 1))
        for sku, (region, units) in STOCK.items():
            set_stock(self.ports[region][0], sku, "wh-" + region, units)

    def cut(self, on):
        for r in REGIONS:
            self.procs.signal("to-" + r, signal.SIGUSR1 if on else signal.SIGUSR2)

    def settle(self):
        """Wait (up to 10 s) until nothing is in flight between the regions."""
        deadline = time.time() + 10
        while time.time() < deadline:
            flight = 0
            for r in REGIONS:
                _, body = http_json("127.0.0.1", self.ports[r][0], "GET", "/v1/regions")
                flight += sum(p["in_flight"]["units"] for p in (body or {}).get("peers", []))
            if flight == 0:
                return
            time.sleep(0.2)


class SinglePrimary:
    """Today's design: one store for both regions; the far region reaches it
    through the delayed link, which the cut takes away."""

    name = "single primary: one shared store"

    def __init__(self, procs, rules, store_direct, store_port):
        self.procs = procs
        self.ports = {r: [free_port(), free_port()] for r in REGIONS}
        self.link = start_proxy(procs, "to-primary", [store_port])
        far = store_direct.replace(":%d/" % store_port, ":%d/" % self.link)
        self.stores = {"east": store_direct, "west": far}
        for r in REGIONS:
            for i, port in enumerate(self.ports[r]):
                start_ecomd(procs, "%s-%d" % (r, i + 1), port, self.stores[r], rules, r)
        for r in REGIONS:
            for i, port in enumerate(self.ports[r]):
                wait_ready(port, procs.procs["%s-%d" % (r, i + 1)], "%s-%d" % (r, i + 1))
        for sku, (region, units) in STOCK.items():
            set_stock(self.ports["east"][0], sku, "wh-" + region, units)

    def cut(self, on):
        self.procs.signal("to-primary", signal.SIGUSR1 if on else signal.SIGUSR2)

    def settle(self):
        time.sleep(0.5)


# ---- running one design -------------------------------------------------------------------------


def drive(design):
    """Warm, cut, heal; returns the workload's records and the phases."""
    load = Workload({r: design.ports[r] for r in REGIONS}, STOCK)
    load.start()
    time.sleep(WARM)
    t_cut = time.time()
    design.cut(True)
    time.sleep(CUT)
    t_heal = time.time()
    design.cut(False)
    time.sleep(HEAL)
    load.stop()
    design.settle()
    return load, (t_cut, t_heal)


def figures(load, phases, audit):
    """The side-by-side figures of one design."""
    t_cut, t_heal = phases
    out = {}
    for r in REGIONS:
        during = load.attempts(r, t_cut, t_heal)
        served = sum(1 for a in during if a["outcome"] == "served")
        eligible = sum(1 for a in during if a["outcome"] != "no_stock")
        out["served_" + r] = (served, eligible)
        out["no_stock_" + r] = sum(1 for a in during if a["outcome"] == "no_stock")
        out["p99_" + r] = load.p99(r)
        out["orders_" + r] = sum(1 for a in load.attempts(r) if a["outcome"] == "served")
    out.update(audit)
    return out


def table(left, right, names):
    rows = [("checkouts served during the cut, east", "served_east"),
            ("checkouts served during the cut, west", "served_west"),
            ("refused for lack of stock during the cut", "no_stock"),
            ("p99 checkout latency, east (ms)", "p99_east"),
            ("p99 checkout latency, west (ms)", "p99_west"),
            ("orders acknowledged, east / west", "orders"),
            ("oversold units", "oversold"),
            ("stock rights lost or duplicated", "rights_diff"),
            ("locations holding more than they have", "overheld"),
            ("acknowledged orders missing", "missing")]

    def cell(f, key):
        if key.startswith("served_"):
            s, e = f[key]
            return "%d of %d (%.0f%%)" % (s, e, 100.0 * s / e if e else 0.0)
        if key.startswith("p99_"):
            return "%.1f" % f[key] if f[key] is not None else "-"
        if key == "orders":
            return "%d / %d" % (f["orders_east"], f["orders_west"])
        if key == "no_stock":
            return "%d / %d" % (f["no_stock_east"], f["no_stock_west"])
        v = f.get(key)
        return "n/a" if v is None else str(v)
    print("%-40s %-30s %-30s" % ("", names[0], names[1]))
    for label, key in rows:
        print("%-40s %-30s %-30s" % (label, cell(left, key), cell(right, key)))


def problems_of(f, escrow):
    p = []
    for key in ("oversold", "missing", "overheld") + (("rights_diff",) if escrow else ()):
        if f.get(key):
            p.append("%s: %s" % (key, f[key]))
    if escrow:
        for r in REGIONS:
            served, eligible = f["served_" + r]
            if eligible < 20:
                p.append("too few checkouts in %s during the cut to judge (%d)" % (r, eligible))
            elif served < 0.9 * eligible:
                p.append("%s served %d of %d checkouts during the cut" % (r, served, eligible))
    return p


def interrupted(*_):
    raise KeyboardInterrupt()


def main(argv):
    mode = argv[1] if len(argv) > 1 else "quick"
    if mode not in ("quick", "full"):
        raise SystemExit("usage: harness.py quick|full")
    import audit  # noqa: E402  (next to this file)
    directory = tempfile.mkdtemp(prefix="ecom-regions-")
    os.chmod(directory, 0o755)  # PostgreSQL runs as its own user below it
    procs = Procs(directory)
    stop = []
    prev = signal.signal(signal.SIGTERM, interrupted)
    try:
        rules = write_rules(directory)
        if mode == "quick":
            left = run_escrow_sqlite(procs, directory, rules, audit)
            right = run_single_pg(procs, directory, rules, audit, stop)
        else:
            import full  # noqa: E402
            left, right = full.run(procs, directory, rules, audit, stop, sys.modules[__name__])
        print()
        table(left, right, ["escrow (a store per region)", "single primary (one store)"])
        print()
        problems = problems_of(left, True) + problems_of(right, False)
        for p in problems:
            print("FAIL " + p)
        print("regions: %s" % ("all targets met" if not problems else
                               "%d targets missed" % len(problems)))
        return 1 if problems else 0
    finally:
        procs.stop_all()
        for fn in stop:
            fn()
        signal.signal(signal.SIGTERM, prev)
        if os.environ.get("REGIONS_KEEP"):
            print("regions: kept " + directory)
        else:
            shutil.rmtree(directory, ignore_errors=True)


def run_escrow_sqlite(procs, directory, rules, audit):
    print("regions: escrow, a SQLite store per region")
    stores = {r: "sqlite:" + os.path.join(directory, r + ".db") for r in REGIONS}
    design = Escrow(procs, rules, stores)
    load, phases = drive(design)
    procs.stop_all()
    dbs = {r: audit.SqliteStore(os.path.join(directory, r + ".db")) for r in REGIONS}
    return figures(load, phases, audit.escrow(dbs, load, STOCK))


def run_single_pg(procs, directory, rules, audit, stop):
    print("regions: single primary, one PostgreSQL")
    pg_dir = os.path.join(directory, "primary")
    os.makedirs(pg_dir)
    port = pgtemp.start(pg_dir, durable=True)
    stop.append(lambda: pgtemp.stop(pg_dir))
    pgtemp.psql(port, "CREATE DATABASE ecom")
    store = "postgresql://ecom@127.0.0.1:%d/ecom?connect_timeout=2" % port
    design = SinglePrimary(procs, rules, store, port)
    load, phases = drive(design)
    procs.stop_all()
    return figures(load, phases, audit.single(audit.PgStore(port, "ecom"), load, STOCK))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
