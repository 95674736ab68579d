-- Deterministic sample data for the orders data set, generated set-based.
--
-- `gqld seed` sets the sizes as custom settings, then sends this whole file as
-- one multi-statement query (it has DO blocks: never split it on semicolons)
-- inside one transaction, so a failure leaves the previous data and schema in
-- place. psql's \i works too. It needs to own the tables (it drops and
-- recreates their secondary indexes and foreign keys, see below).
--   gqld.customers        generated customers, ids 1..N
--   gqld.products         generated products, ids p000001..
--   gqld.orders           orders, ids 1..N, order_ref 1000000 + id
--   gqld.items_per_order  maximum items per order; each order has 1..max
-- Sizes below 1 count as 1. The same sizes always give the same rows: values
-- come from hashint8extended(id, salt) (PostgreSQL's hash-partitioning hash,
-- frozen because partitioned data depends on it), never from random(), and
-- timestamps count back from a fixed epoch, not now().
--
-- The example rows of the API's documentation exist whatever the sizes:
-- product `notebook` (notebook_red, 19.99), customer 4567 and order 52
-- (order_ref 123123, of customer 4567, its first item a notebook).

DO $$
BEGIN
    IF current_setting('gqld.customers', true) IS NULL OR current_setting('gqld.products', true) IS NULL
       OR current_setting('gqld.orders', true) IS NULL OR current_setting('gqld.items_per_order', true) IS NULL
    THEN
        RAISE EXCEPTION 'seed.sql needs the settings gqld.customers, gqld.products, gqld.orders and gqld.items_per_order';
    END IF;
    -- Left over by an interrupted run in this session (psql's \i).
    IF to_regclass('pg_temp.gqld_seed_rebuild') IS NOT NULL THEN
        DROP TABLE pg_temp.gqld_seed_rebuild;
    END IF;
END
$$;

TRUNCATE order_items, orders, products, customers RESTART IDENTITY CASCADE;

-- Bulk load: a million order items through per-row foreign-key triggers and a
-- randomly-ordered index take several times longer than loading without them
-- and rebuilding afterwards (one sorted index build, one validating join per
-- key). Their definitions are read from the catalog, so whatever the
-- migrations say is what gets rebuilt. Primary keys and unique constraints stay.
CREATE TEMPORARY TABLE gqld_seed_rebuild AS
SELECT 1 AS step,
       format('DROP INDEX %s', i.indexrelid::regclass) AS drop_sql,
       pg_get_indexdef(i.indexrelid) AS create_sql
FROM pg_index i
WHERE i.indrelid IN ('customers'::regclass, 'products'::regclass, 'orders'::regclass, 'order_items'::regclass)
  AND NOT i.indisunique
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype <> 'f')
UNION ALL
SELECT 2,
       format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
FROM pg_constraint c
WHERE c.contype = 'f'
  AND c.conrelid IN ('customers'::regclass, 'products'::regclass, 'orders'::regclass, 'order_items'::regclass);

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT drop_sql FROM gqld_seed_rebuild ORDER BY step DESC, drop_sql LOOP
        EXECUTE r.drop_sql;
    END LOOP;
END
$$;

INSERT INTO customers (customer_id, name, email, created_at)
SELECT c.id,
       (ARRAY['Ada', 'Alan', 'Barbara', 'Claude', 'Donald', 'Edsger', 'Frances', 'Grace',
              'John', 'Ken', 'Leslie', 'Margaret', 'Niklaus', 'Radia', 'Shafi', 'Tony'])
           [1 + (hashint8extended(c.id, 11) & 2147483647) % 16]
       || ' ' ||
       (ARRAY['Allen', 'Backus', 'Dijkstra', 'Hamilton', 'Hoare', 'Hopper', 'Knuth', 'Lamport',
              'Liskov', 'Lovelace', 'McCarthy', 'Perlman', 'Ritchie', 'Shannon', 'Thompson', 'Wirth'])
           [1 + (hashint8extended(c.id, 12) & 2147483647) % 16],
       'customer' || c.id || '@example.com',
       -- Customers joined in the year before the orders' two years.
       p.epoch - interval '730 days'
               - (hashint8extended(c.id, 13) & 2147483647) % (365 * 86400) * interval '1 second'
FROM (SELECT greatest(current_setting('gqld.customers')::int, 1) AS customers,
             timestamptz '2025-01-01 00:00:00+00' AS epoch
      OFFSET 0) AS p,
     LATERAL (SELECT generate_series(1, p.customers)::bigint
              UNION ALL
              SELECT 4567 WHERE p.customers < 4567) AS c(id);

INSERT INTO products (product_id, product_name, description, price, created_at)
SELECT 'notebook', 'notebook_red', 'A red notebook, 80 sheets, dotted.', 19.99,
       timestamptz '2025-01-01 00:00:00+00' - interval '1000 days'
