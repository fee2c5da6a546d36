/* store_pg_sql.h - the PostgreSQL adapter's schema migrations (included by
 * store_pg.c only).
 *
 * Append-only, as for SQLite: migration N runs once, when schema_version is
 * below N, inside one transaction that holds an advisory lock, so instances
 * starting together apply it once and the others find it done.  Text keys
 * use the "C" collation: rows come back in byte order, as from SQLite, so
 * both stores produce the same documents.  Times are microseconds since
 * the Unix epoch. */
#ifndef ECOMD_STORE_PG_SQL_H
#define ECOMD_STORE_PG_SQL_H

/* The advisory lock keys of the adapter (arbitrary, fixed forever). */
#define PG_LOCK_MIGRATE "7301001"
#define PG_LOCK_RULES "7301002"
#define PG_LOCK_PROMOTIONS "7301003"
#define PG_LOCK_OUTBOX "7301004"

static const char *const pg_migrations[] = {
    /* 1: rulesets, the outbox, idempotency keys */
    "CREATE TABLE rules(version bigint PRIMARY KEY, body text NOT NULL,"
    "  created_at bigint NOT NULL);"
    "CREATE TABLE outbox(id bigserial PRIMARY KEY, type text NOT NULL,"
    "  at text NOT NULL, data text NOT NULL);"
    "CREATE TABLE idempotency(owner text COLLATE \"C\" NOT NULL, key text COLLATE \"C\" NOT NULL,"
    "  hash bytea NOT NULL, status integer NOT NULL, body bytea NOT NULL,"
    "  created_at bigint NOT NULL, PRIMARY KEY(owner, key));",
    /* 2: stock and reservations (docs/reference/inventory.md); a reservation's lines are
     * also rows, so that the reservations holding a SKU are found by index. */
    "CREATE TABLE stock(sku text COLLATE \"C\" NOT NULL, location text COLLATE \"C\" NOT NULL,"
    "  on_hand bigint NOT NULL, safety_stock bigint NOT NULL, backorder_limit bigint NOT NULL,"
    "  PRIMARY KEY(sku, location));"
    "CREATE TABLE reservations(id text COLLATE \"C\" PRIMARY KEY, status text NOT NULL,"
    "  expires_at bigint NOT NULL, order_id text, doc text NOT NULL);"
    "CREATE INDEX reservations_status_expiry ON reservations(status, expires_at);"
    "CREATE TABLE reservation_lines(reservation_id text COLLATE \"C\" NOT NULL,"
    "  sku text COLLATE \"C\" NOT NULL, location text COLLATE \"C\" NOT NULL,"
    "  quantity bigint NOT NULL, PRIMARY KEY(reservation_id, sku, location));"
    "CREATE INDEX reservation_lines_sku ON reservation_lines(sku, reservation_id);",
    /* 3: carts */
    "CREATE TABLE carts(id text COLLATE \"C\" PRIMARY KEY, version bigint NOT NULL,"
    "  doc text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL);",
    /* 4: orders and promotion usage; a cart is checked out once. */
    "CREATE TABLE orders(id text COLLATE \"C\" PRIMARY KEY, version bigint NOT NULL,"
    "  state text NOT NULL, cart_id text COLLATE \"C\" NOT NULL UNIQUE, due_at bigint NOT NULL,"
    "  doc text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL);"
    "CREATE INDEX orders_state_due ON orders(state, due_at);"
    "CREATE TABLE promotion_uses(promotion_id text COLLATE \"C\" PRIMARY KEY,"
    "  uses bigint NOT NULL);",
    /* 5: what the active and committed reservations hold at each location
     * (stock_rows.h), so that a write reads it instead of summing them. */
    "ALTER TABLE stock ADD COLUMN held bigint NOT NULL DEFAULT 0;"
    "UPDATE stock SET held = coalesce((SELECT sum(l.quantity) FROM reservation_lines l"
    "  JOIN reservations r ON r.id = l.reservation_id"
    "  WHERE r.status IN ('active', 'committed') AND l.sku = stock.sku"
    "  AND l.location = stock.location), 0);",
    /* 6: the sweeper forgets old idempotency keys in creation order. */
    "CREATE INDEX idempotency_created ON idempotency(created_at);",
    /* 7: orders of version 2 and reservations that move some of their
     * units (see the SQLite store's migration 7).  A store that holds
     * orders of version 1 is refused: they are drained first. */
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM orders) THEN RAISE EXCEPTION"
    "  'orders of version 1 must be drained before this version runs'; END IF; END $$;"
    "ALTER TABLE reservation_lines ADD COLUMN position bigint NOT NULL DEFAULT 0,"
    "  ADD COLUMN shipped bigint NOT NULL DEFAULT 0, ADD COLUMN released bigint NOT NULL DEFAULT 0,"
    "  ADD COLUMN returned bigint NOT NULL DEFAULT 0;"
    "UPDATE reservation_lines SET shipped = quantity WHERE reservation_id IN"
    "  (SELECT id FROM reservations WHERE status = 'shipped');"
    "ALTER TABLE reservations ALTER COLUMN doc SET DEFAULT '';",
    /* 8: the other promotion limits and what each order counted (see the
     * SQLite store's migration 8). */
    "CREATE TABLE customer_promotion_uses(promotion_id text COLLATE \"C\" NOT NULL,"
    "  customer text COLLATE \"C\" NOT NULL, uses bigint NOT NULL,"
    "  PRIMARY KEY(customer, promotion_id));"
    "CREATE TABLE coupon_uses(code text COLLATE \"C\" PRIMARY KEY, uses bigint NOT NULL);"
    "CREATE TABLE promotion_spent(currency text COLLATE \"C\" NOT NULL,"
    "  promotion_id text COLLATE \"C\" NOT NULL, spent bigint NOT NULL,"
    "  PRIMARY KEY(currency, promotion_id));"
    "CREATE TABLE order_promotion_uses(order_id text COLLATE \"C\" NOT NULL,"
    "  promotion_id text COLLATE \"C\" NOT NULL, code text COLLATE \"C\" NOT NULL,"
    "  customer text COLLATE \"C\" NOT NULL, currency text COLLATE \"C\" NOT NULL,"
    "  uses bigint NOT NULL, spent bigint NOT NULL, PRIMARY KEY(order_id, promotion_id, code));"
    "INSERT INTO order_promotion_uses SELECT o.id, p ->> 'id', '', '', '', 1, 0"
    "  FROM orders o, jsonb_array_elements(o.doc::jsonb -> 'promotions') p"
    "  ON CONFLICT DO NOTHING;",
    /* 9: the outbox relay (see the SQLite store's migration 9); times are
     * the database server's clock. */
    "CREATE TABLE relay_positions(relay text COLLATE \"C\" PRIMARY KEY, position bigint NOT NULL,"
    "  seen_at bigint NOT NULL);"
    "CREATE TABLE relay_leases(relay text COLLATE \"C\" PRIMARY KEY, holder text NOT NULL,"
    "  expires_at bigint NOT NULL);",
    /* 10: lists, newest first by (created_at, id) (see the SQLite store's
     * migration 10 and list_sql.c). */
    "ALTER TABLE orders ADD COLUMN payment_status text NOT NULL DEFAULT '';"
    "UPDATE orders SET payment_status = coalesce(doc::json->'payment'->>'status', '');"
    "CREATE INDEX orders_created ON orders(created_at, id);"
    "CREATE INDEX orders_state_created ON orders(state, created_at, id);"
    "CREATE INDEX orders_payment_created ON orders(payment_status, created_at, id);"
    "CREATE TABLE order_skus(sku text COLLATE \"C\" NOT NULL, created_at bigint NOT NULL,"
    "  order_id text COLLATE \"C\" NOT NULL, PRIMARY KEY(sku, created_at, order_id));"
    "INSERT INTO order_skus(sku, created_at, order_id)"
    "  SELECT DISTINCT l->>'sku', o.created_at, o.id"
    "  FROM orders o, json_array_elements(o.doc::json->'lines') l;"
    "ALTER TABLE reservations ADD COLUMN created_at bigint NOT NULL DEFAULT 0;"
    "UPDATE reservations r SET created_at = o.created_at FROM orders o WHERE o.id = r.order_id;"
    "CREATE INDEX reservations_created ON reservations(created_at, id);"
    "CREATE INDEX carts_created ON carts(created_at, id);",
    /* 11: regions (see the SQLite store's migration 11). */
    "CREATE TABLE region_transfers(id text COLLATE \"C\" PRIMARY KEY,"
    "  from_region text COLLATE \"C\" NOT NULL, to_region text COLLATE \"C\" NOT NULL,"
    "  sku text COLLATE \"C\" NOT NULL, kind text NOT NULL, quantity bigint NOT NULL,"
    "  status text NOT NULL, doc text NOT NULL, created_at bigint NOT NULL,"
    "  updated_at bigint NOT NULL);"
    "CREATE INDEX region_transfers_pending ON region_transfers(status, to_region, created_at);"
    "CREATE TABLE region_lost(region text COLLATE \"C\" PRIMARY KEY, at bigint NOT NULL,"
    "  by text NOT NULL, reason text NOT NULL);"
    "CREATE TABLE region_view(region text COLLATE \"C\" NOT NULL, sku text COLLATE \"C\" NOT NULL,"
    "  rights bigint NOT NULL, demand bigint NOT NULL, locations text NOT NULL,"
    "  reported_at bigint NOT NULL, PRIMARY KEY(region, sku));"
    "CREATE INDEX region_view_sku ON region_view(sku);"
    "CREATE TABLE region_demand(sku text COLLATE \"C\" NOT NULL, second bigint NOT NULL,"
    "  units bigint NOT NULL, PRIMARY KEY(sku, second));"
    "CREATE INDEX region_demand_second ON region_demand(second);"
    "CREATE TABLE region_leases(name text COLLATE \"C\" PRIMARY KEY, holder text NOT NULL,"
    "  until bigint NOT NULL);",
};
static const int pg_migration_count = (int)(sizeof pg_migrations / sizeof pg_migrations[0]);

#endif /* ECOMD_STORE_PG_SQL_H */
