"""failover.py - the database stage of the HA harness: PostgreSQL fails under
load, and nothing acknowledged is lost.

On 127.0.0.1 only, in a temporary directory, on free ports:

    region east     etcd-1, pg-1, HAProxy east, ecomd east-1 (through HAProxy),
                    ecomd east-2 (libpq multi-host string)
    region west     etcd-2, pg-2, HAProxy west, ecomd west-1 (through HAProxy),
                    ecomd west-2 (libpq multi-host string)
    witness site    etcd-3, pg-3 (nofailover: a synchronous standby when a
                    region is lost, never the primary)

PostgreSQL 15 under Patroni (synchronous_mode, synchronous_mode_strict,
primary_start_timeout 0, ttl 7 s) on etcd's v2 API, configured from
deploy/patroni/; an HTTP HAProxy in front of the four instances; clients
(load.py) checking out, capturing and fulfilling with Idempotency-Keys and
event ids; a probe per instance (a write and /readyz, four times a second).
Then, under that load:

  1. SIGKILL of the primary's postmaster (pg-1);
  2. the new primary (pg-2: Patroni and PostgreSQL) frozen with SIGSTOP for
     FREEZE_SECONDS, then SIGCONT;
  3. the loss of the primary's region (pg-1's again): its instances, its
     HAProxy, its Patroni and PostgreSQL and its etcd member, SIGKILLed
     together; the other region serves on.  The region then comes back and
     pg-1 rejoins.

Finally the audit of load.py against the final primary, and a direct-write
probe of every node: only the primary takes a write, and every node holds
exactly the primary's orders, outbox and stock (no deposed primary kept a
write of its own).  Prints the figures; exits non-zero when a target is
missed: an acknowledged order lost, a unit oversold, a duplicate, writes
not back within WRITES_BACK_SECONDS of a fault.  Everything it started is
stopped by pid, also on failure and on SIGINT/SIGTERM.

Usage: ECOMD=build/bin/ecomd python3 tests/ha/failover.py   (about 2 minutes)
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import cluster
import load

ROOT = cluster.ROOT
ECOMD = os.environ.get("ECOMD", os.path.join(ROOT, "build", "bin", "ecomd"))
NODES = {"pg-1": {"site": "east", "failover": True},
         "pg-2": {"site": "west", "failover": True},
         "pg-3": {"site": "witness", "failover": False}}
ETCD = {"etcd-1": "east", "etcd-2": "west", "etcd-3": "witness"}
# name -> (region, through HAProxy?)
INSTANCES = {"east-1": ("east", True), "east-2": ("east", False),
             "west-1": ("west", True), "west-2": ("west", False)}
FREEZE_SECONDS = 25
WRITES_BACK_SECONDS = 15.0
CLIENTS = 8
# Three SKUs that never run out, one that sells out during the faults: a
# reservation lost in a failover would free units that are then sold twice.
UNITS = {"HA-A": 5000, "HA-B": 5000, "HA-C": 5000, "HA-D": 150}
PROBE_PERIOD = 0.25
WRITES = ("carts", "checkout", "event")


def now():
    return time.time()


class Probe(threading.Thread):
    """One instance, directly, every PROBE_PERIOD: GET /readyz, or a cart
    write with its own Idempotency-Key (two threads, so that a write that
    waits does not delay the readiness checks); records [start, kind,
    status, end] in the list it is given."""

    def __init__(self, name, port, kind="readyz", records=None):
        super().__init__(daemon=True)
        self.name, self.port, self.kind = name, port, kind
        self.records = [] if records is None else records
        self.stopping = False

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            c.request(method, path, body=json.dumps(body) if body else None,
                      headers=dict(headers or {}, **{"Content-Type": "application/json"}))
            r = c.getresponse()
            r.read()
            return r.status
        except (OSError, http.client.HTTPException):
            return 0
        finally:
            c.close()

    def run(self):
        n = 0
        while not self.stopping:
            t = now()
            n += 1
            if self.kind == "readyz":
                status = self.request("GET", "/readyz")
            else:
                status = self.request("POST", "/v1/carts", {
                    "currency": "EUR", "country": "DE", "customer_group": "retail",
                    "channel": "web", "lines": [{"sku": "HA-A", "quantity": 1}]},
                    {"Idempotency-Key": "probe-%s-%d" % (self.name, n)})
            self.records.append([t, self.kind, status, now()])
            time.sleep(max(0.0, PROBE_PERIOD - (now() - t)))


def outage(records, t0, t1):
    """Seconds from t0 until writes were back, and until the last failed
    write ended, for records [start, kind, status, end] of writes.  Writes
    back: the first 2xx of a write sent after the first failure after t0
    had been answered (requests already under way at the fault may still
    commit: the standby can confirm them before the old primary dies)."""
    inside = [r for r in records if t0 <= r[0] <= t1]
    failures = [r for r in inside if not 200 <= r[2] < 500]
    if not failures:
        ok = [r[3] for r in inside if 200 <= r[2] < 300]
        return (min(ok) - t0 if ok else None), None
    seen = min(r[3] for r in failures)
    ok = [r[3] for r in records if r[0] >= seen and 200 <= r[2] < 300]
    return (min(ok) - t0 if ok else None), max(r[3] for r in failures) - t0


# Who answers a session: its data directory, port, recovery state and
# timeline, asked in the session that then writes.
WHO = ("SELECT current_setting('data_directory'), inet_server_port(), pg_is_in_recovery(),"
       " (SELECT timeline_id FROM pg_control_checkpoint())")


def brief(roles):
    return {n: r and (r.get("role"), r.get("state"), r.get("timeline")) for n, r in roles.items()}


def seconds(v):
    return "%.1f s" % v if v is not None else "-"


def instance_cell(records, t0, t1):
    """A probe's writes back, and /readyz's first 503 and its first 200 after."""
    records = sorted(records)  # two threads append to it
    back, _ = outage([r for r in records if r[1] == "write"], t0, t1)
    down = next((r[3] for r in records if t0 <= r[0] <= t1 and r[1] == "readyz"
                 and r[2] != 200), None)
    up = next((r[3] for r in records if down and r[0] >= down and r[1] == "readyz"
               and r[2] == 200), None) if down else None
    return "%6s; %6s, %6s" % (seconds(back), seconds(down - t0 if down else None),
                              seconds(up - t0 if up else None))


class Stage:
    def __init__(self, directory):
        self.dir = directory
        self.procs = cluster.Procs()
        self.cluster = cluster.Cluster(directory, self.procs, NODES)
        self.phases = {}
        self.ports = {}  # instance -> port
        self.haproxy = {}  # region -> port
        self.probes = {}
        self.deposed, self.deposed_thread = "not tried", None
        self.lost_region = None

    def log(self, msg):
        print("ha-db: " + msg, flush=True)

    def phase(self, name):
        self.phases[name] = now()

    # ---- set-up --------------------------------------------------------------------------

    def start_database(self):
        c = self.cluster
        t0 = now()
        c.start_etcd(list(ETCD))
        c.start_patroni("pg-1")
        c.wait(lambda: c.leader() == "pg-1", 90, "pg-1 to bootstrap the cluster")
        c.start_patroni("pg-2")
        c.start_patroni("pg-3")
        c.wait(lambda: c.healthy(list(NODES)), 120, "the standbys to stream")
        c.psql("pg-1", "CREATE ROLE ecom LOGIN PASSWORD '%s'" % cluster.PASSWORD)
        c.psql("pg-1", "CREATE DATABASE ecom OWNER ecom")
        c.psql("pg-1", "CREATE TABLE ha_probe(node text NOT NULL, at timestamptz DEFAULT now())")
        c.wait(lambda: all(self.replayed(n, "SELECT count(*) FROM pg_database WHERE datname"
                                            " = 'ecom'") for n in NODES), 30,
               "the standbys to replay CREATE DATABASE")
        self.log("etcd and Patroni up in %.1f s (pg-1 primary, pg-2 synchronous standby, pg-3"
                 " witness)" % (now() - t0))

    def replayed(self, node, sql):
        """Whether a count query answers 1 on node (False while it does not
        answer at all)."""
        try:
            return self.cluster.psql(node, sql) == [["1"]]
        except (RuntimeError, subprocess.TimeoutExpired):
            return False

    def start_haproxy(self, region):
        port = cluster.free_port()
        conf = os.path.join(self.dir, "haproxy-%s.cfg" % region)
        with open(conf, "w") as f:
            f.write(cluster.haproxy_config(port, [(n, p["port"], p["rest"])
                                                  for n, p in self.cluster.pg.items()]))
        self.procs.start("haproxy-" + region, ["haproxy", "-q", "-f", conf],
                         os.path.join(self.dir, "haproxy-%s.log" % region))
        self.haproxy[region] = port
        uri = "postgresql://postgres:%s@127.0.0.1:%d/postgres?connect_timeout=2" % (
            cluster.PASSWORD, port)
        # HAProxy counts a server up until its checks fail twice (fall 2,
        # 500 ms apart): only then does it route to the primary alone.
        time.sleep(1.5)
        self.cluster.wait(lambda: all(self.routes(uri) for _ in range(4)), 30,
                          "HAProxy %s to route to the primary only" % region)

    @staticmethod
    def routes(uri):
        try:
            return load.psql_rows(uri, "SELECT pg_is_in_recovery()") == [["f"]]
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            return False

    def store_uri(self, name):
        region, via_haproxy = INSTANCES[name]
        auth = "ecom:%s@" % cluster.PASSWORD
        if via_haproxy:
            return "postgresql://%s127.0.0.1:%d/ecom" % (auth, self.haproxy[region])
        # The region's own node first, then the other region's.
        hosts = sorted((n for n in NODES if NODES[n]["failover"]),
                       key=lambda n: NODES[n]["site"] != region)
        return "postgresql://%s%s/ecom?target_session_attrs=read-write" % (
            auth, ",".join("127.0.0.1:%d" % self.cluster.pg[n]["port"] for n in hosts))

    def start_instance(self, name):
        port = self.ports.setdefault(name, cluster.free_port())
        self.procs.start(name, [ECOMD, "--listen", "127.0.0.1:%d" % port,
                                "--store", self.store_uri(name), "--region", INSTANCES[name][0],
                                "--instance", name, "--rules", os.path.join(self.dir, "rules.json"),
                                "--stock", os.path.join(self.dir, "stock.json"),
                                "--grace-ms", "1500", "--threads", "8"],
                         os.path.join(self.dir, name + ".log"))

    def wait_ready(self, name):
        p = Probe(name, self.ports[name])
        self.cluster.wait(lambda: p.request("GET", "/readyz") == 200, 60, name + " ready")

    def start_front(self):
        port = cluster.free_port()
        lines = ["global", "    maxconn 4000", "defaults", "    mode http", "    option redispatch",
                 "    option http-buffer-request", "    retries 3",
                 "    retry-on all-retryable-errors", "    http-reuse safe",
                 "    timeout connect 1s", "    timeout client 30s", "    timeout server 30s",
                 "frontend ecom", "    bind 127.0.0.1:%d" % port, "    default_backend ecomd",
                 "backend ecomd", "    balance leastconn", "    option httpchk GET /readyz",
                 "    http-check expect status 200",
                 "    default-server inter 200ms fall 1 rise 2"]
        lines += ["    server %s 127.0.0.1:%d check" % (n, p) for n, p in self.ports.items()]
        conf = os.path.join(self.dir, "haproxy-front.cfg")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.procs.start("haproxy-front", ["haproxy", "-q", "-f", conf],
                         os.path.join(self.dir, "haproxy-front.log"))
        return port

    # ---- faults ------------------------------------------------------------------------------

    def leader(self):
        lead = self.cluster.leader()
        if not lead:
            raise RuntimeError("no primary")
        return lead

    def kill_postmaster(self):
        lead = self.leader()
        pid = self.cluster.postgres_pids(lead)[0]
        self.phase("kill")
        os.kill(pid, signal.SIGKILL)
        new = self.wait_promotion(lead, 60)
        self.phase("kill_promoted")
        self.cluster.wait(lambda: self.cluster.healthy(list(NODES)), 120,
                          "the cluster to heal after the SIGKILL")
        self.phase("kill_healed")
        self.log("SIGKILL of %s's postmaster (pid %d): %s promoted after %.1f s, %s back as a"
                 " standby after %.1f s" % (lead, pid, new, self.phases["kill_promoted"]
                                            - self.phases["kill"], lead,
                                            self.phases["kill_healed"] - self.phases["kill"]))

    def wait_promotion(self, old, seconds):
        """The name of the node that replaced `old` as the running leader."""
        others = [n for n in NODES if n != old]
        self.cluster.wait(lambda: self.cluster.leader(others) not in (None, old), seconds,
                          "a new primary in place of " + old)
        return self.cluster.leader(others)

    def freeze(self):
        lead = self.leader()
        pids = [self.procs.pid(lead)] + self.cluster.postgres_pids(lead)
        self.phase("freeze")
        self.procs.signal_pids(pids, signal.SIGSTOP)
        new = self.wait_promotion(lead, FREEZE_SECONDS - 1)
        self.phase("freeze_promoted")
        time.sleep(max(0.0, self.phases["freeze"] + FREEZE_SECONDS - now()))
        self.phase("thaw")
        self.procs.signal_pids(pids, signal.SIGCONT)
        self.write_to_deposed(lead)
        self.cluster.wait(lambda: self.cluster.healthy(list(NODES)), 120,
                          "the cluster to heal after the freeze")
        self.phase("freeze_healed")
        self.log("%s frozen (SIGSTOP to Patroni and %d PostgreSQL processes) for %d s: %s"
                 " promoted after %.1f s; after SIGCONT %s back as a standby after %.1f s"
                 % (lead, len(pids) - 1, FREEZE_SECONDS, new,
                    self.phases["freeze_promoted"] - self.phases["freeze"], lead,
                    self.phases["freeze_healed"] - self.phases["thaw"]))

    def write_to_deposed(self, node):
        """The moment it resumes, the old primary still believes it is one:
        a write sent to it directly can at most commit locally (its
        synchronous standby follows the new primary now, so the commit is
        never confirmed, and the 3 s statement_timeout cancels the wait).
        Whatever it kept must be gone once it rejoins (node_probe)."""
        def attempt():
            try:
                self.cluster.psql(node, "SET statement_timeout = '3s'; INSERT INTO ha_probe(node)"
                                  " VALUES ('deposed-%s')" % node)
                self.deposed = "committed locally only (synchronous wait cancelled)"
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                why = str(e).split("\n")[0]
                self.deposed = "refused (%s)" % why[why.find("failed: ") + 8:][:70] \
                    if "failed: " in why else "refused (%s)" % why[:70]
        self.deposed_thread = threading.Thread(target=attempt, daemon=True)
        self.deposed_thread.start()

    def lose_region(self):
        lead = self.leader()
        region = NODES[lead]["site"]
        etcd = [n for n, r in ETCD.items() if r == region]
        instances = [n for n in INSTANCES if INSTANCES[n][0] == region]
        pids = [self.procs.pid(lead)] + self.cluster.postgres_pids(lead)
        self.phase("region")
        self.procs.signal_pids([p for p in pids if p], signal.SIGKILL)
        for name in [lead] + instances + ["haproxy-" + region] + etcd:
            self.procs.kill(name)
        self.log("region %s lost: SIGKILL of %s, HAProxy %s, %s (Patroni and PostgreSQL), %s"
                 % (region, " ".join(instances), region, lead, " ".join(etcd)))
        others = [n for n in NODES if n != lead]
        new = self.wait_promotion(lead, 60)
        self.phase("region_promoted")
        self.cluster.wait(lambda: self.cluster.members([new]).get("pg-3", {}).get("role")
                          == "sync_standby", 120, "pg-3 as the synchronous standby")
        self.log("%s promoted after %.1f s, pg-3 its synchronous standby after %.1f s" % (
            new, self.phases["region_promoted"] - self.phases["region"],
            now() - self.phases["region"]))
        time.sleep(4)  # the other region serves on
        self.phase("region_end")
        self.lost_region = region
        return region, lead, etcd

    def restore_region(self, lead, etcd):
        for name in etcd:
            self.cluster.start_etcd_member(name)
        self.cluster.start_patroni(lead)
        t = now()
        self.cluster.wait(lambda: self.cluster.healthy(list(NODES)), 120,
                          "the lost region's node to rejoin")
        self.log("%s rejoined %.1f s after its region came back" % (lead, now() - t))

    # ---- the checks of the nodes ----------------------------------------------------------

    def node_probe(self):
        """Direct writes on every node: only the primary takes one.  Then
        every node, once it replayed that write, holds the primary's data."""
        c = self.cluster
        lead = c.leader()
        before = c.roles(list(NODES))
        took, problems, answered = [], [], {}
        for n in NODES:
            try:
                # Which server answered, in the session that wrote.
                answered[n] = c.psql(n, WHO + "; INSERT INTO ha_probe(node) VALUES ('%s')" % n)
                took.append(n)
            except RuntimeError as e:
                if "read-only" not in str(e):
                    problems.append("%s: unexpected answer to the write probe: %s" % (n, e))
        if took != [lead]:
            after = c.roles(list(NODES))
            problems.append("nodes that took a direct write: %s (primary %s); the sessions that"
                            " wrote were on %s; the nodes' ports %s; roles and timelines before"
                            " %s, after %s" % (took, lead, answered,
                                              {n: c.pg[n]["port"] for n in NODES},
                                              brief(before), brief(after)))
            for n in took:
                if n != lead:
                    print("---- last lines of %s.log" % n)
                    print("".join(open(os.path.join(self.dir, n + ".log"),
                                       errors="replace").readlines()[-40:]), end="")
        want = "SELECT count(*) FROM ha_probe WHERE node = '%s'" % lead
        c.wait(lambda: all(self.replayed(n, want) for n in NODES), 30,
               "every node to replay the probe write")
        kept = {n: c.psql(n, "SELECT count(*) FROM ha_probe WHERE node LIKE 'deposed-%'")[0][0]
                for n in NODES}
        if any(v != "0" for v in kept.values()):
            problems.append("the deposed primary's direct write survived: %s" % kept)
        digest = {
            "orders": "SELECT count(*), md5(coalesce(string_agg(id || ':' || state || ':' ||"
                      " version, ',' ORDER BY id), '')) FROM orders",
            "outbox": "SELECT count(*), coalesce(max(id), 0), md5(coalesce(string_agg(id || type"
                      " || data, ',' ORDER BY id), '')) FROM outbox",
            "stock": "SELECT md5(string_agg(sku || location || on_hand || ':' || held, ','"
                     " ORDER BY sku, location)) FROM stock"}
        same = {}
        for what, sql in digest.items():
            got = {n: c.psql(n, sql, db="ecom") for n in NODES}
            same[what] = all(v == got[lead] for v in got.values())
            if not same[what]:
                problems.append("%s differ between nodes: %s" % (what, got))
        timelines = {n: r and r.get("timeline") for n, r in c.roles(list(NODES)).items()}
        return took, same, timelines, problems

    def tcp_answers(self):
        """Which server answers each node's TCP port (the instances' way in):
        the node's own, by its data directory."""
        c, out = self.cluster, {}
        for n in NODES:
            try:
                got = c.psql(n, "SELECT current_setting('data_directory')", tcp=True)[0][0]
                out[n] = "yes" if got == c.pg[n]["data"] else "NO (%s)" % got
            except (RuntimeError, subprocess.TimeoutExpired, IndexError) as e:
                out[n] = "NO (%s)" % str(e)[:60]
        return out

    # ---- figures ---------------------------------------------------------------------------

    def figures(self, c):
        faults = [("SIGKILL of the primary's postmaster", "kill", "kill_healed"),
                  ("primary frozen %d s (SIGSTOP)" % FREEZE_SECONDS, "freeze", "freeze_healed"),
                  ("region %s lost with its primary" % self.lost_region, "region",
                   "region_end")]
        problems, rows = [], []
        writes = [a for a in c["attempts"] if a[1] in WRITES]
        for label, start, end in faults:
            t0, t1 = self.phases[start], self.phases[end]
            back, last = outage(writes, t0, t1)
            failed, total = load.share(c["attempts"], t0, t1)
            slowest = max((a[3] - a[0] for a in c["attempts"] if t0 <= a[0] <= t1), default=0)
            rows.append((label, back, last, slowest, failed, total,
                         load.sales(c["attempts"], t0, t1)))
            if back is None or back > WRITES_BACK_SECONDS:
                problems.append("%s: writes not back within %.0f s" % (label,
                                                                       WRITES_BACK_SECONDS))
        print("  %-36s %11s %9s %9s %15s %9s" % ("fault (clients through HAProxy)", "writes back",
                                                   "last fail", "slowest", "failed requests",
                                                   "checkouts"))
        for label, back, last, slowest, failed, total, n in rows:
            print("  %-36s %11s %9s %9s %15s %9d" % (label, seconds(back), seconds(last),
                                                     seconds(slowest), "%d of %d" % (failed, total),
                                                     n))
        print("  per instance, after each fault (kill | freeze | region): writes back;"
              " /readyz 503 after, 200 after")
        for name, pair in self.probes.items():
            cells = [instance_cell(pair[0].records, self.phases[start], self.phases[end])
                     for _, start, end in faults]
            print("    %-7s %-7s %s" % (name, "HAProxy" if INSTANCES[name][1] else "libpq",
                                        " | ".join(cells)))
        return problems

    # ---- the run ---------------------------------------------------------------------------

    def run(self):
        self.start_database()
        for region in ("east", "west"):
            self.start_haproxy(region)
        load.write_fixtures(ROOT, self.dir, UNITS)
        for name in INSTANCES:
            self.start_instance(name)
        for name in INSTANCES:
            self.wait_ready(name)
        front = self.start_front()
        self.log("instances up: %s" % ", ".join(
            "%s (%s)" % (n, "HAProxy" if INSTANCES[n][1] else "multi-host") for n in INSTANCES))
        for name, port in self.ports.items():
            records = []
            self.probes[name] = [Probe(name, port, kind, records) for kind in ("readyz", "write")]
            for p in self.probes[name]:
                p.start()
        self.procs.start("load", [sys.executable, os.path.join(cluster.HERE, "load.py"), "drive",
                                  "http://127.0.0.1:%d" % front, self.dir, str(CLIENTS)],
                         os.path.join(self.dir, "load.log"))
        time.sleep(4)
        self.kill_postmaster()
        time.sleep(2)
        self.freeze()
        time.sleep(2)
        region, lead, etcd = self.lose_region()
        open(os.path.join(self.dir, "stop"), "w").close()
        if self.procs.procs["load"].wait(180) != 0:
            raise RuntimeError("the clients failed: " + open(os.path.join(self.dir,
                                                                          "load.log")).read())
        self.stop_probes()
        self.restore_region(lead, etcd)
        return self.audit()

    def audit(self):
        with open(os.path.join(self.dir, "clients.json")) as f:
            c = json.load(f)
        lead = self.cluster.leader()
        self.log("audit against the final primary, %s" % lead)
        uri = self.cluster.uri(lead, db="ecom")
        figures, problems = load.audit_store(c, lambda sql: load.psql_rows(uri, sql),
                                             load.supply_of(self.dir))
        load.print_figures(figures)
        problems += self.figures(c)
        took, same, timelines, node_problems = self.node_probe()
        self.deposed_thread.join(30)
        print("  %-58s %s" % ("direct write to the old primary as it resumed", self.deposed))
        print("  %-58s %s" % ("nodes that took a direct write at the end", " ".join(took)))
        print("  %-58s %s" % ("nodes identical to the primary (orders, outbox, stock)",
                              " ".join("%s=%s" % (k, "yes" if v else "NO")
                                       for k, v in same.items())))
        print("  %-58s %s" % ("timeline per node", " ".join(
            "%s=%s" % kv for kv in sorted(timelines.items()))))
        print("  %-58s %s" % ("each node's TCP port answered by that node", " ".join(
            "%s=%s" % kv for kv in sorted(self.tcp_answers().items()))))
        problems += node_problems
        return load.finish(problems)

    def stop_probes(self):
        for pair in self.probes.values():
            for p in pair:
                p.stopping = True

    def stop(self):
        self.stop_probes()
        self.procs.stop_all(first=list(NODES))
        self.cluster.stop_postgres()
        self.procs.stop_reaping()


