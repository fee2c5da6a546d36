"""pgtemp.py - a private PostgreSQL for the tests, on loopback only.

start(dir) runs initdb in dir/pg, then the server on a free 127.0.0.1 port
with its unix socket in the same directory; stop(dir) stops that server
(pg_ctl, which signals the pid in its postmaster.pid).  As root the server
runs as the `postgres` user, since PostgreSQL refuses to run as root.

Command line (used by tests/ha/run.sh):
    python3 pgtemp.py start DIR [--durable]   prints the port
    python3 pgtemp.py stop DIR
    python3 pgtemp.py psql DIR SQL            runs SQL, prints rows (tab-separated)

signal_server(pid, sig) signals a postmaster and every process it forked:
each backend is the leader of its own session, so a process group does
not reach them.  SIGSTOP there freezes a whole server the way a paused
machine looks from the network (connections open, nothing answers).
"""
import os
import shutil
import socket
import subprocess
import sys

BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
USER = "ecom"


def available():
    return os.path.exists(os.path.join(BIN, "initdb"))


def _as_owner(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(directory, durable=False):
    """Start a server under directory/pg; returns its port."""
    pg = os.path.join(directory, "pg")
    os.makedirs(pg, exist_ok=True)
    if os.geteuid() == 0:
        os.chmod(directory, 0o755)
        shutil.chown(pg, "postgres", "postgres")
    data = os.path.join(pg, "data")
    subprocess.run(_as_owner([os.path.join(BIN, "initdb"), "-D", data, "-U", USER,
                              "--auth=trust", "--locale=C", "-E", "UTF8", "--no-sync"]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    port = _free_port()
    with open(os.path.join(pg, "port"), "w") as f:
        f.write(str(port))
    with open(os.path.join(pg, "durable"), "w") as f:
        f.write("1" if durable else "0")
    restart(directory)
    return port


def restart(directory):
    """Start a server stopped by stop(), on its data and port."""
    pg = os.path.join(directory, "pg")
    port = port_of(directory)
    with open(os.path.join(pg, "durable")) as f:
        durable = f.read() == "1"
    opts = ["-c listen_addresses=127.0.0.1", "-p %d" % port, "-k %s" % pg,
            "-c max_connections=300", "-c shared_buffers=64MB"]
    if not durable:
        # Test data need not survive a machine crash; the tests run faster.
        opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    subprocess.run(_as_owner([os.path.join(BIN, "pg_ctl"), "-D", os.path.join(pg, "data"), "-l",
                              os.path.join(pg, "server.log"), "-w", "-t", "30",
                              "-o", " ".join(opts), "start"]),
                   check=True, stdout=subprocess.DEVNULL)


def port_of(directory):
    with open(os.path.join(directory, "pg", "port")) as f:
        return int(f.read())


def stop(directory):
    data = os.path.join(directory, "pg", "data")
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        subprocess.run(_as_owner([os.path.join(BIN, "pg_ctl"), "-D", data, "-m", "fast",
                                  "-w", "stop"]), stdout=subprocess.DEVNULL)


def children(pid):
    """The pids whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    stat = f.read()
            except OSError:
                continue
            # pid (comm) state ppid ...; comm may hold spaces and parentheses.
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                out.append(int(d))
    return out


def signal_server(pid, sig):
    """Send sig to postmaster pid first (so that it forks nothing new while
    stopped), then to each of its children."""
    os.kill(pid, sig)
    for child in children(pid):
        try:
            os.kill(child, sig)
        except ProcessLookupError:
            pass


def postmaster_pid(data):
    """The postmaster's pid from DATA/postmaster.pid, None when absent."""
    try:
        with open(os.path.join(data, "postmaster.pid")) as f:
            return int(f.readline())
    except (OSError, ValueError):
        return None


def uri(port, schema=None, db="postgres"):
    """A libpq URI; with schema, every table lives in that schema."""
    u = "postgresql://%s@127.0.0.1:%d/%s" % (USER, port, db)
    if schema:
        u += "?options=-csearch_path%%3D%s" % schema
    return u


def psql(port, sql, db="postgres"):
    out = subprocess.run([os.path.join(BIN, "psql"), "-X", "-q", "-A", "-t", "-F", "\t",
                          "-v", "ON_ERROR_STOP=1", uri(port, db=db), "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout


def main(argv):
    cmd, directory = argv[1], argv[2]
    if cmd == "start":
        print(start(directory, durable="--durable" in argv))
    elif cmd == "stop":
        stop(directory)
    elif cmd == "psql":
        sys.stdout.write(psql(port_of(directory), argv[3]))
    else:
        raise SystemExit("usage: pgtemp.py start|stop|psql DIR [SQL]")


if __name__ == "__main__":
    main(sys.argv)
