"""full.py - the full run of tests/ha/regions (harness.py full): each
region's store is a PostgreSQL cluster under Patroni (two nodes, the
standby synchronous, on an etcd of its own; tests/ha/cluster.py and the
templates of deploy/patroni/), and the instances reach the primary through
libpq's list of hosts with target_session_attrs=read-write.  The single
primary of the comparison is a second database on east's cluster, the far
region reaching it through the delayed link.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import cluster as patroni  # noqa: E402  (tests/ha/cluster.py)

NODES = 2


class ClusterStore:
    """The audit's view of one database of a cluster, through its leader."""

    def __init__(self, c, db):
        self.c, self.db = c, db

    def q(self, sql):
        return [tuple(row) for row in self.c.psql(self.c.leader(), sql, self.db)]


def start_cluster(procs, directory, region):
    home = os.path.join(directory, "pg-" + region)
    os.makedirs(home)
    nodes = {"%s-pg-%d" % (region, i + 1): {"site": region, "failover": True}
             for i in range(NODES)}
    c = patroni.Cluster(home, procs, nodes)
    c.start_etcd(["%s-etcd" % region])
    for name in nodes:
        c.start_patroni(name)
    return c


def ready(c):
    c.wait(lambda: c.healthy(list(c.nodes)), 120, "the cluster's leader and synchronous standby")


def store_uri(c, db):
    hosts = ",".join("%s:%d" % (patroni.HOST, c.pg[n]["port"]) for n in sorted(c.pg))
    return ("postgresql://postgres:%s@%s/%s?target_session_attrs=read-write&connect_timeout=3"
            % (patroni.PASSWORD, hosts, db))


def run(procs, directory, rules, audit, stop, h):
    """Both designs on Patroni; returns their figures (harness.figures)."""
    pg_procs = patroni.Procs()
    clusters = {}

    def stop_clusters():
        pg_procs.stop_all()
        for c in clusters.values():
            c.stop_postgres()
        pg_procs.stop_reaping()
    stop.append(stop_clusters)
    t0 = time.time()
    for r in h.REGIONS:
        clusters[r] = start_cluster(pg_procs, directory, r)
    for c in clusters.values():
        ready(c)
    for r, c in clusters.items():
        c.psql(c.leader(), "CREATE DATABASE ecom")
    clusters["east"].psql(clusters["east"].leader(), "CREATE DATABASE ecom_single")
    print("regions: a Patroni cluster per region ready in %.0f s" % (time.time() - t0))

    print("regions: escrow, a Patroni cluster per region")
    design = h.Escrow(procs, rules, {r: store_uri(c, "ecom") for r, c in clusters.items()})
    load, phases = h.drive(design)
    procs.stop_all()
    dbs = {r: ClusterStore(c, "ecom") for r, c in clusters.items()}
    left = h.figures(load, phases, audit.escrow(dbs, load, h.STOCK))

    print("regions: single primary, east's Patroni cluster")
    east = clusters["east"]
    leader = east.leader()
    port = east.pg[leader]["port"]
    direct = "postgresql://postgres:%s@%s:%d/ecom_single?connect_timeout=3" % (
        patroni.PASSWORD, patroni.HOST, port)
    design = h.SinglePrimary(procs, rules, direct, port)
    load, phases = h.drive(design)
    procs.stop_all()
    right = h.figures(load, phases, audit.single(ClusterStore(east, "ecom_single"), load,
                                                 h.STOCK))
    return left, right
