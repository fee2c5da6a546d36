"""test_pg_hangs.py - ecomd against a PostgreSQL that hangs instead of
failing: a frozen server (SIGSTOP, as a paused VM looks from the network),
a statement stuck on a row lock, a pool with no free connection, and the TCP
settings every connection carries.  Nothing may hang a request or /readyz
for longer than the configured limits, every failure is logged and counted,
and the instance recovers by itself.  Defined only when the suite runs on
PostgreSQL (ECOMD_TEST_STORE=pg, see run.sh)."""
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import ecomd_harness
from ecomd_harness import Server, check, eq


def _reserve(s, sku, key, timeout=30):
    c = s.connection(timeout=timeout)
    try:
        return s.request("POST", "/v1/reservations",
                         {"lines": [{"sku": sku, "quantity": 1}], "ttl_seconds": 600},
                         headers={"Idempotency-Key": key}, conn=c)
    finally:
        c.close()


def _timed(fn):
    t = time.time()
    r = fn()
    return r, time.time() - t


def _metric(s, name):
    text = s.request("GET", "/metrics").body.decode()
    m = re.search(r"^%s (\d+)" % name, text, re.M)
    return int(m.group(1)) if m else None


class _LockHolder:
    """A psql session that holds FOR UPDATE on the stock rows of a SKU for
    `seconds`, started once the lock is held."""

    def __init__(self, port, schema, sku, seconds):
        import pgtemp
        self.port = port
        self.tag = "lockholder%d" % os.getpid()
        sql = ("SET application_name = %s; BEGIN; SELECT * FROM %s.stock WHERE sku = '%s' FOR UPDATE;"
               " SELECT pg_sleep(%d); COMMIT;" % (self.tag, schema, sku, seconds))
        self.proc = subprocess.Popen([os.path.join(pgtemp.BIN, "psql"), "-X", "-q",
                                      pgtemp.uri(port), "-c", sql],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while pgtemp.psql(port, "SELECT count(*) FROM pg_stat_activity WHERE application_name"
                          " = '%s' AND wait_event = 'PgSleep'" % self.tag).strip() != "1":
            check(time.time() < deadline, "the lock holder holds its lock")
            time.sleep(0.05)

    def stop(self):
        """End the session on the server, so that its lock is gone."""
        import pgtemp
        pgtemp.psql(self.port, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = '%s'" % self.tag)
        self.proc.wait()


# ---- reading another process's socket options (pidfd_getfd, Linux 5.6) ----------------

_TCP_USER_TIMEOUT = 18


def _socket_options(pid, peer_port):
    """SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and
    TCP_USER_TIMEOUT of each socket of process pid connected to peer_port,
    read through a duplicate of its descriptor; None when the kernel does
    not let this process take one."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    found = []
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if not os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                    continue
            except OSError:
                continue
            dup = libc.syscall(438, pidfd, int(fd), 0)  # pidfd_getfd
            if dup < 0:
                return None
            s = socket.socket(fileno=dup)
            try:
                if s.family == socket.AF_INET and s.type == socket.SOCK_STREAM:
                    try:
                        peer = s.getpeername()[1]
                    except OSError:
                        peer = None
                    if peer == peer_port:
                        found.append((s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                                      s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                                      s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                                      s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT),
                                      s.getsockopt(socket.IPPROTO_TCP, _TCP_USER_TIMEOUT)))
            finally:
                s.close()
    finally:
        os.close(pidfd)
    return found


def _keepalive_timers(pid, peer_port):
    """Fallback where pidfd_getfd is refused: ss(8) shows which of the
    process's sockets to peer_port run a keepalive timer (1) or none (0)."""
    out = subprocess.run(["ss", "-tnpo", "state", "established", "( dport = :%d )" % peer_port],
                         capture_output=True, text=True, check=True).stdout
    return [1 if "timer:(keepalive" in line else 0
            for line in out.splitlines() if "pid=%d," % pid in line]


if ecomd_harness.USE_PG:

    def test_pg_frozen_database_readyz_and_recovery():
        import pgtemp
        d = tempfile.mkdtemp(prefix="ecomd-pgfreeze-")
        pid = None
        try:
            port = pgtemp.start(d)
            with Server(store=pgtemp.uri(port), args=["--store-timeout-ms", "1500",
                                                      "--pool-wait-ms", "1000",
                                                      "--threads", "4"]) as s:
                eq(s.request("PUT", "/v1/stock/F/berlin", {"on_hand": 50}).status, 200, "stock")
                eq(s.request("GET", "/readyz").status, 200, "ready")
                errors_before = _metric(s, "ecomd_store_errors_total")
                # Writers in flight when the server freezes, fewer than the
                # threads: a thread serves one request at a time, and only
                # an idle one takes new connections (so /readyz gets one).
                results = []
                threads = [threading.Thread(target=lambda i=i: results.append(
                    _timed(lambda: _reserve(s, "F", "frozen-%d" % i)))) for i in range(3)]
                pid = pgtemp.postmaster_pid(os.path.join(d, "pg", "data"))
                pgtemp.signal_server(pid, signal.SIGSTOP)  # the postmaster and every backend
                t0 = time.time()
                for t in threads:
                    t.start()
                time.sleep(0.3)
                first_503 = None
                while time.time() - t0 < 15:
                    r = s.request("GET", "/readyz")
                    if r.status == 503:
                        first_503 = time.time() - t0
                        break
                    time.sleep(0.1)
                # --pool-wait-ms is 1 s: SELECT 1 gets that long.
                check(first_503 is not None and first_503 < 3.0,
                      "/readyz 503 within 3 s of the freeze (took %s)" % first_503)
                for t in threads:
                    t.join(30)
                eq(len(results), 3, "every write in flight was answered")
                eq(sorted({r.status for r, _ in results}), [503], "writes refused with 503")
                # Each request gives up after the 1.5 s statement limit + 1 s,
                # or a 2 s connect_timeout; requests that share a thread
                # (MHD hands it several connections at once) queue.
                slowest = max(dt for _, dt in results)
                check(slowest < 10.0, "no write hung (slowest %.1f s)" % slowest)
                r, dt = _timed(lambda: s.request("GET", "/healthz"))
                eq(r.status, 200, "alive while the database is frozen")
                pgtemp.signal_server(pid, signal.SIGCONT)
                pid = None
                t1 = time.time()
                while s.request("GET", "/readyz").status != 200:
                    check(time.time() - t1 < 10, "ready again by itself after SIGCONT")
                    time.sleep(0.1)
                for i in range(3):
                    eq(_reserve(s, "F", "frozen-%d" % i).status, 201, "retried write %d" % i)
                eq(s.request("GET", "/v1/stock/F").json()["available"], 47, "each write once")
                check(_metric(s, "ecomd_store_errors_total") > errors_before,
                      "store errors counted")
                lines = [x for x in s.log_lines() if x.get("store") == "postgresql"]
                check(any(x["msg"] == "the database did not answer" for x in lines),
                      "the hang was logged: %r" % lines[:3])
                check(all(x["level"] == "error" and "detail" in x for x in lines),
                      "store log lines carry their detail")
        finally:
            if pid:
                pgtemp.signal_server(pid, signal.SIGCONT)
            pgtemp.stop(d)
            shutil.rmtree(d, ignore_errors=True)

    def test_pg_statement_timeout_ends_a_lock_wait():
        with Server(args=["--store-timeout-ms", "800"]) as s:
            eq(s.request("PUT", "/v1/stock/LK/berlin", {"on_hand": 5}).status, 200, "stock")
            schema = ecomd_harness.store_spec(None, s.dir).split("%3D")[1]
            holder = _LockHolder(ecomd_harness._PG["port"], schema, "LK", 4)
            try:
                r, dt = _timed(lambda: _reserve(s, "LK", "locked"))
                eq(r.status, 503, "the write waiting on the lock gives up")
                check(0.7 < dt < 3.0, "after about the statement timeout (%.2f s)" % dt)
            finally:
                holder.stop()
            eq(_reserve(s, "LK", "locked").status, 201, "the retry succeeds")
            eq(s.request("GET", "/v1/stock/LK").json()["available"], 4, "reserved once")
            codes = [x.get("sqlstate") for x in s.log_lines() if x.get("store") == "postgresql"]
            check("57014" in codes, "the timeout was logged with its SQLSTATE: %r" % codes)

    def test_pg_pool_wait_is_bounded():
        with Server(args=["--store-connections", "1", "--pool-wait-ms", "400",
                          "--store-timeout-ms", "4000", "--threads", "4"]) as s:
            eq(s.request("PUT", "/v1/stock/PW/berlin", {"on_hand": 5}).status, 200, "stock")
            schema = ecomd_harness.store_spec(None, s.dir).split("%3D")[1]
            holder = _LockHolder(ecomd_harness._PG["port"], schema, "PW", 3)
            try:
                # This write takes the only connection and waits on the lock.
                writer = threading.Thread(target=lambda: _reserve(s, "PW", "waits"))
                writer.start()
                time.sleep(0.3)
                r, dt = _timed(lambda: s.request("GET", "/readyz"))
                eq(r.status, 503, "no connection free: not ready")
                check(dt < 2.0, "answered after the pool wait (%.2f s)" % dt)
                r, dt = _timed(lambda: s.request("GET", "/v1/stock/PW"))
                eq(r.status, 503, "a read without a connection answers 503")
                writer.join(20)
            finally:
                holder.stop()
            eq(s.request("GET", "/readyz").status, 200, "ready once the connection is back")
            msgs = [x["msg"] for x in s.log_lines() if x.get("store") == "postgresql"]
            check("no database connection is free" in msgs, "the pool wait was logged: %r" % msgs)

    def test_pg_connections_carry_keepalives_unless_the_string_sets_them():
        import pgtemp
        d = tempfile.mkdtemp(prefix="ecomd-pgtcp-")
        try:
            port = pgtemp.start(d)
            base = pgtemp.uri(port)
            with Server(store=base, args=["--threads", "2"]) as a, \
                    Server(store=base + "?keepalives_idle=30&tcp_user_timeout=4000",
                           args=["--threads", "2"], rules=None) as b, \
                    Server(store=base + "?keepalives=0", args=["--threads", "2"],
                           rules=None) as c:
                got = [_socket_options(x.proc.pid, port) for x in (a, b, c)]
                if got[0] is None:  # pidfd_getfd refused: what ss can see
                    timers = [_keepalive_timers(x.proc.pid, port) for x in (a, b, c)]
                    eq(timers[0], [1] * 4, "every connection runs keepalives")
                    eq(timers[1], [1] * 4, "also with the string's own idle time")
                    eq(timers[2], [0] * 4, "keepalives=0 in the string turns them off")
                    return
                eq(got[0], [(1, 5, 2, 3, 10000)] * 4, "ecomd's defaults on every connection")
                eq(got[1], [(1, 30, 2, 3, 4000)] * 4, "the string's values win")
                eq([o[0] for o in got[2]], [0] * 4, "keepalives=0 in the string turns them off")
        finally:
            pgtemp.stop(d)
            shutil.rmtree(d, ignore_errors=True)
