"""test_pg_store.py - what only the PostgreSQL store has to prove: lost
connections are reconnected, /readyz follows the database going away and
coming back, instances starting together migrate once, and concurrent
duplicates of one Idempotency-Key write once.  Defined only when
the suite runs on PostgreSQL (ECOMD_TEST_STORE=pg, see run.sh)."""
import os
import shutil
import tempfile
import threading
import time

import ecomd_harness
from ecomd_harness import Server, check, eq


def _psql(sql):
    import pgtemp
    return pgtemp.psql(ecomd_harness._PG["port"], sql)


def _reserve(s, sku, qty, key):
    return s.request("POST", "/v1/reservations", {"lines": [{"sku": sku, "quantity": qty}],
                                                  "ttl_seconds": 600},
                     headers={"Idempotency-Key": key})


def _available(s, sku):
    return s.request("GET", "/v1/stock/" + sku).json()["available"]


if ecomd_harness.USE_PG:

    def test_pg_reconnects_after_connections_are_killed():
        with Server() as s:
            eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 10}).status, 200, "stock")
            # Every server connection of ecomd goes away (a restart or a
            # failover looks the same from the client side).
            killed = _psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                           " WHERE usename = 'ecom' AND pid <> pg_backend_pid()"
                           " AND backend_type = 'client backend'")
            check(int(killed.strip()) >= 2, "connections terminated: %r" % killed)
            eq(s.request("GET", "/readyz").status, 200, "ready again (ping reconnected)")
            eq(_available(s, "A"), 10, "read after reconnect")
            eq(_reserve(s, "A", 3, "after-kill").status, 201, "write after reconnect")
            eq(_available(s, "A"), 7, "write is there")
            log = s.log_text()
            check('"store":"postgresql"' in log, "the lost connection was logged")

    def test_pg_readyz_follows_the_database():
        import pgtemp
        d = tempfile.mkdtemp(prefix="ecomd-pgdown-")
        try:
            port = pgtemp.start(d)
            with Server(store=pgtemp.uri(port)) as s:
                eq(s.request("GET", "/readyz").status, 200, "ready")
                eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 4}).status, 200, "stock")
                pgtemp.stop(d)
                r = s.request("GET", "/readyz")
                eq((r.status, r.json()["error"]["code"]), (503, "unavailable"), "not ready")
                eq(s.request("GET", "/healthz").status, 200, "alive all the same")
                eq(_reserve(s, "A", 1, "down").status, 503, "writes refused")
                eq(s.request("GET", "/v1/stock/A").status, 503, "reads refused")
                pgtemp.restart(d)
                deadline = time.time() + 10
                while s.request("GET", "/readyz").status != 200:
                    check(time.time() < deadline, "ready again after the restart")
                    time.sleep(0.1)
                eq(_available(s, "A"), 4, "the data is back")
                eq(_reserve(s, "A", 1, "down").status, 201, "the refused write, retried")
        finally:
            pgtemp.stop(d)
            shutil.rmtree(d, ignore_errors=True)

    def _executes(prepare):
        """The statements' executions in the server's log (log_statement
        all) while ecomd with --store-prepare PREPARE makes reservations."""
        import pgtemp
        d = tempfile.mkdtemp(prefix="ecomd-pgprep-")
        try:
            port = pgtemp.start(d)
            pgtemp.psql(port, "ALTER SYSTEM SET log_statement = 'all'")
            pgtemp.psql(port, "SELECT pg_reload_conf()")
            with Server(store=pgtemp.uri(port), args=["--store-prepare", prepare]) as s:
                eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 10}).status, 200, "stock")
                for i in range(3):
                    eq(_reserve(s, "A", 1, "prep-%d" % i).status, 201, "reservation %d" % i)
            with open(os.path.join(d, "pg", "server.log"), encoding="utf-8", errors="replace") as f:
                return [l.split("LOG:  execute ", 1)[1] for l in f if "LOG:  execute " in l]
        finally:
            pgtemp.stop(d)
            shutil.rmtree(d, ignore_errors=True)

    def test_pg_statements_prepared_once_per_connection():
        runs = _executes("on")
        named = [r for r in runs if r.startswith("ecomd_")]
        check(len(named) > 10, "statements run by name: %d of %d" % (len(named), len(runs)))
        eq([r for r in runs if r.startswith("<unnamed>")], [], "nothing runs unprepared")
        # One name a text: the reservations' statements ran three times
        # each under the name they were prepared with.
        by_name = {}
        for r in named:
            name, text = r.split(": ", 1)
            check(by_name.setdefault(name, text) == text, "%s is one statement" % name)
        check(max(named.count(r) for r in set(named)) >= 3, "a name executed again")
        runs = _executes("off")
        check(runs and all(r.startswith("<unnamed>") for r in runs),
              "--store-prepare off prepares nothing")

    def test_pg_instances_starting_together_migrate_once():
        base = Server()
        servers, errors = [], []
        try:
            # Creates the empty schema first; the four then race on it.
            spec = ecomd_harness.store_spec("sqlite:" + os.path.join(base.dir, "shared.db"),
                                            base.dir)

            def start():
                try:
                    servers.append(Server(store="sqlite:" + os.path.join(base.dir, "shared.db")))
                except Exception as e:  # reported below
                    errors.append(repr(e))

            threads = [threading.Thread(target=start) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            eq(errors, [], "all four started")
            eq(len(servers), 4, "four instances")
            schema = spec.split("%3D")[1]
            rows = _psql("SELECT version, count(*) FROM %s.schema_version GROUP BY 1 ORDER BY 1"
                         % schema).splitlines()
            check(len(rows) >= 5, "every migration applied: %r" % rows)
            eq(rows, ["%d\t1" % v for v in range(1, len(rows) + 1)], "each migration applied once")
            rules = _psql("SELECT count(*) FROM %s.rules" % schema).strip()
            eq(rules, "1", "the seed ruleset stored once")
            for s in servers:
                eq(s.request("GET", "/readyz").status, 200, "ready")
        finally:
            for s in servers:
                s.cleanup()
            base.cleanup()

    def test_pg_concurrent_duplicates_write_once():
        with Server(args=["--threads", "8"]) as s:
            eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 100}).status, 200, "stock")
            results = [None] * 16
            barrier = threading.Barrier(16)

            def one(i):
                barrier.wait()
                results[i] = _reserve(s, "A", 5, "dup")

            threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            eq(sorted({r.status for r in results}), [201], "every duplicate answered 201")
            eq(len({r.body for r in results}), 1, "one response, replayed byte for byte")
            eq(sum(1 for r in results if r.header("Idempotent-Replayed") == "true"), 15,
               "fifteen replays")
            eq(_available(s, "A"), 95, "reserved once")

    def test_pg_key_value_connection_string():
        with Server() as a:
            uri = ecomd_harness.store_spec(None, a.dir)
            eq(a.request("PUT", "/v1/stock/KV/berlin", {"on_hand": 4}).status, 200, "stock")
            schema = uri.split("%3D")[1]
            kv = "pg:host=127.0.0.1 port=%d user=ecom dbname=postgres options=-csearch_path=%s" % (
                ecomd_harness._PG["port"], schema)
            with Server(store=kv, rules=None) as b:
                eq(_available(b, "KV"), 4, "the same database through key=value pairs")