UNION ALL
SELECT 'p' || CASE WHEN g.n < 1000000 THEN lpad(g.n::text, 6, '0') ELSE g.n::text END,
       w.adjective || '_' || w.noun || '_' || w.colour,
       CASE WHEN (hashint8extended(g.n, 24) & 2147483647) % 5 <> 0
            THEN 'A ' || w.adjective || ' ' || w.noun || ' in ' || w.colour || '.' END,
       (50 + (hashint8extended(g.n, 25) & 2147483647) % 49951) / 100.0,
       p.epoch - interval '730 days'
               - (hashint8extended(g.n, 26) & 2147483647) % (365 * 86400) * interval '1 second'
FROM (SELECT greatest(current_setting('gqld.products')::int, 1) AS products,
             timestamptz '2025-01-01 00:00:00+00' AS epoch
      OFFSET 0) AS p,
     generate_series(1, p.products) AS g(n),
     LATERAL (SELECT
         (ARRAY['classic', 'compact', 'deluxe', 'ergonomic', 'handmade', 'heavy', 'light', 'mini',
                'modern', 'portable', 'recycled', 'rugged', 'slim', 'smart', 'vintage', 'wooden'])
             [1 + (hashint8extended(g.n, 21) & 2147483647) % 16] AS adjective,
         (ARRAY['backpack', 'bottle', 'candle', 'chair', 'clock', 'desk', 'headphones', 'kettle',
                'keyboard', 'lamp', 'mug', 'notebook', 'pen', 'pillow', 'plant', 'poster',
                'scarf', 'shelf', 'speaker', 'stool', 'sweater', 'teapot', 'towel', 'wallet'])
             [1 + (hashint8extended(g.n, 22) & 2147483647) % 24] AS noun,
         (ARRAY['black', 'blue', 'brown', 'green', 'grey', 'orange', 'pink', 'purple',
                'red', 'teal', 'white', 'yellow'])
             [1 + (hashint8extended(g.n, 23) & 2147483647) % 12] AS colour) AS w;

INSERT INTO orders (order_id, order_ref, customer_id, created_at)
SELECT o.id,
       CASE WHEN o.id = 52 THEN 123123 ELSE 1000000 + o.id END,
       CASE WHEN o.id = 52 THEN 4567 ELSE 1 + (hashint8extended(o.id, 31) & 2147483647) % p.customers END,
       -- Spread over the two years before the epoch.
       p.epoch - (hashint8extended(o.id, 32) & 2147483647) % (730 * 86400) * interval '1 second'
FROM (SELECT greatest(current_setting('gqld.customers')::int, 1) AS customers,
             greatest(current_setting('gqld.orders')::int, 1) AS orders,
             timestamptz '2025-01-01 00:00:00+00' AS epoch
      OFFSET 0) AS p,
     LATERAL (SELECT generate_series(1, p.orders)::bigint
              UNION ALL
              SELECT 52 WHERE p.orders < 52) AS o(id);

-- unit_price is the product's price when the order was placed: today's price.
-- (OFFSET 0 keeps a subquery from being flattened into its parent, so settings
-- and computed ids are evaluated once per row rather than once per use.)
INSERT INTO order_items (order_id, order_item_id, product_id, quantity, unit_price)
SELECT i.order_id, i.order_item_id, i.product_id, i.quantity, pr.price
FROM (SELECT o.order_id,
             n.item AS order_item_id,
             CASE WHEN o.order_id = 52 AND n.item = 1 THEN 'notebook'
                  ELSE 'p' || CASE WHEN pn.n < 1000000 THEN lpad(pn.n::text, 6, '0')
                                   ELSE pn.n::text END END AS product_id,
             1 + (hashint8extended(o.order_id, 1000 + n.item) & 2147483647) % 5 AS quantity
      FROM (SELECT greatest(current_setting('gqld.products')::int, 1) AS products,
                   greatest(current_setting('gqld.items_per_order')::int, 1) AS items_per_order
            OFFSET 0) AS p,
           orders o,
           LATERAL generate_series(1, 1 + (hashint8extended(o.order_id, 41) & 2147483647)
                                           % p.items_per_order) AS n(item),
           LATERAL (SELECT 1 + (hashint8extended(o.order_id, 2000 + n.item) & 2147483647)
                               % p.products) AS pn(n)
      OFFSET 0) AS i
JOIN products pr USING (product_id);

DO $$
DECLARE
    r record;
BEGIN
    PERFORM set_config('maintenance_work_mem', '256MB', true);
    PERFORM set_config('work_mem', '64MB', true);
    FOR r IN SELECT create_sql FROM gqld_seed_rebuild ORDER BY step, create_sql LOOP
        EXECUTE r.create_sql;
    END LOOP;
END
$$;
DROP TABLE gqld_seed_rebuild;

-- Orders placed through the API take their ids from the sequences of
-- migration 0006 (which TRUNCATE ... RESTART IDENTITY just reset): past the rows loaded.
SELECT setval('orders_order_id_seq', (SELECT coalesce(max(order_id), 0) + 1 FROM orders), false),
       setval('orders_order_ref_seq', (SELECT coalesce(max(order_ref), 0) + 1 FROM orders), false);

ANALYZE customers, products, orders, order_items;
