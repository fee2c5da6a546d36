"""cluster.py - the processes of the database stage (tests/ha/failover.py):
three etcd members, three PostgreSQL 15 nodes under Patroni, HAProxy, ecomd,
all on 127.0.0.1 in one temporary directory, on free ports, configured from
the project's templates in deploy/patroni/.

Every process started here is registered in a Procs table and stopped by
its pid (Procs.stop_all, also on failure and on SIGINT/SIGTERM through the
caller's finally): frozen ones are thawed first, Patroni is killed before
its PostgreSQL so that it restarts nothing, and each PostgreSQL is stopped
through the pid in its postmaster.pid.  Nothing else on the machine is
touched.
"""
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TEMPLATES = os.path.join(ROOT, "deploy", "patroni")
import sys  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "http"))
import pgtemp  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "ha-harness"  # every role's, on loopback in a temporary cluster
# Patroni's timing in the harness: a lost leader key is noticed within
# TTL seconds; loop_wait + 2 * retry_timeout must not exceed the ttl.
TTL, LOOP_WAIT, RETRY_TIMEOUT = 7, 1, 3
# A standby this close to the primary (bytes of WAL) counts as caught up:
# under load the asynchronous one is never exactly at the primary's position.
MAX_LAG = 1 << 20


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def render(name, values):
    """A template of deploy/patroni/ with its @KEY@ placeholders filled."""
    with open(os.path.join(TEMPLATES, name)) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, str(v))
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise RuntimeError("%s: unfilled %s" % (name, sorted(set(left))))
    return text


