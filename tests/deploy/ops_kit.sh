# ops_kit.sh - checks of the operations kit (deploy/prometheus, deploy/grafana),
# sourced by tests/deploy/check.sh (make test-deploy, so make test), whose
# ok, bad, $fail and $O it uses:
#   1. promtool accepts the alerting rules and the scrape configuration, and
#      the rules' unit tests (alerts_test.yaml) pass;
#   2. the Grafana dashboard is valid JSON of the shape Grafana imports, with
#      the region and instance variables, and every panel queries something;
#   3. every ecomd_* and process_* metric a rule or a panel names is one a
#      running ecomd exports: an ecomd started here on a free loopback port
#      (a temporary SQLite store) is scraped, and its page read.
# The relay's metrics (ecomd_relay_*) exist only where the relay runs
# (--events, which needs a broker): they are checked against the names
# wrappers/http/relay.c exports.
command -v promtool >/dev/null || bad "promtool not installed (scripts/deps.sh installs prometheus)"
for f in alerts.yaml prometheus.yml; do
    cmd=(promtool check rules "$f")
    [ "$f" = prometheus.yml ] && cmd=(promtool check config "$f")
    if out=$(cd deploy/prometheus && "${cmd[@]}" 2>&1); then ok "${cmd[*]}"; else bad "${cmd[*]}: $out"; fi
done
if out=$(cd deploy/prometheus && promtool test rules alerts_test.yaml 2>&1); then
    ok "promtool test rules alerts_test.yaml"
else
    bad "promtool test rules alerts_test.yaml: $out"
fi

python3 - "$O/bin/ecomd" <<'PY' || fail=1
import glob, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request
import yaml

sys.path.insert(0, "tests/deploy")
from report import bad, expect, failed, ok

ecomd = sys.argv[1]

# ---- the names a PromQL expression reads -------------------------------------------
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan"}
def metric_names(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # strings
    e = re.sub(r"\{[^}]*\}", "", e)                         # label matchers
    e = re.sub(r"\[[^\]]*\]", "", e)                        # ranges
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    e = re.sub(r"\$\w+", "", e)                             # Grafana variables
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        rest = e[m.end():].lstrip()
        if m.group(0).lower() in KEYWORDS or rest.startswith("("):
            continue                                        # a keyword or a function
        names.add(m.group(0))
    return names

# ---- a running ecomd's metrics ------------------------------------------------------------
def exported():
    work = tempfile.mkdtemp(prefix="ops-kit-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(os.path.join(work, "ecomd.log"), "wb")
    proc = subprocess.Popen([ecomd, "--listen", "127.0.0.1:%d" % port, "--store",
                             "sqlite:" + os.path.join(work, "ecom.db"), "--rules", "examples/rules.json",
                             "--poll-ms", "100", "--grace-ms", "10"], stdout=subprocess.DEVNULL, stderr=log)
    try:
        base = "http://127.0.0.1:%d" % port
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.3)  # the poller's first round: the outbox gauges
        page = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    names = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", page, re.M):
        names.add(name)
        if kind == "histogram":
            names |= {name + "_bucket", name + "_sum", name + "_count"}
    return names

if not os.access(ecomd, os.X_OK):
    bad("%s not built (make)" % ecomd)
    sys.exit(1)
have = exported()
expect("ecomd_http_requests_total" in have and "process_open_fds" in have,
       "scraped a running ecomd: %d metric names" % len(have))
# The relay's, from its source: "# TYPE name kind" lines of its page.
RELAY = set(re.findall(r"# TYPE (ecomd_relay_\w+) ", open("wrappers/http/relay.c").read()))
expect(len(RELAY) >= 3, "relay.c exports %d metrics" % len(RELAY))

def check_names(where, exprs):
    for expr in exprs:
        for name in sorted(metric_names(expr)):
            if not name.startswith(("ecomd_", "process_")):
                continue  # HAProxy's, postgres_exporter's, Patroni's
            if name in have:
                ok("%s: %s is exported" % (where, name))
            elif name in RELAY:
                ok("%s: %s is exported by the relay (with --events)" % (where, name))
            else:
                bad("%s: %s is not exported by ecomd" % (where, name))

# ---- the alerting rules ----------------------------------------------------------------------
rules = yaml.safe_load(open("deploy/prometheus/alerts.yaml"))
exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
expect(len(exprs) >= 10, "alerts.yaml has %d rules" % len(exprs))
check_names("alerts.yaml", exprs)
tested = yaml.safe_load(open("deploy/prometheus/alerts_test.yaml"))
names = {r["alert"] for g in rules["groups"] for r in g["rules"]}
covered = {t["alertname"] for c in tested["tests"] for t in c["alert_rule_test"] if t["exp_alerts"]}
expect(names == covered, "every alert is unit-tested firing (missing: %s)" % sorted(names - covered))

# ---- the dashboard ---------------------------------------------------------------------------
for path in sorted(glob.glob("deploy/grafana/*.json")):
    try:
        dash = json.load(open(path))
    except ValueError as e:
        bad("%s is not JSON: %s" % (path, e))
        continue
    ok("%s is JSON" % path)
    for key in ("title", "uid", "panels", "templating", "schemaVersion"):
        expect(key in dash, "%s has %s" % (path, key))
    variables = {v["name"] for v in dash.get("templating", {}).get("list", [])}
    expect({"datasource", "region", "instance"} <= variables, "%s: datasource, region and instance variables" % path)
    ids = [p.get("id") for p in dash.get("panels", [])]
    expect(len(ids) == len(set(ids)), "%s: panel ids unique" % path)
    queried = []
    for p in dash.get("panels", []):
        if p.get("type") == "row":
            continue
        g = p.get("gridPos", {})
        expect(all(k in g for k in "hwxy") and g["x"] + g["w"] <= 24,
               "%s: panel %r placed on the grid" % (path, p.get("title")))
        targets = [t.get("expr", "") for t in p.get("targets", [])]
        expect(targets and all(targets), "%s: panel %r queries something" % (path, p.get("title")))
        queried += targets
    text = json.dumps(dash)
    for what in ("ecomd_orders_total", "insufficient_stock", "ecomd_store_errors_total",
                 "ecomd_http_request_duration_seconds_bucket", "ecomd_relay_lag_seconds",
                 "group_left (region)"):
        expect(what in text, "%s: shows %s" % (path, what))
    check_names(path, queried)
sys.exit(1 if failed else 0)
PY
