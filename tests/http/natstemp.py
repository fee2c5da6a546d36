"""natstemp.py - a private NATS server with JetStream for the tests, on
loopback only: nats-server -js -sd DIR -a 127.0.0.1 -p PORT in a temporary
directory on a free port, stopped (or killed) by its pid, and started again
on the same port and store to play a broker restart.

Command line (for bench/relay.sh):
    python3 natstemp.py start DIR     starts it in the background, prints the port
    python3 natstemp.py stop DIR      stops it (SIGTERM to the pid in DIR/nats.pid)
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

BIN = os.environ.get("NATS_SERVER", shutil.which("nats-server") or "/usr/sbin/nats-server")


def available():
    return os.path.exists(BIN)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    def __init__(self, directory, port=None, args=(), client=None):
        """args: more nats-server options (TLS, a user); client: what
        natsproto.Client needs to talk to it then (ca, user, password)."""
        self.dir = directory
        self.port = port or _free_port()
        self.args = list(args)
        self.client = dict(client or {})
        self.proc = None
        self.log = None
        self.start()

    @property
    def url(self):
        return "nats://127.0.0.1:%d" % self.port

    def start(self, timeout=15.0):
        store = os.path.join(self.dir, "jetstream")
        os.makedirs(store, exist_ok=True)
        self.log = open(os.path.join(self.dir, "nats-server.log"), "ab")
        self.proc = subprocess.Popen(
            [BIN, "-js", "-sd", store, "-a", "127.0.0.1", "-p", str(self.port),
             "-P", os.path.join(self.dir, "nats.pid")] + self.args,
            stdout=self.log, stderr=self.log)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nats-server exited with %s" % self.proc.returncode)
            if self._jetstream_answers():
                return
            time.sleep(0.05)
        raise RuntimeError("nats-server did not come up on port %d" % self.port)

    def _jetstream_answers(self):
        import natsproto
        try:
            with natsproto.Client(self.port, timeout=1, **self.client) as c:
                return "error" not in c.api("INFO")
        except (OSError, AssertionError, ValueError):
            return False

    def _end(self, sig):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()
            self.log = None

    def kill(self):
        """SIGKILL by pid: a crash, nothing flushed or closed cleanly."""
        self._end(signal.SIGKILL)

    def stop(self):
        self._end(signal.SIGTERM)

    def restart(self):
        self.start()


def main(argv):
    cmd, directory = argv[1], argv[2]
    pidfile = os.path.join(directory, "nats.pid")
    if cmd == "start":
        port = _free_port()
        store = os.path.join(directory, "jetstream")
        os.makedirs(store, exist_ok=True)
        with open(os.path.join(directory, "nats-server.log"), "ab") as log:
            subprocess.Popen([BIN, "-js", "-sd", store, "-a", "127.0.0.1", "-p", str(port),
                              "-P", pidfile], stdout=log, stderr=log, start_new_session=True)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        b = Broker.__new__(Broker)
        b.port, b.client = port, {}
        deadline = time.time() + 15
        while not b._jetstream_answers():
            if time.time() > deadline:
                raise SystemExit("nats-server did not come up")
            time.sleep(0.05)
        print(port)
    elif cmd == "stop":
        with open(pidfile) as f:
            os.kill(int(f.read().strip()), signal.SIGTERM)
    else:
        raise SystemExit("usage: natstemp.py start|stop DIR")


if __name__ == "__main__":
    main(sys.argv)
