/* store_sqlite_sql.h - the SQLite adapter's schema migrations and
 * statements (included by store_sqlite.c only).
 *
 * Migrations are append-only: migration N runs once, when schema_version
 * is below N, and is never edited after release.  Statements are all
 * parameterised; times are microseconds since the Unix epoch. */
#ifndef ECOMD_STORE_SQLITE_SQL_H
#define ECOMD_STORE_SQLITE_SQL_H

static const char *const sq_migrations[] = {
    /* 1: rulesets, the outbox, idempotency keys */
    "CREATE TABLE rules(version INTEGER PRIMARY KEY, body TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL,"
    "  at TEXT NOT NULL, data TEXT NOT NULL);"
    "CREATE TABLE idempotency(owner TEXT NOT NULL, key TEXT NOT NULL, hash BLOB NOT NULL,"
    "  status INTEGER NOT NULL, body BLOB NOT NULL, created_at INTEGER NOT NULL,"
    "  PRIMARY KEY(owner, key));",
    /* 2: stock and reservations (formats.md 5).  A reservation keeps its
     * whole document in `doc`; its lines are also rows, so that the
     * reservations holding a SKU are found by index. */
    "CREATE TABLE stock(sku TEXT NOT NULL, location TEXT NOT NULL, on_hand INTEGER NOT NULL,"
    "  safety_stock INTEGER NOT NULL, backorder_limit INTEGER NOT NULL,"
    "  PRIMARY KEY(sku, location)) WITHOUT ROWID;"
    "CREATE TABLE reservations(id TEXT PRIMARY KEY, status TEXT NOT NULL,"
    "  expires_at INTEGER NOT NULL, order_id TEXT, doc TEXT NOT NULL);"
    "CREATE INDEX reservations_status_expiry ON reservations(status, expires_at);"
    "CREATE TABLE reservation_lines(reservation_id TEXT NOT NULL, sku TEXT NOT NULL,"
    "  location TEXT NOT NULL, quantity INTEGER NOT NULL,"
    "  PRIMARY KEY(reservation_id, sku, location)) WITHOUT ROWID;"
    "CREATE INDEX reservation_lines_sku ON reservation_lines(sku, reservation_id);",
    /* 3: carts; `doc` holds the cart's context, lines and coupons. */
    "CREATE TABLE carts(id TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);",
    /* 4: orders and promotion usage.  An order row keeps its envelope
     * document (order, pricing, stock bookkeeping) in `doc`; state and
     * due_at let the sweeper find pending orders past their payment time.
     * cart_id is unique: a cart is checked out once. */
    "CREATE TABLE orders(id TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL,"
    "  cart_id TEXT NOT NULL UNIQUE, due_at INTEGER NOT NULL, doc TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX orders_state_due ON orders(state, due_at);"
    "CREATE TABLE promotion_uses(promotion_id TEXT PRIMARY KEY, uses INTEGER NOT NULL);",
    /* 5: what the active and committed reservations hold at each location
     * (stock_rows.h), so that a write reads it instead of summing them. */
    "ALTER TABLE stock ADD COLUMN held INTEGER NOT NULL DEFAULT 0;"
    "UPDATE stock SET held = coalesce((SELECT sum(l.quantity) FROM reservation_lines l"
    "  JOIN reservations r ON r.id = l.reservation_id"
    "  WHERE r.status IN ('active', 'committed') AND l.sku = stock.sku"
    "  AND l.location = stock.location), 0);",
    /* 6: the sweeper forgets old idempotency keys in creation order. */
    "CREATE INDEX idempotency_created ON idempotency(created_at);",
    /* 7: orders of version 2 (every line's amounts; units that leave take
     * their share) and reservations that ship, release and restock some of
     * their units.  A reservation's lines keep their order and progress;
     * a shipped one of before shipped every unit.  Orders of version 1
     * cannot be read as version 2: the migration refuses a store that
     * holds any (the CHECK fails), and the operator drains them first. */
    "CREATE TABLE orders_v1_check(n INTEGER"
    "  CONSTRAINT orders_of_version_1_must_be_drained_first CHECK (n = 0));"
    "INSERT INTO orders_v1_check SELECT count(*) FROM orders;"
    "DROP TABLE orders_v1_check;"
    "ALTER TABLE reservation_lines ADD COLUMN position INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE reservation_lines ADD COLUMN shipped INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE reservation_lines ADD COLUMN released INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE reservation_lines ADD COLUMN returned INTEGER NOT NULL DEFAULT 0;"
    "UPDATE reservation_lines SET shipped = quantity WHERE reservation_id IN"
    "  (SELECT id FROM reservations WHERE status = 'shipped');",
    /* 8 and 9 belong to work not in this branch yet (lists and indexes;
     * the event relay); until it lands they hold their numbers and do
     * nothing, so that the regions' tables are 10 in every store. */
    "SELECT 1;",
    "SELECT 1;",
    /* 10: regions (docs/regions.md).  The transfers this region debited
     * and credited (each kept as its document, with the columns the
     * deliverer and the metrics query), the regions declared lost and by
     * whom, the other regions' figures as last reported, this region's
     * demand per SKU and second, and the leases that make one instance
     * at a time deliver and rebalance. */
    "CREATE TABLE region_transfers(id TEXT PRIMARY KEY, from_region TEXT NOT NULL,"
    "  to_region TEXT NOT NULL, sku TEXT NOT NULL, kind TEXT NOT NULL,"
    "  quantity INTEGER NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX region_transfers_pending ON region_transfers(status, to_region, created_at);"
    "CREATE TABLE region_lost(region TEXT PRIMARY KEY, at INTEGER NOT NULL, by TEXT NOT NULL,"
    "  reason TEXT NOT NULL);"
    "CREATE TABLE region_view(region TEXT NOT NULL, sku TEXT NOT NULL, rights INTEGER NOT NULL,"
    "  demand INTEGER NOT NULL, locations TEXT NOT NULL, reported_at INTEGER NOT NULL,"
    "  PRIMARY KEY(region, sku)) WITHOUT ROWID;"
    "CREATE INDEX region_view_sku ON region_view(sku);"
    "CREATE TABLE region_demand(sku TEXT NOT NULL, second INTEGER NOT NULL,"
    "  units INTEGER NOT NULL, PRIMARY KEY(sku, second)) WITHOUT ROWID;"
    "CREATE INDEX region_demand_second ON region_demand(second);"
    "CREATE TABLE region_leases(name TEXT PRIMARY KEY, holder TEXT NOT NULL,"
    "  until INTEGER NOT NULL);",
};
static const int sq_migration_count = (int)(sizeof sq_migrations / sizeof sq_migrations[0]);

