#!/usr/bin/env bash
# check.sh - static checks of the deployment kit (deploy/); no container
# engine needed.  Run by `make test` (test-deploy).
#   1. HAProxy accepts deploy/haproxy.cfg, which keeps the settings the
#      drain and retry behaviour depend on; the same for the database's
#      HAProxy, and the Patroni and etcd templates keep their settings.
#   2. Every YAML file parses, and the manifests carry what docs/operations.md
#      promises (probes, PDB, HPA, zone spreading, preStop, read-only root).
#   3. deploy/Dockerfile builds with the packages of scripts/deps.sh and make
#      targets that exist, and its runtime stage installs the package of
#      every library the built ecomd and ecom link.
#   4. The operations kit (tests/deploy/ops_kit.sh): the Prometheus rules and
#      their unit tests, the scrape configuration, the Grafana dashboard.
# Prints one line per check; exits non-zero on any failure.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
O=${O:-build}
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1" >&2; fail=1; }

# ---- 1. HAProxy ------------------------------------------------------------------
if out=$(haproxy -c -q -f deploy/haproxy.cfg 2>&1); then ok "haproxy -c deploy/haproxy.cfg"; else
    bad "haproxy -c deploy/haproxy.cfg: $out"; fi
for want in 'retry-on all-retryable-errors' 'option redispatch' 'option httpchk GET /readyz' \
    'inter 200ms fall 1 rise 2'; do
    if grep -qF "$want" deploy/haproxy.cfg; then ok "haproxy.cfg has '$want'"; else
        bad "haproxy.cfg lacks '$want'"; fi
done

# ---- 1b. the database's HAProxy and the Patroni and etcd templates ------------------
# tests/ha/failover.py runs them; here, that they keep what docs/operations.md
# says they do, and that HAProxy accepts the rendered database front.
pg_cfg=$(mktemp)
sed -e 's/@HOST@/127.0.0.1/; s/@PORT@/5432/' deploy/patroni/haproxy-pg.cfg.in >"$pg_cfg"
echo "    server pg-1 127.0.0.1:5433 check port 8008" >>"$pg_cfg"
if out=$(haproxy -c -q -f "$pg_cfg" 2>&1); then ok "haproxy -c deploy/patroni/haproxy-pg.cfg.in"; else
    bad "haproxy -c deploy/patroni/haproxy-pg.cfg.in: $out"; fi
rm -f "$pg_cfg"
for want in 'option httpchk GET /primary' 'on-marked-down shutdown-sessions'; do
    if grep -qF "$want" deploy/patroni/haproxy-pg.cfg.in; then ok "haproxy-pg.cfg.in has '$want'"; else
        bad "haproxy-pg.cfg.in lacks '$want'"; fi
done
for want in 'synchronous_mode: true' 'synchronous_mode_strict: true' 'primary_start_timeout: 0' \
    'bin_dir: /usr/lib/postgresql/15/bin' 'use_pg_rewind: true'; do
    if grep -qF "$want" deploy/patroni/patroni.yml.in; then ok "patroni.yml.in has '$want'"; else
        bad "patroni.yml.in lacks '$want'"; fi
done
if grep -q '^etcd:$' deploy/patroni/patroni.yml.in && grep -qx 'enable-v2: true' deploy/patroni/etcd.yml.in
then ok "Patroni on etcd's v2 API"; else bad "Patroni must use etcd's v2 API (etcd: and enable-v2)"; fi

# ---- 2 and 3 in Python -------------------------------------------------------------
python3 - "$O" <<'PY' || fail=1
import glob, os, re, subprocess, sys
import yaml

sys.path.insert(0, "tests/deploy")
from report import bad, expect, failed, ok

O = sys.argv[1]

docs = {}
files = sorted(glob.glob("deploy/**/*.yaml", recursive=True) + glob.glob("deploy/**/*.yml", recursive=True))
expect(len(files) >= 5, "deploy/ has the compose file and the manifests (%d YAML files)" % len(files))
for f in files:
    try:
        docs[f] = [d for d in yaml.safe_load_all(open(f)) if d is not None]
        ok("%s parses (%d documents)" % (f, len(docs[f])))
    except yaml.YAMLError as e:
        bad("%s does not parse: %s" % (f, e))

# Kubernetes: every document has apiVersion and kind; collect them by kind.
kinds = {}
for f, ds in docs.items():
    if not f.startswith("deploy/k8s/"):
        continue
    for d in ds:
        expect(isinstance(d, dict) and "apiVersion" in d and "kind" in d, "%s: apiVersion and kind" % f)
        kinds.setdefault(d.get("kind"), []).append(d)
