#!/usr/bin/env bash
# http.sh - throughput and latency of ecomd, measured with wrk, against nginx
# serving a static file of the same size as a baseline for the HTTP stack.
#
# Usage: bash bench/http.sh            (after `make`; needs wrk and nginx:
#                                        apt-get install wrk nginx)
# Settings: BENCH_SECONDS (10), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
#           BENCH_ORDERS (orders the list workloads page through: 1000000),
#           ECOMD_THREADS (half the cores, at least 1: wrk gets the other
#           half, so that latency measures the server and not the two
#           fighting over cores), ECOMD_WRITE_THREADS (16: the reserve and
#           checkout workloads), ECOMD (build/bin/ecomd), BENCH_CARTS (carts
#           per checkout workload: 8000 x BENCH_SECONDS), BENCH_ONLY (the
#           workloads to run, separated by spaces; all when unset).
#
# Everything runs on 127.0.0.1 with free ports in a temporary directory and is
# stopped again by pid.  The workloads are generated here, never committed:
#   healthz     GET /healthz                     the HTTP path alone
#   nginx       GET a static file from nginx      the baseline for the above
#   price       POST /v1/price, a 10-line cart    pricing, no store
#                (examples/cart.json's 3 lines, which meet its promotions,
#                and 7 more over SKU-n products the script adds to the
#                example rules)
#   stock       GET /v1/stock/SHOE-1              a read from SQLite
#   reserve     POST /v1/reservations             a write transaction each
#                (unique Idempotency-Key per request, stock large enough)
#   checkout    POST /v1/orders {"cart_id"}       a checkout each: own cart
#                (BENCH_CARTS carts, made before the timed run) and own
#                Idempotency-Key; should the carts run out, the repeats show
#                as non-2xx answers (409)
#   list        GET /v1/orders?limit=20&payment_status=paid   the first page
#                of a back office's list, over BENCH_ORDERS orders
#   list-deep   the same page after a random paid order (starting_after one
#                of 2,000 ids drawn from the store): pages deep in the list
#                The orders are four real ones (pending_payment; processing
#                and paid; delivered and paid; canceled), made through the
#                API and copied BENCH_ORDERS times by SQL straight into the
#                store with new ids, carts and times 1 ms apart
#                (seed_orders.py): a million in a minute, not hours of
#                checkouts.
# With BENCH_PG=1 (needs the postgresql and haproxy packages) the stock and
# reserve workloads run again against two ecomd instances sharing a private
# PostgreSQL (durable settings) behind HAProxy; reservations then spread
# over 64 SKUs, as a shop's checkouts spread over its catalogue:
#   pg-stock    GET /v1/stock/SKU-n through HAProxy
#   pg-reserve  POST /v1/reservations through HAProxy
#   pg-checkout POST /v1/orders through HAProxy, carts over the 64 SKUs
#   pg-list, pg-list-deep   the list workloads on PostgreSQL, over its own
#               BENCH_ORDERS orders seeded the same way (generate_series)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
ECOMD=${ECOMD:-$root/build/bin/ecomd}
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
cores=$(nproc)
SERVER_THREADS=${ECOMD_THREADS:-$((cores > 1 ? cores / 2 : 1))}
WRITE_THREADS=${ECOMD_WRITE_THREADS:-16}
CARTS=${BENCH_CARTS:-$((8000 * SECONDS_EACH))}
ORDERS=${BENCH_ORDERS:-1000000}

for tool in wrk nginx python3; do
    command -v "$tool" >/dev/null || {
        echo "http.sh: $tool not found (apt-get install wrk nginx)" >&2
        exit 1
    }
done
[ -x "$ECOMD" ] || { echo "http.sh: $ECOMD not built (make)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_up() {
    for _ in $(seq 100); do
        python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" \
            2>/dev/null && return 0
        sleep 0.1
    done
    echo "http.sh: $1 did not come up" >&2
    exit 1
}

# ---- rules and the 10-line cart: the example rules with 64 more products
# SKU-0..63 (also the PostgreSQL run's catalogue) -------------------------------
python3 - "$root/examples/rules.json" "$root/examples/cart.json" "$work" <<'EOF'
import json, sys
rules = json.load(open(sys.argv[1]))
rules["products"] += [{"sku": "SKU-%d" % i, "prices": {"EUR": "10.00"}} for i in range(64)]
json.dump(rules, open(sys.argv[3] + "/rules.json", "w"))
cart = json.load(open(sys.argv[2]))
cart["lines"] += [{"sku": "SKU-%d" % i, "quantity": 1 + i % 3} for i in range(10 - len(cart["lines"]))]
json.dump(cart, open(sys.argv[3] + "/cart.json", "w"))
EOF