static const char *const sq_sql[SQ_STMT_COUNT] = {
    [SQ_PING] = "SELECT 1",
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_SAVEPOINT] = "SAVEPOINT request",
    [SQ_SAVEPOINT_RELEASE] = "RELEASE request",
    [SQ_SAVEPOINT_UNDO] = "ROLLBACK TO request",
    [SQ_RULES_VERSION] = "SELECT coalesce(max(version), 0) FROM rules",
    [SQ_RULES_CURRENT] = "SELECT version, body FROM rules ORDER BY version DESC LIMIT 1",
    [SQ_RULES_INSERT] = "INSERT INTO rules(version, body, created_at)"
                        " SELECT coalesce(max(version), 0) + 1, ?1, ?2 FROM rules"
                        " RETURNING version",
    [SQ_EVENT_ADD] = "INSERT INTO outbox(type, at, data) VALUES (?1, ?2, ?3)",
    [SQ_EVENTS_LIST] = "SELECT id, type, at, data FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2",
    [SQ_IDEM_GET] = "SELECT hash, status, body FROM idempotency WHERE owner = ?1 AND key = ?2",
    [SQ_IDEM_PUT] = "INSERT INTO idempotency(owner, key, hash, status, body, created_at)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQ_RES_LOAD] = "SELECT status, expires_at, order_id FROM reservations WHERE id = ?1",
    [SQ_RES_LINES_LOAD] = "SELECT sku, location, quantity, shipped, released, returned"
                          " FROM reservation_lines WHERE reservation_id = ?1"
                          " ORDER BY position, sku, location",
    /* Active reservations other than ?2 past their expiry at ?3 that the
     * sweeper has not reached: few, found through the (status, expires_at)
     * index; CROSS JOIN keeps SQLite from starting at the SKU's lines. */
    [SQ_LAPSED_LOAD] = "SELECT l.sku, l.location, sum(l.quantity - l.shipped - l.released)"
                       " FROM reservations r"
                       " CROSS JOIN reservation_lines l ON l.reservation_id = r.id"
                       " WHERE r.status = 'active' AND r.expires_at <= ?3 AND r.id <> ?2"
                       " AND l.sku IN (SELECT value FROM json_each(?1))"
                       " GROUP BY l.sku, l.location",
    [SQ_STOCK_LOAD] = "SELECT sku, location, on_hand, safety_stock, backorder_limit, held"
                      " FROM stock"
                      " WHERE sku IN (SELECT value FROM json_each(?1)) ORDER BY sku, location",
    [SQ_STOCK_SAVE] = "INSERT INTO stock(sku, location, on_hand, safety_stock, backorder_limit)"
                      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(sku, location) DO UPDATE SET"
                      " on_hand = excluded.on_hand, safety_stock = excluded.safety_stock,"
                      " backorder_limit = excluded.backorder_limit",
    [SQ_HELD_ADD] = "UPDATE stock SET held = held + ?3 WHERE sku = ?1 AND location = ?2",
    [SQ_RES_SAVE] = "INSERT INTO reservations(id, status, expires_at, order_id, doc)"
                    " VALUES (?1, ?2, ?3, ?4, '') ON CONFLICT(id) DO UPDATE SET"
                    " status = excluded.status, expires_at = excluded.expires_at,"
                    " order_id = excluded.order_id",
    [SQ_RES_LINES_DELETE] = "DELETE FROM reservation_lines WHERE reservation_id = ?1",
    [SQ_RES_LINE_SAVE] = "INSERT INTO reservation_lines(reservation_id, sku, location, quantity,"
                         " position, shipped, released, returned)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO UPDATE SET"
                         " quantity = quantity + excluded.quantity,"
                         " shipped = shipped + excluded.shipped,"
                         " released = released + excluded.released,"
                         " returned = returned + excluded.returned",
    [SQ_CART_GET] = "SELECT version, doc FROM carts WHERE id = ?1",
    [SQ_CART_INSERT] = "INSERT INTO carts(id, version, doc, created_at, updated_at)"
                       " VALUES (?1, ?2, ?3, ?4, ?4)",
    [SQ_CART_UPDATE] = "UPDATE carts SET version = ?2, doc = ?3, updated_at = ?4"
                       " WHERE id = ?1 AND version = ?2 - 1",
    [SQ_ORDER_GET] = "SELECT version, doc FROM orders WHERE id = ?1",
    [SQ_ORDER_INSERT] = "INSERT INTO orders(id, version, state, cart_id, due_at, doc, created_at,"
                        " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
    [SQ_ORDER_UPDATE] = "UPDATE orders SET version = ?2, state = ?3, doc = ?6, updated_at = ?7"
                        " WHERE id = ?1 AND version = ?2 - ?5",
    [SQ_ORDER_BY_CART] = "SELECT id FROM orders WHERE cart_id = ?1",
    [SQ_ORDERS_DUE] = "SELECT id FROM orders WHERE state IN ('pending_payment', 'payment_failed')"
                      " AND due_at <= ?1 ORDER BY due_at LIMIT ?2",
    [SQ_PROMO_USES] = "SELECT promotion_id, uses FROM promotion_uses",
    [SQ_PROMO_USE_ADD] = "INSERT INTO promotion_uses(promotion_id, uses) VALUES (?1, max(?2, 0))"
                         " ON CONFLICT(promotion_id) DO UPDATE SET uses = max(uses + ?2, 0)",
    /* The sweeper, in one transaction: first what the reservations it is
     * about to expire held, then their status. */
    [SQ_HELD_EXPIRE] = "UPDATE stock SET held = stock.held - e.quantity FROM"
                       " (SELECT l.sku, l.location, sum(l.quantity - l.shipped - l.released)"
                       " AS quantity FROM reservations r"
                       " CROSS JOIN reservation_lines l ON l.reservation_id = r.id"
                       " WHERE r.status = 'active' AND r.expires_at <= ?1"
                       " GROUP BY l.sku, l.location) AS e"
                       " WHERE stock.sku = e.sku AND stock.location = e.location",
    /* Retention: the oldest keys, and the oldest events (ids follow time,
     * so the first ones by id are the old ones; no scan of the rest). */
    [SQ_PRUNE_KEYS] = "DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency"
                      " WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)",
    [SQ_PRUNE_EVENTS] =
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?2)"
        " AND at < ?1",
    /* The sweeper: conditional, so that instances sweeping at once never
     * expire a reservation twice or one that was committed meanwhile. */
    [SQ_RES_EXPIRE] = "UPDATE reservations SET status = 'expired'"
                      " WHERE status = 'active' AND expires_at <= ?1",
};

#endif /* ECOMD_STORE_SQLITE_SQL_H */