for k in ("Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
    expect(k in kinds, "k8s manifests include a %s" % k)
if "Deployment" in kinds:
    pod = kinds["Deployment"][0]["spec"]["template"]["spec"]
    c = pod["containers"][0]
    expect(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz", "readiness probe on /readyz")
    expect(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz", "liveness probe on /healthz")
    expect("requests" in c.get("resources", {}) and "limits" in c.get("resources", {}), "resources set")
    expect(c.get("securityContext", {}).get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem")
    expect("preStop" in c.get("lifecycle", {}), "preStop drain")
    keys = [t.get("topologyKey") for t in pod.get("topologySpreadConstraints", [])]
    expect("topology.kubernetes.io/zone" in keys, "spread across zones")
    expect(pod.get("securityContext", {}).get("runAsNonRoot") is True, "runs as non-root")
    labels = kinds["Deployment"][0]["spec"]["selector"]["matchLabels"]
    for k in ("Service", "PodDisruptionBudget"):
        for d in kinds.get(k, []):
            sel = d["spec"]["selector"]
            sel = sel.get("matchLabels", sel)
            expect(sel == labels, "%s selects the Deployment's pods" % k)
    if "ConfigMap" in kinds:
        import json
        rules = kinds["ConfigMap"][0]["data"]["rules.json"]
        try:
            json.loads(rules)
            ok("ConfigMap rules.json is JSON")
        except ValueError as e:
            bad("ConfigMap rules.json: %s" % e)

compose = docs.get("deploy/compose.yaml", [{}])[0]
services = compose.get("services", {})
for s in ("postgres", "haproxy", "ecomd-east-1", "ecomd-east-2", "ecomd-west-1", "ecomd-west-2"):
    expect(s in services, "compose has service %s" % s)
for s, d in services.items():
    if s.startswith("ecomd-"):
        env = d.get("environment", {})
        expect(env.get("ECOMD_STORE", "").startswith("postgresql://"), "%s uses the PostgreSQL store" % s)
        expect(env.get("ECOMD_INSTANCE") == s[len("ecomd-"):], "%s has its instance label" % s)
cfg = open("deploy/haproxy.cfg").read()
for s in services:
    if s.startswith("ecomd-"):
        expect(re.search(r"^\s*server\s+\S+\s+%s:8080\b" % re.escape(s), cfg, re.M) is not None,
               "haproxy.cfg routes to %s" % s)

# ---- Dockerfile against scripts/deps.sh, the Makefile and the built programs ----
text = open("deploy/Dockerfile").read().replace("\\\n", " ")
stages = re.split(r"^FROM\s+", text, flags=re.M)[1:]
expect(len(stages) == 2, "Dockerfile has two stages")
build, runtime = stages[0], stages[-1]
expect(build.startswith("debian:12 "), "build stage on debian:12")
expect(runtime.startswith("debian:12-slim"), "runtime stage on debian:12-slim")
def apt_packages(stage):
    pk = []
    for m in re.finditer(r"apt-get install ([^&\n]*)", stage):
        pk += [w for w in m.group(1).split() if not w.startswith("-")]
    return pk
deps = subprocess.run(["bash", "scripts/deps.sh", "list"], capture_output=True, text=True, check=True).stdout.split()
bpk = apt_packages(build)
expect(bpk != [], "build stage installs packages")
for p in bpk:
    expect(p in deps, "build-stage package %s is in scripts/deps.sh" % p)
# Every library -dev package of deps.sh, except those only the tests and
# fuzzers use, is needed to build the programs.
test_only = {"libcunit1-dev", "libclang-rt-14-dev"}
for p in deps:
    if p.endswith("-dev") and p not in test_only:
        expect(p in bpk, "scripts/deps.sh package %s is in the build stage" % p)
targets = re.findall(r"RUN\s+make\s+(?:-j\S*\s+)?([a-z][\w-]*)", build)
expect(targets != [], "build stage runs make")
readme = open("README.md").read()
for t in targets:
    r = subprocess.run(["make", "-n", t], capture_output=True, text=True)
    expect(r.returncode == 0, "make target %s exists" % t)
    expect(("`make %s`" % t) in readme or ("(`%s`)" % t) in readme, "README documents make %s" % t)
expect(re.search(r"^USER\s+(?!0\b|root\b)\S+", runtime, re.M) is not None, "runtime stage runs as non-root")
expect(re.search(r"^HEALTHCHECK\s", runtime, re.M) is not None, "runtime stage has a HEALTHCHECK")
expect(not any(p.endswith("-dev") or p in ("build-essential", "make") for p in apt_packages(runtime)),
       "runtime stage has no -dev packages or compilers")
rpk = set(apt_packages(runtime))
for prog in ("ecomd", "ecom"):
    path = os.path.join(O, "bin", prog)
    if not os.path.exists(path):
        bad("%s not built (make)" % path)
        continue
    dyn = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
    for lib in re.findall(r"\(NEEDED\).*\[(.+)\]", dyn):
        if lib.startswith(("libc.so", "libm.so", "libpthread", "libdl", "ld-linux", "libasan", "libubsan")):
            continue  # libc6 is in every Debian image; sanitizer runtimes only in test builds
        owner = subprocess.run(["dpkg", "-S", "*/" + lib], capture_output=True, text=True).stdout
        pkgs = {l.split(":")[0] for l in owner.splitlines() if l}
        expect(pkgs & rpk, "%s links %s: package %s is in the runtime stage" % (prog, lib, "/".join(sorted(pkgs)) or "?"))
sys.exit(1 if failed else 0)
PY
# ---- 4. the operations kit: alerts, their unit tests, the dashboard ----------
. tests/deploy/ops_kit.sh

if [ $fail -eq 0 ]; then echo "deploy: all checks passed"; else echo "deploy: some checks failed" >&2; fi
exit $fail
