"""ecomd_harness.py - start and talk to a real ecomd for the end-to-end tests.

Each Server runs build/bin/ecomd (or $ECOMD) on 127.0.0.1 with a free port,
in its own temporary directory (SQLite file, key file, log), and is stopped
by its pid.  Nothing here touches any other address.  Python stdlib only.
"""
import atexit
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ECOMD = os.environ.get("ECOMD", os.path.join(ROOT, "build", "bin", "ecomd"))
ECOM = os.environ.get("ECOM", os.path.join(ROOT, "build", "bin", "ecom"))
RULES = os.path.join(ROOT, "examples", "rules.json")
CART = os.path.join(ROOT, "examples", "cart.json")


# ECOMD_TEST_STORE=pg runs every Server on PostgreSQL instead of SQLite: one
# private server (pgtemp.py) for the whole run, and one schema per SQLite
# path a test names, so tests that restart ecomd on "the same store" still
# share it.
USE_PG = os.environ.get("ECOMD_TEST_STORE", "sqlite") == "pg"
STORE_NAME = "postgresql" if USE_PG else "sqlite"
_PG = {}


def _pg_store(sqlite_path):
    import pgtemp
    if not _PG:
        d = tempfile.mkdtemp(prefix="ecomd-pg-")
        _PG["dir"] = d
        atexit.register(lambda: (pgtemp.stop(d), shutil.rmtree(d, ignore_errors=True)))
        _PG["port"] = pgtemp.start(d)
    schema = "s" + hashlib.sha1(os.path.abspath(sqlite_path).encode()).hexdigest()[:20]
    pgtemp.psql(_PG["port"], "CREATE SCHEMA IF NOT EXISTS " + schema)
    return pgtemp.uri(_PG["port"], schema)


def store_spec(store, directory):
    """The --store value for a Server: SQLite, or its PostgreSQL stand-in."""
    spec = store or "sqlite:" + os.path.join(directory, "ecom.db")
    if USE_PG and spec.startswith("sqlite:") and spec != "sqlite::memory:":
        return _pg_store(spec[len("sqlite:"):])
    return spec


# Problems found while stopping servers (unclean exit, sanitizer reports);
# the runner fails the test that left them.
PROBLEMS = []


