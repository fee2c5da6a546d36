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
    /* 2: stock and reservations (docs/reference/inventory.md).  A reservation keeps its
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
    /* 8: the other promotion limits: uses per customer, uses of each
     * coupon code (its key: ASCII lower case), what each promotion spent
     * per currency; and what each order counted, so that a canceled
     * order gives back exactly that.  Orders of before counted one use of
     * each of their promotions, which is what they give back. */
    "CREATE TABLE customer_promotion_uses(promotion_id TEXT NOT NULL, customer TEXT NOT NULL,"
    "  uses INTEGER NOT NULL, PRIMARY KEY(customer, promotion_id)) WITHOUT ROWID;"
    "CREATE TABLE coupon_uses(code TEXT PRIMARY KEY, uses INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE promotion_spent(currency TEXT NOT NULL, promotion_id TEXT NOT NULL,"
    "  spent INTEGER NOT NULL, PRIMARY KEY(currency, promotion_id)) WITHOUT ROWID;"
    "CREATE TABLE order_promotion_uses(order_id TEXT NOT NULL, promotion_id TEXT NOT NULL,"
    "  code TEXT NOT NULL, customer TEXT NOT NULL, currency TEXT NOT NULL,"
    "  uses INTEGER NOT NULL, spent INTEGER NOT NULL,"
    "  PRIMARY KEY(order_id, promotion_id, code)) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO order_promotion_uses SELECT o.id, json_extract(p.value, '$.id'),"
    "  '', '', '', 1, 0 FROM orders o, json_each(o.doc, '$.promotions') p;",
    /* 9: the outbox relay (relay.c): per relay (its stream's name), the
     * last event id the broker acknowledged and when an instance of it was
     * last seen; and the lease one instance holds to publish. */
    "CREATE TABLE relay_positions(relay TEXT PRIMARY KEY, position INTEGER NOT NULL,"
    "  seen_at INTEGER NOT NULL);"
    "CREATE TABLE relay_leases(relay TEXT PRIMARY KEY, holder TEXT NOT NULL,"
    "  expires_at INTEGER NOT NULL);",
    /* 10: lists, newest first by (created_at, id) (list_sql.c).  Orders keep
     * their payment status next to their state, both written at every put;
     * order_skus has one row per SKU of an order (its lines never change),
     * keyed for a SKU's orders newest first.  Reservations get created_at:
     * a checkout's from its order, older others 0 (listed last, by id). */
    "ALTER TABLE orders ADD COLUMN payment_status TEXT NOT NULL DEFAULT '';"
    "UPDATE orders SET payment_status = coalesce(json_extract(doc, '$.payment.status'), '');"
    "CREATE INDEX orders_created ON orders(created_at, id);"
    "CREATE INDEX orders_state_created ON orders(state, created_at, id);"
    "CREATE INDEX orders_payment_created ON orders(payment_status, created_at, id);"
    "CREATE TABLE order_skus(sku TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  order_id TEXT NOT NULL, PRIMARY KEY(sku, created_at, order_id)) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO order_skus(sku, created_at, order_id)"
    "  SELECT json_extract(l.value, '$.sku'), o.created_at, o.id"
    "  FROM orders o, json_each(o.doc, '$.lines') l;"
    "ALTER TABLE reservations ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;"
    "UPDATE reservations SET created_at = coalesce((SELECT o.created_at FROM orders o"
    "  WHERE o.id = reservations.order_id), 0);"
    "CREATE INDEX reservations_created ON reservations(created_at, id);"
    "CREATE INDEX carts_created ON carts(created_at, id);",
    /* 11: regions (docs/regions.md).  The transfers this region debited
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
    [SQ_RES_SAVE] = "INSERT INTO reservations(id, status, expires_at, order_id, doc, created_at)"
                    " VALUES (?1, ?2, ?3, ?4, '', ?5) ON CONFLICT(id) DO UPDATE SET"
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
                        " updated_at, payment_status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
    [SQ_ORDER_UPDATE] = "UPDATE orders SET version = ?2, state = ?3, doc = ?6, updated_at = ?7,"
                        " payment_status = ?8 WHERE id = ?1 AND version = ?2 - ?5",
    [SQ_ORDER_SKUS_ADD] = "INSERT OR IGNORE INTO order_skus(sku, created_at, order_id)"
                          " SELECT value, ?2, ?3 FROM json_each(?1)",
    [SQ_OUTBOX_ENDS] = "SELECT f.id, f.at, l.id, l.at FROM"
                       " (SELECT id, at FROM outbox ORDER BY id LIMIT 1) AS f,"
                       " (SELECT id, at FROM outbox ORDER BY id DESC LIMIT 1) AS l",
    [SQ_ORDER_BY_CART] = "SELECT id FROM orders WHERE cart_id = ?1",
    [SQ_ORDERS_DUE] = "SELECT id FROM orders WHERE state IN ('pending_payment', 'payment_failed')"
                      " AND due_at <= ?1 ORDER BY due_at LIMIT ?2",
    /* Promotion counts (store_sqlite_promotions.c). */
    [SQ_PROMO_USES] = "SELECT promotion_id, uses FROM promotion_uses",
    [SQ_CUSTOMER_USES] = "SELECT promotion_id, uses FROM customer_promotion_uses"
                         " WHERE customer = ?1",
    [SQ_COUPON_USES] = "SELECT uses FROM coupon_uses WHERE code = ?1",
    [SQ_PROMO_SPENT] = "SELECT promotion_id, spent FROM promotion_spent WHERE currency = ?1",
    [SQ_USE_KEEP] = "INSERT INTO order_promotion_uses(order_id, promotion_id, code, customer,"
                    " currency, uses, spent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SQ_PROMO_USE_ADD] = "INSERT INTO promotion_uses(promotion_id, uses) VALUES (?2, ?6)"
                         " ON CONFLICT(promotion_id) DO UPDATE SET uses = uses + ?6",
    [SQ_CUSTOMER_USE_ADD] = "INSERT INTO customer_promotion_uses(promotion_id, customer, uses)"
                            " VALUES (?2, ?4, ?6) ON CONFLICT(customer, promotion_id)"
                            " DO UPDATE SET uses = uses + ?6",
    [SQ_COUPON_USE_ADD] = "INSERT INTO coupon_uses(code, uses) VALUES (?3, 1)"
                          " ON CONFLICT(code) DO UPDATE SET uses = uses + 1",
    [SQ_SPENT_ADD] =
        "INSERT INTO promotion_spent(currency, promotion_id, spent) VALUES (?5, ?2, ?7)"
        " ON CONFLICT(currency, promotion_id) DO UPDATE SET spent = spent + ?7",
    /* Giving back: each count less what the order's rows add to it. */
    [SQ_PROMO_USE_BACK] = "UPDATE promotion_uses SET uses = max(uses - (SELECT sum(u.uses)"
                          " FROM order_promotion_uses u WHERE u.order_id = ?1"
                          " AND u.promotion_id = promotion_uses.promotion_id), 0)"
                          " WHERE promotion_id IN (SELECT promotion_id FROM order_promotion_uses"
                          " WHERE order_id = ?1 AND uses > 0)",
    [SQ_CUSTOMER_USE_BACK] = "UPDATE customer_promotion_uses SET uses = max(uses - (SELECT"
                             " sum(u.uses) FROM order_promotion_uses u WHERE u.order_id = ?1"
                             " AND u.promotion_id = customer_promotion_uses.promotion_id"
                             " AND u.customer = customer_promotion_uses.customer), 0)"
                             " WHERE (customer, promotion_id) IN (SELECT customer, promotion_id"
                             " FROM order_promotion_uses WHERE order_id = ?1 AND uses > 0"
                             " AND customer <> '')",
    [SQ_COUPON_USE_BACK] = "UPDATE coupon_uses SET uses = max(uses - (SELECT count(*)"
                           " FROM order_promotion_uses u WHERE u.order_id = ?1"
                           " AND u.code = coupon_uses.code), 0)"
                           " WHERE code IN (SELECT code FROM order_promotion_uses"
                           " WHERE order_id = ?1 AND code <> '')",
    [SQ_SPENT_BACK] = "UPDATE promotion_spent SET spent = max(spent - (SELECT sum(u.spent)"
                      " FROM order_promotion_uses u WHERE u.order_id = ?1"
                      " AND u.promotion_id = promotion_spent.promotion_id"
                      " AND u.currency = promotion_spent.currency), 0)"
                      " WHERE (currency, promotion_id) IN (SELECT currency, promotion_id"
                      " FROM order_promotion_uses WHERE order_id = ?1 AND spent > 0)",
    [SQ_USES_FORGET] = "DELETE FROM order_promotion_uses WHERE order_id = ?1",
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
    /* ... but never an event a relay seen since ?3 has not published. */
    [SQ_PRUNE_EVENTS] =
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?2)"
        " AND at < ?1"
        " AND id <= coalesce((SELECT min(position) FROM relay_positions WHERE seen_at >= ?3), id)",
    /* The sweeper: conditional, so that instances sweeping at once never
     * expire a reservation twice or one that was committed meanwhile. */
    [SQ_RES_EXPIRE] = "UPDATE reservations SET status = 'expired'"
                      " WHERE status = 'active' AND expires_at <= ?1",
    /* The relay (store_sqlite_relay.c): ?1 relay, ?2 holder, ?3 now, ?4
     * the lease's length (microseconds). */
    [SQ_RELAY_SEEN] = "INSERT INTO relay_positions(relay, position, seen_at) VALUES (?1, 0, ?3)"
                      " ON CONFLICT(relay) DO UPDATE SET seen_at = excluded.seen_at",
    [SQ_RELAY_TAKE] =
        "INSERT INTO relay_leases(relay, holder, expires_at) VALUES (?1, ?2, ?3 + ?4)"
        " ON CONFLICT(relay) DO UPDATE SET holder = excluded.holder,"
        " expires_at = excluded.expires_at"
        " WHERE relay_leases.holder = excluded.holder OR relay_leases.expires_at <= ?3",
    [SQ_RELAY_DROP] = "UPDATE relay_leases SET expires_at = ?3"
                      " WHERE relay = ?1 AND holder = ?2 AND expires_at > ?3",
    [SQ_RELAY_STATE] = "SELECT p.position, coalesce(l.holder = ?2 AND l.expires_at > ?3, 0)"
                       " FROM relay_positions p LEFT JOIN relay_leases l ON l.relay = p.relay"
                       " WHERE p.relay = ?1",
    [SQ_RELAY_RENEW] = "UPDATE relay_leases SET expires_at = ?3 + ?4"
                       " WHERE relay = ?1 AND holder = ?2 AND expires_at > ?3",
    [SQ_RELAY_ADVANCE] =
        "UPDATE relay_positions SET position = ?3 WHERE relay = ?1 AND position = ?2",
};

#endif /* ECOMD_STORE_SQLITE_SQL_H */