# ---- ecomd, with a large stock so that reservations never run out -----------
eport=$(free_port)
cat >"$work/stock.json" <<'EOF'
{"stock": [{"sku": "SHOE-1", "location": "berlin", "on_hand": 1000000000}]}
EOF
# start_ecomd NAME THREADS VAR: an instance on its own SQLite file; its URL
# goes into the variable VAR (not printed: $(...) would run it in a subshell
# that loses its pid).
start_ecomd() {
    local port
    port=$(free_port)
    "$ECOMD" --listen "127.0.0.1:$port" --store "sqlite:$work/$1.db" --threads "$2" \
        --rules "$work/rules.json" --stock "$work/stock.json" --grace-ms 1 \
        >/dev/null 2>"$work/$1.log" &
    pids+=($!)
    wait_up "http://127.0.0.1:$port/healthz"
    printf -v "$3" 'http://127.0.0.1:%s' "$port"
}
# Reads run on SERVER_THREADS (wrk keeps the other cores); writes wait on
# the disk rather than the CPU, so they get 16 threads (WRITE_THREADS), as
# docs/service.md advises for a write-heavy instance on SQLite: a thread
# waits for its commit, and the more wait at once, the more share a commit
# (4, ecomd's default, left the CPU half idle at 2,300 checkouts/s).
start_ecomd reads "$SERVER_THREADS" base
start_ecomd writes "$WRITE_THREADS" wbase

# ---- nginx: a static file as large as a /healthz answer ----------------------
nport=$(free_port)
mkdir -p "$work/nginx/html" "$work/nginx/logs"
printf '{"status":"ok"}' >"$work/nginx/html/healthz.json"
# nginx started by root serves as nobody: let it read the file.
chmod a+rx "$work" "$work/nginx" "$work/nginx/html"
chmod a+r "$work/nginx/html/healthz.json"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes $SERVER_THREADS;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$nport;
        root $work/nginx/html;
        default_type application/json;
    }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx/stderr" &
pids+=($!)
wait_up "http://127.0.0.1:$nport/healthz.json"

# ---- workloads -------------------------------------------------------------------
python3 - "$work/cart.json" "$work/price.lua" <<'EOF'
import json, sys
cart = json.load(open(sys.argv[1]))
assert len(cart["lines"]) == 10, "the price workload is a 10-line cart"
body = json.dumps(cart)
with open(sys.argv[2], "w") as f:
    f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
    f.write("wrk.body = %s\n" % json.dumps(body))
EOF
cat >"$work/reserve.lua" <<'EOF'
-- Each request its own Idempotency-Key (thread id, counter), so every one is
-- a new write transaction.  tid is a global: thread:set() sets the thread's
-- global, which a chunk-level local would hide (every thread would be 0).
local counter = 0
tid = 0
function setup(thread)
    tid = tid + 1
    thread:set("tid", tid)
end
function request()
    counter = counter + 1
    local body = '{"lines":[{"sku":"SHOE-1","quantity":1}],"ttl_seconds":3600}'
    return wrk.format("POST", "/v1/reservations", {
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = "bench-" .. tid .. "-" .. counter,
    }, body)
end
EOF