def free_port():
    """A port that was free a moment ago (bind to port 0, read, close)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(name, role):
    out = subprocess.run([ECOM, "keygen", "--name", name, "--role", role],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    return out[0], out[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


class Server:
    def __init__(self, args=(), env=None, keys=None, rules=RULES, directory=None, store=None,
                 subcommand=None, port=None):
        self.dir = directory or tempfile.mkdtemp(prefix="ecomd-test-")
        self.own_dir = directory is None
        self.port = port or free_port()
        self.keys = keys
        cmd = [ECOMD] + ([subcommand] if subcommand else []) + [
               "--listen", "127.0.0.1:%d" % self.port,
               "--store", store_spec(store, self.dir),
               "--grace-ms", "50", "--poll-ms", "200"]
        if rules:
            cmd += ["--rules", rules]
        if keys:
            path = os.path.join(self.dir, "keys")
            with open(path, "w") as f:
                f.write("# test keys\n" + "".join(line + "\n" for line in keys))
            cmd += ["--keys", path]
        cmd += list(args)
        self.log_path = os.path.join(self.dir, "ecomd-%d.log" % self.port)
        self.log = open(self.log_path, "wb")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log, env=full_env)
        self.wait_up()

    def wait_up(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("ecomd exited with %s: %s" % (self.proc.returncode, self.log_text()))
            try:
                if self.request("GET", "/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("ecomd did not come up: " + self.log_text())

    def store_path(self):
        return os.path.join(self.dir, "ecom.db")

    def sql(self, sql):
        """Run SQL on this server's store (either kind); the rows as tuples of
        strings.  For checks of what the store keeps, and for preparing an
        older schema."""
        if USE_PG:
            import pgtemp
            schema = "s" + hashlib.sha1(os.path.abspath(self.store_path()).encode()).hexdigest()[:20]
            out = pgtemp.psql(_PG["port"], "SET search_path TO %s; %s" % (schema, sql))
            return [tuple(line.split("\t")) for line in out.splitlines() if line]
        import sqlite3
        with sqlite3.connect(self.store_path()) as db:
            return [tuple(str(v) for v in row) for row in db.execute(sql)]

    def connection(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, key=None, conn=None,
                content_type="application/json"):
        hdrs = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if body is not None and content_type and "Content-Type" not in hdrs:
            hdrs["Content-Type"] = content_type
        if key:
            hdrs["Authorization"] = "Bearer " + key
        own = conn is None
        c = conn or self.connection()
        try:
            try:
                c.request(method, path, body=body, headers=hdrs)
            except (BrokenPipeError, ConnectionResetError):
                pass  # answered (413, 401) before the body was sent: read the answer
            r = c.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            if own:
                c.close()

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_lines(self):
        return [json.loads(line) for line in self.log_text().splitlines() if line.startswith("{")]

    def requests_logged(self):
        """The log lines of the requests answered so far."""
        time.sleep(0.1)  # a request is logged just after its answer
        return [l for l in self.log_lines() if l.get("msg") == "request"]

    def settled_inflight(self, timeout=5.0):
        """ecomd_inflight_requests once the requests answered so far are
        over (MHD completes a request just after its answer went out): 1,
        the /metrics request itself, when nothing else is in flight."""
        deadline = time.time() + timeout
        while True:
            value = self.metric("ecomd_inflight_requests")
            if value <= 1 or time.time() > deadline:
                return value
            time.sleep(0.05)

    def metric(self, name):
        """The value of an unlabelled metric on /metrics."""
        for line in self.request("GET", "/metrics").body.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError("no metric " + name)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signal the process by pid and wait; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc

    def cleanup(self):
        """Stop gracefully (SIGTERM) and report an unclean exit or any
        sanitizer report in the log to the runner through PROBLEMS."""
        if self.proc.poll() is None:
            rc = self.stop(signal.SIGTERM)
            if rc != 0:
                PROBLEMS.append("ecomd on port %d exited %s on SIGTERM" % (self.port, rc))
        elif not self.log.closed:
            self.log.close()
        text = self.log_text() if os.path.exists(self.log_path) else ""
        for marker in ("Sanitizer", "runtime error:"):
            if marker in text:
                PROBLEMS.append("ecomd on port %d: %s" % (self.port, text[text.index(marker) - 200:][:3000]))
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def second_instance(first, args=()):
    """Another ecomd on first's store (its SQLite file, or its schema on
    PostgreSQL), returned once it serves first's ruleset version."""
    other = Server(directory=first.dir, rules=None, args=args,
                   store="sqlite:" + first.store_path())
    try:
        deadline = time.time() + 5
        while other.request("GET", "/v1/rules").header("ETag") != \
                first.request("GET", "/v1/rules").header("ETag"):
            check(time.time() < deadline, "the second instance has the rules")
            time.sleep(0.1)
    except BaseException:
        other.cleanup()
        raise
    return other


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def wait_until(cond, what, timeout=15.0):
    """cond()'s first true value, asked every 100 ms for up to timeout
    seconds; an AssertionError naming what was awaited otherwise."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


# The number of the regions' migration, the one after the lists'
# (LISTS_MIGRATION).
REGIONS_MIGRATION = 11


def undo_regions_migration(server):
    """Take a stopped server's store back to before the regions' migration
    (its tables)."""
    for table in ("region_transfers", "region_lost", "region_view", "region_demand",
                  "region_leases"):
        server.sql("DROP TABLE " + table)
    server.sql("DELETE FROM schema_version WHERE version >= %d" % REGIONS_MIGRATION)


# The number of the lists' migration (store_sqlite_sql.h, store_pg_sql.h).
LISTS_MIGRATION = 10


def undo_lists_migration(server):
    """Take a stopped server's store back to before the lists' migration:
    without its columns, table and indexes (for tests of the migrations),
    and so without the regions' migration that follows it."""
    undo_regions_migration(server)
    for index in ("orders_created", "orders_state_created", "orders_payment_created",
                  "reservations_created", "carts_created"):
        server.sql("DROP INDEX " + index)
    server.sql("DROP TABLE order_skus")
    server.sql("ALTER TABLE orders DROP COLUMN payment_status")
    server.sql("ALTER TABLE reservations DROP COLUMN created_at")
    server.sql("DELETE FROM schema_version WHERE version >= %d" % LISTS_MIGRATION)