def main():
    for tool in ("etcd", "patroni", "haproxy"):
        if not shutil.which(tool):
            print("ha-db: %s is not installed (make deps)" % tool, file=sys.stderr)
            return 1
    if not os.access(ECOMD, os.X_OK):
        print("ha-db: %s is not built (make)" % ECOMD, file=sys.stderr)
        return 1
    def interrupted(sig, frame):
        raise SystemExit(128 + sig)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    directory = tempfile.mkdtemp(prefix="ecom-ha-db.")
    stage = Stage(directory)
    t0 = now()
    rc = 1
    try:
        rc = stage.run()
    except SystemExit:
        print("ha-db: interrupted; stopping everything", flush=True)
        raise
    except Exception as e:  # reported, then everything is stopped
        print("ha-db: FAIL %s" % e, flush=True)
        for name in list(NODES) + list(INSTANCES):
            log = os.path.join(directory, name + ".log")
            if os.path.exists(log):
                print("---- last lines of %s.log" % name)
                print("".join(open(log, errors="replace").readlines()[-15:]), end="")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stage.stop()
        if os.environ.get("HA_KEEP"):
            print("ha-db: kept %s" % directory)
        else:
            shutil.rmtree(directory, ignore_errors=True)
    print("ha-db: %.0f s" % (now() - t0))
    return rc


if __name__ == "__main__":
    sys.exit(main())
