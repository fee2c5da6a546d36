#!/usr/bin/env bash
# run.sh - the active-active harness: four ecomd instances (east-1, east-2,
# west-1, west-2) on one PostgreSQL, HAProxy in front, concurrent clients,
# one SIGKILL and a rolling restart; then an audit from the database and the
# clients' records (load.py).  Loopback only; everything it starts runs in a
# temporary directory and is stopped by pid on exit.
#
# Usage: ECOMD=build/bin/ecomd bash tests/ha/run.sh      (about 40 seconds)
# Exits non-zero when a target is missed: an acknowledged order lost, a unit
# oversold, an illegal state, an outbox event missing or twice, more than 1%
# failed requests around the SIGKILL, any failed request during the rolling
# restart.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ECOMD=${ECOMD:-$root/build/bin/ecomd}
PGTEMP="$here/../http/pgtemp.py"
GRACE_MS=1500
[ -x "$ECOMD" ] || { echo "ha: $ECOMD is not built (make)" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "ha: haproxy is not installed (make deps)" >&2; exit 1; }

dir=$(mktemp -d -t ecom-ha.XXXXXX)
declare -A pid port
haproxy_pid= load_pid= pg_started=
cleanup() {
    local p
    for p in "${pid[@]}" $haproxy_pid $load_pid; do kill "$p" 2>/dev/null; done
    for p in "${pid[@]}" $haproxy_pid $load_pid; do wait "$p" 2>/dev/null; done
    [ -n "$pg_started" ] && python3 "$PGTEMP" stop "$dir"
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { python3 -c 'import time; print("%.3f" % time.time())'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
phase() { echo "$1 $(now)" >>"$dir/phases"; }

# ---- PostgreSQL (durable: fsync and synchronous commit as in production) ----
pg_port=$(python3 "$PGTEMP" start "$dir" --durable) || exit 1
pg_started=1
python3 "$PGTEMP" psql "$dir" "CREATE DATABASE ecom" >/dev/null || exit 1
store="postgresql://ecom@127.0.0.1:$pg_port/ecom?target_session_attrs=read-write&connect_timeout=3"

# ---- rules with the test SKUs, and their stock ----------------------------------
python3 "$here/load.py" fixtures "$root" "$dir" || exit 1

start() { # instance
    local name=$1 region=${1%-*}
    "$ECOMD" --listen "127.0.0.1:${port[$name]}" --store "$store" --region "$region" \
        --instance "$name" --rules "$dir/rules.json" --stock "$dir/stock.json" \
        --grace-ms $GRACE_MS --threads 8 2>>"$dir/$name.log" >/dev/null &
    pid[$name]=$!
}
wait_ready() { # instance
    local i
    for i in $(seq 200); do
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
            "http://127.0.0.1:${port[$1]}/readyz" 2>/dev/null && return 0
        kill -0 "${pid[$1]}" 2>/dev/null || { echo "ha: $1 exited:" >&2; tail -5 "$dir/$1.log" >&2; return 1; }
        sleep 0.05
    done
    echo "ha: $1 not ready" >&2
    return 1
}

instances="east-1 east-2 west-1 west-2"
for n in $instances; do port[$n]=$(free_port); done
# All four at once: the migrations serialise on their advisory lock.
for n in $instances; do start "$n"; done
for n in $instances; do wait_ready "$n" || exit 1; done
echo "ha: PostgreSQL on $pg_port, instances up (${port[*]})"

# ---- HAProxy ------------------------------------------------------------------------
hp_port=$(free_port)
{
    cat <<CFG
global
    maxconn 4000
defaults
    mode http
    option redispatch
    option http-buffer-request
    retries 3
    retry-on all-retryable-errors
    http-reuse safe
    timeout connect 1s
    timeout client 30s
    timeout server 30s
frontend ecom
    bind 127.0.0.1:$hp_port
    default_backend ecomd
backend ecomd
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 200ms fall 1 rise 2
CFG
    for n in $instances; do echo "    server $n 127.0.0.1:${port[$n]} check"; done
} >"$dir/haproxy.cfg"
haproxy -q -f "$dir/haproxy.cfg" &
haproxy_pid=$!
sleep 1

# ---- load, a SIGKILL, a rolling restart ---------------------------------------------
python3 "$here/load.py" drive "http://127.0.0.1:$hp_port" "$dir" &
load_pid=$!
sleep 4
phase kill
kill -KILL "${pid[east-1]}"
wait "${pid[east-1]}" 2>/dev/null
echo "ha: east-1 killed (SIGKILL)"
sleep 1
start east-1
wait_ready east-1 || exit 1
phase kill_ready
sleep 3
phase roll_start
for n in $instances; do
    kill -TERM "${pid[$n]}"
    wait "${pid[$n]}"
    rc=$?
    [ $rc -eq 0 ] || { echo "ha: $n exited $rc on SIGTERM" >&2; exit 1; }
    start "$n"
    wait_ready "$n" || exit 1
    sleep 0.8 # HAProxy's rise 2 at 200 ms, before the next one leaves
    echo "ha: $n restarted (SIGTERM)"
done
phase roll_end
sleep 1
touch "$dir/stop"
wait $load_pid
load_pid=
echo "ha: audit"
python3 "$here/load.py" audit "$dir"
