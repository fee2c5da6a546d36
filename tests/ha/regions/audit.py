"""audit.py - what tests/ha/regions checks once the clients stopped: from
the stores themselves, never from what an instance says.

- oversold units: per SKU, the units of the reservations that hold or were
  shipped (every order's), over every region's store, beyond the stock;
- stock rights lost or duplicated (escrow only): per SKU, every region's
  share (on_hand at each location: no unit ships in this workload) plus the
  units of transfers debited and not credited by the region they went to,
  against the stock;
- locations holding more than they have: held (recounted from the
  reservations' lines) above on_hand - safety_stock + backorder_limit;
- acknowledged orders missing: order ids a client received with 201 that
  are not in its region's store.
"""
import sqlite3

import pgtemp

HOLDING = "('active', 'committed', 'shipped')"
SOLD = ("SELECT l.sku, sum(l.quantity - l.released) FROM reservation_lines l"
        " JOIN reservations r ON r.id = l.reservation_id"
        " WHERE r.status IN " + HOLDING + " GROUP BY l.sku")
OVERHELD = ("SELECT count(*) FROM stock s JOIN (SELECT l.sku, l.location,"
            " sum(l.quantity - l.shipped - l.released) AS held FROM reservation_lines l"
            " JOIN reservations r ON r.id = l.reservation_id"
            " WHERE r.status IN ('active', 'committed') GROUP BY l.sku, l.location) h"
            " ON h.sku = s.sku AND h.location = s.location"
            " WHERE h.held > s.on_hand - s.safety_stock + s.backorder_limit")


class SqliteStore:
    def __init__(self, path):
        self.path = path

    def q(self, sql):
        db = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True)
        try:
            return [tuple(str(v) for v in row) for row in db.execute(sql)]
        finally:
            db.close()


class PgStore:
    def __init__(self, port, db):
        self.port, self.db = port, db

    def q(self, sql):
        out = pgtemp.psql(self.port, sql, db=self.db)
        return [tuple(line.split("\t")) for line in out.splitlines() if line]


def sold(stores):
    units = {}
    for s in stores:
        for sku, n in s.q(SOLD):
            units[sku] = units.get(sku, 0) + int(n)
    return units


def oversold(stores, stock):
    units = sold(stores)
    return sum(max(0, units.get(sku, 0) - total) for sku, (_, total) in stock.items())


def missing(store, order_ids):
    present = {row[0] for row in store.q("SELECT id FROM orders")}
    return sum(1 for o in order_ids if o not in present)


def in_flight(dbs):
    """Units per SKU debited by one region and not credited by the other."""
    credited = {r: {row[0] for row in db.q("SELECT id FROM region_transfers"
                                            " WHERE status = 'credited'")}
                for r, db in dbs.items()}
    units = {}
    for r, db in dbs.items():
        for tid, to, sku, q in db.q("SELECT id, to_region, sku, quantity FROM region_transfers"
                                     " WHERE from_region = '%s'"
                                     " AND status IN ('pending', 'delivered')" % r):
            if tid not in credited.get(to, set()):
                units[sku] = units.get(sku, 0) + int(q)
    return units


def escrow(dbs, load, stock):
    shares = {}
    for db in dbs.values():
        for sku, n in db.q("SELECT sku, sum(on_hand) FROM stock GROUP BY sku"):
            shares[sku] = shares.get(sku, 0) + int(n)
    flight = in_flight(dbs)
    return {"oversold": oversold(dbs.values(), stock),
            "rights_diff": sum(abs(shares.get(s, 0) + flight.get(s, 0) - total)
                               for s, (_, total) in stock.items()),
            "overheld": sum(int(db.q(OVERHELD)[0][0]) for db in dbs.values()),
            "missing": sum(missing(db, load.orders(r)) for r, db in dbs.items())}


def single(db, load, stock):
    return {"oversold": oversold([db], stock), "rights_diff": None,
            "overheld": int(db.q(OVERHELD)[0][0]),
            "missing": sum(missing(db, load.orders(r)) for r in ("east", "west"))}