# checkout.lua and carts.py serve both the SQLite and the PostgreSQL runs.
cat >"$work/checkout.lua" <<'EOF'
-- Each request checks out its own pre-created cart (ids in the file given
-- after "--", dealt out round-robin to wrk's threads) with its own
-- Idempotency-Key.  A thread that runs out of carts starts over, and the
-- repeated checkouts show up as non-2xx answers (409).
-- tid is a global on purpose: thread:set() sets the thread's global, which a
-- chunk-level local of the same name would hide.
tid = 0
function setup(thread)
    tid = tid + 1
    thread:set("tid", tid)
end
local carts, next_cart, counter, file, nthreads = nil, 0, 0, nil, 1
function init(args)
    file, nthreads = args[1], tonumber(args[2])
end
-- Each thread reads its share on its first request, when tid is set.
local function load()
    carts = {}
    local i = 0
    for line in io.lines(file) do
        if i % nthreads == tid - 1 then carts[#carts + 1] = line end
        i = i + 1
    end
end
function request()
    -- wrk also calls request() once in its main state, without init().
    if not file then return wrk.format("POST", "/v1/orders") end
    if not carts then load() end
    counter = counter + 1
    next_cart = next_cart % #carts + 1
    return wrk.format("POST", "/v1/orders", {
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = "checkout-" .. tid .. "-" .. counter,
    }, '{"cart_id":"' .. carts[next_cart] .. '"}')
end
EOF
cat >"$work/carts.py" <<'EOF'
# carts.py BASE N OUT SKU... - give every SKU a large stock at berlin
# (PUT /v1/stock, admin), then create N one-line carts over the SKUs, 8
# connections at once, and write their ids to OUT, one a line.
import http.client, json, sys, threading, urllib.parse
base, n, out, skus = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
u = urllib.parse.urlsplit(base)

def call(c, method, path, body):
    c.request(method, path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    if r.status not in (200, 201):
        sys.exit("carts.py: %s %s: %d %s" % (method, path, r.status, data[:200]))
    return json.loads(data)

c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
for sku in skus:
    call(c, "PUT", "/v1/stock/%s/berlin" % sku, {"on_hand": 1000000000})
ids = [None] * n
def work(k):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    for i in range(k, n, 8):
        ids[i] = call(conn, "POST", "/v1/carts", {
            "currency": "EUR", "country": "DE", "customer_group": "retail", "channel": "web",
            "lines": [{"sku": skus[i % len(skus)], "quantity": 1}]})["id"]
threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
if None in ids:
    sys.exit("carts.py: not every cart was created")
open(out, "w").write("\n".join(ids) + "\n")
EOF

cat >"$work/seed_orders.py" <<'EOF'
# seed_orders.py BASE N CURSORS (sqlite:PATH | pg:PGTEMP.PY,DIR) - N orders
# for the list workloads: four real orders made through the API at BASE
# (one pending, one paid and processing, one paid and delivered, one
# canceled) are copied N times by SQL into the store, with new ids and
# carts and created_at 1 ms apart ending now (ids in the service's form:
# the millisecond, then a counter), each with its order_skus row; then
# 2,000 ids of paid orders are written to CURSORS for list-deep.
import http.client, json, sys, time, urllib.parse
base, n, cursors, store = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
u = urllib.parse.urlsplit(base)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

def call(method, path, body, key=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    c.request(method, path, json.dumps(body), headers)
    r = c.getresponse()
    data = r.read()
    if r.status not in (200, 201):
        sys.exit("seed_orders.py: %s %s: %d %s" % (method, path, r.status, data[:200]))
    return json.loads(data)

call("PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": 1000000000})
templates = []
for k, events in enumerate([[], ["capture"], ["capture", "fulfill", "deliver"], ["cancel"]]):
    cart = call("POST", "/v1/carts", {"currency": "EUR", "country": "DE", "customer_group": "retail",
                                      "channel": "web", "lines": [{"sku": "SHOE-1", "quantity": 1}]})
    order = call("POST", "/v1/orders", {"cart_id": cart["id"]}, "seed-%d" % k)
    for i, e in enumerate(events):
        ev = {"id": "seed-%d" % i, "type": e}
        if e == "fulfill":
            ev["lines"] = [{"sku": "SHOE-1", "quantity": 1}]
        order = call("POST", "/v1/orders/%s/events" % order["id"], ev)["order"]
    templates.append(order["id"])
now_us = int(time.time() * 1e6)
first_us, far = now_us - n * 1000, now_us + 10 * 365 * 86400 * 10**6
ids = ",".join("'%s'" % t for t in templates)
t0 = time.time()
if store.startswith("sqlite:"):
    import sqlite3
    db = sqlite3.connect(store[len("sqlite:"):], timeout=60, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN IMMEDIATE")
    db.execute("CREATE TEMP TABLE tpl AS SELECT row_number() OVER (ORDER BY created_at) - 1 AS k,"
               " id, version, state, payment_status, doc FROM orders WHERE id IN (%s)" % ids)
    db.execute("CREATE TEMP TABLE seq AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL"
               " SELECT i + 1 FROM n WHERE i < ?) SELECT i, ? + i * 1000 AS at,"
               " printf('ord_%012x%020x', (? + i * 1000) / 1000, i) AS id FROM n",
               (n - 1, first_us, first_us))
    db.execute("INSERT INTO orders(id, version, state, cart_id, due_at, doc, created_at, updated_at,"
               " payment_status) SELECT s.id, t.version, t.state, 'cart_seed_' || s.i, ?,"
               " replace(t.doc, t.id, s.id), s.at, s.at, t.payment_status FROM seq s"
               " JOIN tpl t ON t.k = s.i % 4", (far,))
    db.execute("INSERT INTO order_skus(sku, created_at, order_id) SELECT 'SHOE-1', at, id FROM seq")
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rows = [r[0] for r in db.execute("SELECT id FROM orders WHERE payment_status = 'paid'"
                                     " AND rowid % 257 = 0 LIMIT 2000")]
else:
    import os
    path, work = store[len("pg:"):].split(",")
    sys.path.insert(0, os.path.dirname(path))
    import pgtemp
    def psql(sql):
        return pgtemp.psql(pgtemp.port_of(work), sql, db="ecom")
    psql("WITH tpl AS (SELECT row_number() OVER (ORDER BY created_at) - 1 AS k, id, version,"
         " state, payment_status, doc FROM orders WHERE id IN (%s)),"
         " seq AS (SELECT i, %d + i::bigint * 1000 AS at, 'ord_' ||"
         " lpad(to_hex((%d + i::bigint * 1000) / 1000), 12, '0') || lpad(to_hex(i), 20, '0') AS id"
         " FROM generate_series(0, %d) AS i),"
         " ins AS (INSERT INTO orders(id, version, state, cart_id, due_at, doc, created_at,"
         " updated_at, payment_status) SELECT s.id, t.version, t.state, 'cart_seed_' || s.i, %d,"
         " replace(t.doc, t.id, s.id), s.at, s.at, t.payment_status FROM seq s JOIN tpl t"
         " ON t.k = s.i %% 4 RETURNING id, created_at)"
         " INSERT INTO order_skus(sku, created_at, order_id) SELECT 'SHOE-1', created_at, id FROM ins"
         % (ids, first_us, first_us, n - 1, far))
    psql("ANALYZE orders; ANALYZE order_skus")
    rows = psql("SELECT id FROM orders WHERE payment_status = 'paid' ORDER BY random()"
                " LIMIT 2000").split()
open(cursors, "w").write("\n".join(rows) + "\n")
print("(seeded %d orders in %.0f s)" % (n, time.time() - t0), file=sys.stderr)
EOF
cat >"$work/list_deep.lua" <<'EOF'
-- The first page after a random paid order (ids in the file given after "--").
local ids = nil
function init(args)
    if not args[1] then return end
    ids = {}
    for line in io.lines(args[1]) do ids[#ids + 1] = line end
end
function request()
    -- wrk also calls request() once in its main state, without init().
    if not ids then return wrk.format("GET", "/v1/orders?limit=20&payment_status=paid") end
    return wrk.format("GET", "/v1/orders?limit=20&payment_status=paid&starting_after=" ..
        ids[math.random(#ids)])
end
EOF

printf '%-11s %12s %10s %10s %10s  %s\n' workload "requests/s" "p50 ms" "p99 ms" "errors" "url"
# Whether workload $1 is selected (BENCH_ONLY), for set-up only it needs.
want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
run() {
    local name=$1 url=$2
    shift 2
    want "$name" || return 0
    # wrk options, then after "--" the script's arguments (after the URL)
    local opts=() rest=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    [ $# -gt 0 ] && rest=("$@")
    local out
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_EACH}s" --latency "${opts[@]}" "$url" "${rest[@]}")
    local rps p50 p99 errs
    rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    errs=$(awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }' <<<"$out")
    printf '%-11s %12s %10s %10s %10s  %s\n' "$name" "$rps" "$p50" "$p99" "${errs:-0}" "$url"
}
run healthz "$base/healthz"
run nginx "http://127.0.0.1:$nport/healthz.json"
run price "$base/v1/price" -s "$work/price.lua"
run stock "$base/v1/stock/SHOE-1"
run reserve "$wbase/v1/reservations" -s "$work/reserve.lua"
want checkout && python3 "$work/carts.py" "$wbase" "$CARTS" "$work/carts.txt" SHOE-1
run checkout "$wbase/v1/orders" -s "$work/checkout.lua" -- "$work/carts.txt" "$THREADS"
if want list || want list-deep; then
    python3 "$work/seed_orders.py" "$base" "$ORDERS" "$work/cursors.txt" "sqlite:$work/reads.db"
    run list "$base/v1/orders?limit=20&payment_status=paid"
    run list-deep "$base/v1/orders" -s "$work/list_deep.lua" -- "$work/cursors.txt"
fi
echo "(wrk -t$THREADS -c$CONNS -d${SECONDS_EACH}s; ecomd --threads $SERVER_THREADS (reserve, checkout: $WRITE_THREADS), nginx $SERVER_THREADS workers;" \
    "latencies as wrk prints them; checkout: $CARTS carts; lists: $ORDERS orders)"

# ---- PostgreSQL: two instances behind HAProxy ------------------------------------
[ "${BENCH_PG:-0}" = 1 ] || exit 0
command -v haproxy >/dev/null || { echo "http.sh: haproxy not found (make deps)" >&2; exit 1; }
pgtemp="$root/tests/http/pgtemp.py"
pg_port=$(python3 "$pgtemp" start "$work" --durable)
trap 'python3 "$pgtemp" stop "$work"; cleanup' EXIT
python3 "$pgtemp" psql "$work" "CREATE DATABASE ecom" >/dev/null
store="postgresql://ecom@127.0.0.1:$pg_port/ecom"
python3 - "$work" <<'EOF'
import json, sys
json.dump({"stock": [{"sku": "SKU-%d" % i, "location": "berlin", "on_hand": 1000000000,
                      "safety_stock": 0, "backorder_limit": 0} for i in range(64)]},
          open(sys.argv[1] + "/pgstock.json", "w"))
EOF
{
    printf 'defaults\n    mode http\n    timeout connect 1s\n    timeout client 30s\n    timeout server 30s\n'
    hport=$(free_port)
    printf 'frontend f\n    bind 127.0.0.1:%s\n    default_backend b\n' "$hport"
    printf 'backend b\n    balance leastconn\n    http-reuse always\n'
} >"$work/haproxy.cfg"
for n in 1 2; do
    p=$(free_port)
    "$ECOMD" --listen "127.0.0.1:$p" --store "$store" --threads "$SERVER_THREADS" \
        --rules "$work/rules.json" --stock "$work/pgstock.json" --grace-ms 1 \
        --instance "pg-$n" 2>"$work/ecomd-pg-$n.log" &
    pids+=($!)
    wait_up "http://127.0.0.1:$p/readyz"
    printf '    server pg-%s 127.0.0.1:%s check inter 1s\n' "$n" "$p" >>"$work/haproxy.cfg"
done
haproxy -q -f "$work/haproxy.cfg" &
pids+=($!)
hbase="http://127.0.0.1:$(awk '$1 == "bind" { sub(/.*:/, "", $2); print $2 }' "$work/haproxy.cfg")"
wait_up "$hbase/readyz"
cat >"$work/pgstock.lua" <<'EOF'
local n = 0
function request()
    n = n + 1
    return wrk.format("GET", "/v1/stock/SKU-" .. (n % 64))
end
EOF
cat >"$work/pgreserve.lua" <<'EOF'
-- A new write transaction each (own Idempotency-Key), over 64 SKUs; tid
-- global as in reserve.lua.
local counter = 0
tid = 0
function setup(thread)
    tid = tid + 1
    thread:set("tid", tid)
end
function request()
    counter = counter + 1
    local body = '{"lines":[{"sku":"SKU-' .. (counter % 64) .. '","quantity":1}],"ttl_seconds":3600}'
    return wrk.format("POST", "/v1/reservations", {
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = "pg-" .. tid .. "-" .. counter,
    }, body)
end
EOF
run pg-stock "$hbase/v1/stock/SKU-1" -s "$work/pgstock.lua"
run pg-reserve "$hbase/v1/reservations" -s "$work/pgreserve.lua"
# shellcheck disable=SC2046 # one argument per SKU
want pg-checkout && python3 "$work/carts.py" "$hbase" "$CARTS" "$work/pgcarts.txt" $(printf 'SKU-%d ' $(seq 0 63))
run pg-checkout "$hbase/v1/orders" -s "$work/checkout.lua" -- "$work/pgcarts.txt" "$THREADS"
if want pg-list || want pg-list-deep; then
    python3 "$work/seed_orders.py" "$hbase" "$ORDERS" "$work/pgcursors.txt" "pg:$pgtemp,$work"
    run pg-list "$hbase/v1/orders?limit=20&payment_status=paid"
    run pg-list-deep "$hbase/v1/orders" -s "$work/list_deep.lua" -- "$work/pgcursors.txt"
fi
echo "(PostgreSQL 15 on this machine, fsync on; 2 ecomd --threads $SERVER_THREADS behind HAProxy)"