def as_postgres():
    """Popen arguments that run a child as the postgres user when root
    (PostgreSQL refuses to run as root)."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


class Procs:
    """The processes this run started, by name.

    PostgreSQL is started by Patroni through a double fork, so a postmaster
    is nobody's child: killed, it would stay a zombie wherever the process
    that inherits orphans does not reap them, and Patroni (which checks the
    pid) would take it for a running server.  So this process becomes the
    subreaper of everything it starts, and a thread reaps the orphans."""

    def __init__(self):
        self.procs = {}  # name -> Popen
        self.frozen = set()  # pids stopped with SIGSTOP
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        self.reaping = True
        self.reaper = threading.Thread(target=self.reap, daemon=True)
        self.reaper.start()

    def reap(self):
        while self.reaping:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                info = None
            if not info:
                time.sleep(0.05)
                continue
            own = [p for p in self.procs.values() if p.pid == info.si_pid]
            if own:
                own[0].poll()  # Popen collects its own child
            else:
                try:
                    os.waitpid(info.si_pid, 0)
                except ChildProcessError:
                    pass

    def start(self, name, cmd, log, **kw):
        out = open(log, "ab")
        self.procs[name] = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, **kw)
        out.close()
        return self.procs[name]

    def pid(self, name):
        p = self.procs.get(name)
        return p.pid if p and p.poll() is None else None

    def kill(self, name, sig=signal.SIGKILL):
        p = self.procs.get(name)
        if p and p.poll() is None:
            p.send_signal(sig)
            if sig in (signal.SIGKILL, signal.SIGTERM):
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def signal_pids(self, pids, sig):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if sig == signal.SIGSTOP:
            self.frozen.update(pids)
        elif sig == signal.SIGCONT:
            self.frozen.difference_update(pids)

    def stop_all(self, first=()):
        """Thaw what is frozen; SIGKILL the names in `first` (Patroni), then
        SIGTERM the rest and wait for each."""
        self.signal_pids(list(self.frozen), signal.SIGCONT)
        for name in first:
            self.kill(name, signal.SIGKILL)
        for name in self.procs:
            self.kill(name, signal.SIGTERM)

    def stop_reaping(self):
        self.reaping = False
        self.reaper.join()


class Cluster:
    """etcd-1..3 and pg-1..3: `nodes` maps a node name to its site and
    whether it may become the primary."""

    def __init__(self, directory, procs, nodes):
        self.dir = directory
        self.procs = procs
        self.nodes = nodes  # name -> {"site", "failover"}
        self.etcd = {}  # name -> {"client", "peer"}
        self.pg = {}  # name -> {"port", "rest", "data"}
        if os.geteuid() == 0:
            os.chmod(directory, 0o755)

    # ---- etcd -----------------------------------------------------------------------------

    def start_etcd(self, names):
        for n in names:
            self.etcd[n] = {"client": free_port(), "peer": free_port()}
        initial = ",".join("%s=http://%s:%d" % (n, HOST, e["peer"]) for n, e in self.etcd.items())
        for n in names:
            self.start_etcd_member(n, initial)
        self.wait(lambda: all(self.etcd_healthy(n) for n in names), 30, "etcd members healthy")

    def start_etcd_member(self, name, initial=None):
        e = self.etcd[name]
        conf = os.path.join(self.dir, name + ".yml")
        if initial is not None:
            text = render("etcd.yml.in", {
                "NAME": name, "DATA_DIR": os.path.join(self.dir, name), "HOST": HOST,
                "PEER_PORT": e["peer"], "CLIENT_PORT": e["client"], "INITIAL_CLUSTER": initial})
            if os.environ.get("HA_DCS") == "etcd3":  # the v3 API over HTTP, for Patroni
                text += "enable-grpc-gateway: true\n"
            with open(conf, "w") as f:
                f.write(text)
        self.procs.start(name, ["etcd", "--config-file", conf],
                         os.path.join(self.dir, name + ".log"))

    def etcd_healthy(self, name):
        try:
            with urllib.request.urlopen("http://%s:%d/health" % (HOST, self.etcd[name]["client"]),
                                        timeout=1) as r:
                return json.load(r).get("health") == "true"
        except (OSError, ValueError):
            return False

    # ---- Patroni ------------------------------------------------------------------------

    def configure_node(self, name):
        node = {"port": free_port(), "rest": free_port(),
                "data": os.path.join(self.dir, name, "data")}
        self.pg[name] = node
        home = os.path.join(self.dir, name)
        os.makedirs(home, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(home, "postgres", "postgres")
        conf = render("patroni.yml.in", {
            "NAME": name, "HOST": HOST, "REST_PORT": node["rest"], "PG_PORT": node["port"],
            "ETCD_HOSTS": ",".join("%s:%d" % (HOST, e["client"]) for e in self.etcd.values()),
            "TTL": TTL, "LOOP_WAIT": LOOP_WAIT, "RETRY_TIMEOUT": RETRY_TIMEOUT,
            "DATA_DIR": node["data"], "PGPASS": os.path.join(home, "pgpass"),
            "SOCKET_DIR": home, "SUPERUSER_PASSWORD": PASSWORD,
            "REPLICATION_PASSWORD": PASSWORD, "REWIND_PASSWORD": PASSWORD,
            "NOFAILOVER": "false" if self.nodes[name]["failover"] else "true"})
        if os.environ.get("HA_DCS") == "etcd3":
            # Reproduces what the v2 API avoids with Patroni 3.0.2 (see
            # deploy/patroni/etcd.yml.in): the harness then fails.
            conf = conf.replace("\netcd:\n", "\netcd3:\n")
        with open(os.path.join(self.dir, name + ".yml"), "w") as f:
            f.write(conf)

    def start_patroni(self, name):
        if name not in self.pg:
            self.configure_node(name)
        # PostgreSQL is started by Patroni in its own session; Patroni's
        # own output goes to the node's log.
        self.procs.start(name, ["patroni", os.path.join(self.dir, name + ".yml")],
                         os.path.join(self.dir, name + ".log"), cwd=self.dir, **as_postgres())

    def rest(self, name, path, timeout=1.0):
        """(status, JSON body) of a Patroni REST call; (0, None) on no answer."""
        url = "http://%s:%d%s" % (HOST, self.pg[name]["rest"], path)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            try:
                return e.code, json.load(e)
            except ValueError:
                return e.code, None
        except (OSError, ValueError):
            return 0, None

    def members(self, among=None):
        """Patroni's view of the cluster, from the first node that answers:
        {name: {"role", "state", "lag", "timeline"}}.  A node reads the
        consensus store from whichever etcd member it reaches, which may be
        behind (a member that just came back): ask the primary."""
        for n in among or self.pg:
            status, body = self.rest(n, "/cluster")
            if status == 200 and body:
                return {m["name"]: m for m in body.get("members", [])}
        return {}

    def roles(self, names):
        """Each node's own account (GET /patroni): its PostgreSQL's state,
        role (from pg_is_in_recovery) and timeline; None when it does not
        answer."""
        out = {}
        for n in names:
            status, body = self.rest(n, "/patroni")
            out[n] = body if status == 200 and body else None
        return out

    def leader(self, among=None):
        """The node whose PostgreSQL runs as the primary and that holds the
        leader key, in its own view."""
        for n, r in self.roles(among or list(self.pg)).items():
            if r and r.get("state") == "running" and r.get("role") in ("master", "primary") \
                    and self.members([n]).get(n, {}).get("role") == "leader":
                return n
        return None

    def healthy(self, expect):
        """Every node in `expect` runs, exactly one as the primary, which
        holds the leader key and can fail over; a failover-capable
        synchronous standby is in place; the others are on the primary's
        timeline and have replayed about what it wrote."""
        roles = self.roles(expect)
        if any(r is None or r.get("state") != "running" for r in roles.values()):
            return False
        primaries = [n for n, r in roles.items() if r.get("role") in ("master", "primary")]
        if len(primaries) != 1 or not self.nodes[primaries[0]]["failover"]:
            return False
        lead = primaries[0]
        ms = self.members([lead])
        sync = [n for n, m in ms.items() if m.get("role") == "sync_standby"
                and m["state"] == "running" and self.nodes[n]["failover"]]
        if ms.get(lead, {}).get("role") != "leader" or not sync:
            return False
        if any(r.get("timeline") != roles[lead].get("timeline") for r in roles.values()):
            return False
        return all(isinstance(ms.get(n, {}).get("lag"), int) and ms[n]["lag"] <= MAX_LAG
                   for n in expect if n != lead)

    def postgres_pids(self, name):
        """The node's postmaster and every process it forked."""
        pid = pgtemp.postmaster_pid(self.pg[name]["data"])
        if not pid:
            return []
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return []
        return [pid] + pgtemp.children(pid)

    def uri(self, name, db="postgres", user="postgres"):
        return "postgresql://%s:%s@%s:%d/%s?connect_timeout=3" % (user, PASSWORD, HOST,
                                                                 self.pg[name]["port"], db)

    def socket_uri(self, name, db="postgres"):
        """The superuser on the node's own Unix socket: a check of a node
        reaches that node's server and no other."""
        return "postgresql://postgres:%s@/%s?host=%s&port=%d&connect_timeout=3" % (
            PASSWORD, db, os.path.join(self.dir, name), self.pg[name]["port"])

    def psql(self, name, sql, db="postgres", tcp=False):
        """Rows of sql run directly on one node, as the superuser (on its
        socket, or on its TCP port as the instances reach it)."""
        uri = self.uri(name, db) if tcp else self.socket_uri(name, db)
        out = subprocess.run([os.path.join(pgtemp.BIN, "psql"), "-X", "-q", "-A", "-t", "-F",
                              "\t", "-v", "ON_ERROR_STOP=1", uri, "-c", sql],
                             capture_output=True, text=True, timeout=20)
        if out.returncode != 0:
            raise RuntimeError("%s: %s" % (name, out.stderr.strip()))
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def wait(self, cond, seconds, what):
        deadline = time.time() + seconds
        while not cond():
            if time.time() > deadline:
                raise RuntimeError("timed out after %d s waiting for %s" % (seconds, what))
            time.sleep(0.2)

    def stop_postgres(self):
        """Stop every node's PostgreSQL by the pid in its postmaster.pid
        (Patroni is gone by then): SIGQUIT, then SIGKILL."""
        for name in self.pg:
            pids = self.postgres_pids(name)
            if pids:
                self.procs.signal_pids(pids, signal.SIGCONT)
                self.procs.signal_pids(pids[:1], signal.SIGQUIT)
        deadline = time.time() + 10
        for name in self.pg:
            while self.postgres_pids(name) and time.time() < deadline:
                time.sleep(0.1)
            self.procs.signal_pids(self.postgres_pids(name), signal.SIGKILL)


def haproxy_config(port, servers):
    """deploy/patroni/haproxy-pg.cfg.in with one server line per
    (name, PostgreSQL port, Patroni REST port)."""
    text = render("haproxy-pg.cfg.in", {"HOST": HOST, "PORT": port})
    for name, pg, rest in servers:
        text += "    server %s %s:%d check port %d\n" % (name, HOST, pg, rest)
    return text
