-- Orders come in through the API (placeOrder, cancelOrder, updateProduct): what
-- the writes need, and nothing the reads depend on, so a server built before
-- this migration keeps answering reads on a database that has it.
--
-- - orders.status, PLACED or CANCELLED (cancelOrder sets it; nothing is ever
--   deleted). A constant default: no table rewrite. The CHECK scans the table
--   once; on a big live table add it NOT VALID first and VALIDATE it apart.
-- - Ids from the database: order_id and order_ref from sequences owned by
--   their columns, started past the rows already there (`gqld seed` moves
--   them past the rows it loads). Rows inserted by hand with explicit ids
--   must stay below them, or setval them past.
-- - idempotency_keys: one row per (customer, key), claimed by the first
--   request that carries the key; the primary key is what makes 50
--   concurrent requests with one key place one order (INSERT ... ON CONFLICT
--   waits for the transaction that holds the key, then sees its row).
-- - gqld_place_order: the whole write of one order in one statement's
--   transaction (README "Placing orders").

ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'PLACED'
    CONSTRAINT orders_status_check CHECK (status IN ('PLACED', 'CANCELLED'));

CREATE SEQUENCE orders_order_id_seq OWNED BY orders.order_id;
SELECT setval('orders_order_id_seq', coalesce(max(order_id), 0) + 1, false) FROM orders;
ALTER TABLE orders ALTER COLUMN order_id SET DEFAULT nextval('orders_order_id_seq');
CREATE SEQUENCE orders_order_ref_seq AS integer OWNED BY orders.order_ref;
SELECT setval('orders_order_ref_seq', coalesce(max(order_ref), 0) + 1, false) FROM orders;
ALTER TABLE orders ALTER COLUMN order_ref SET DEFAULT nextval('orders_order_ref_seq');

-- request_hash is SHA-256 over the request's canonical items (gqld computes
-- it): the same key with other items is a conflict, never a second order.
-- The key names its order before the order row exists (the claim comes
-- first), so the foreign key is checked at commit; deleting an order by hand
-- deletes its key, and `gqld seed` (TRUNCATE orders ... CASCADE) empties the
-- table. created_at says when a key expires (GQLD_IDEMPOTENCY_KEY_TTL): rows
-- are appended in time order, so a BRIN index finds the expired ones for the
-- purge at almost no cost per insert.
CREATE TABLE idempotency_keys (
    customer_id     bigint      NOT NULL,
    idempotency_key text        NOT NULL CHECK (octet_length(idempotency_key) BETWEEN 1 AND 128),
    request_hash    bytea       NOT NULL,
    order_id        bigint      NOT NULL REFERENCES orders ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_brin ON idempotency_keys USING brin (created_at);

-- Places one order, or finds the one its key already placed; returns its id.
-- Raises (rolling everything back, nothing written):
--   GQ001 the key was used for other items (IDEMPOTENCY_CONFLICT),
--   GQ002 no such customer,
--   GQ003 no such product: DETAIL is the line's number, from 1.
-- Unit prices are read with FOR SHARE before the order row is written: an
-- update of a product's price that commits before this transaction's lock is
-- what the order sees (READ COMMITTED re-reads a locked row's newest
-- version), and one that comes later waits for this commit. So each line's
-- price is the product's price at the moment the order commits.
-- The items' rows make the total through migration 0003's triggers.
CREATE FUNCTION gqld_place_order(p_customer_id bigint, p_key text, p_request_hash bytea,
                                 p_products text[], p_quantities integer[], p_key_ttl interval)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_order_id bigint := nextval('orders_order_id_seq');
    v_claimed  bigint;
    v_hash     bytea;
    v_prices   numeric[];
    v_missing  bigint;
BEGIN
    -- The claim. An expired key is claimed again, as if new.
    INSERT INTO idempotency_keys AS k (customer_id, idempotency_key, request_hash, order_id)
    VALUES (p_customer_id, p_key, p_request_hash, v_order_id)
    ON CONFLICT (customer_id, idempotency_key) DO UPDATE
        SET request_hash = excluded.request_hash, order_id = excluded.order_id, created_at = excluded.created_at
        WHERE k.created_at < now() - p_key_ttl
    RETURNING k.order_id INTO v_claimed;
    IF v_claimed IS NULL THEN
        -- Held by an earlier request (committed: the insert waited for it).
        SELECT k.order_id, k.request_hash INTO v_claimed, v_hash
        FROM idempotency_keys k
        WHERE k.customer_id = p_customer_id AND k.idempotency_key = p_key;
        IF v_hash IS DISTINCT FROM p_request_hash THEN
            RAISE EXCEPTION 'idempotency key used before with other items' USING ERRCODE = 'GQ001';
        END IF;
        RETURN v_claimed;
    END IF;

    IF NOT EXISTS (SELECT FROM customers WHERE customer_id = p_customer_id) THEN
        RAISE EXCEPTION 'no customer %', p_customer_id USING ERRCODE = 'GQ002';
    END IF;

    -- Prices in line order, the products locked in id order.
    SELECT array_agg(p.price ORDER BY l.n) INTO v_prices
    FROM unnest(p_products) WITH ORDINALITY AS l(product_id, n)
    JOIN (SELECT product_id, price FROM products WHERE product_id = ANY (p_products)
          ORDER BY product_id FOR SHARE) p USING (product_id);
    IF coalesce(cardinality(v_prices), 0) <> cardinality(p_products) THEN
        SELECT l.n INTO v_missing
        FROM unnest(p_products) WITH ORDINALITY AS l(product_id, n)
        WHERE NOT EXISTS (SELECT FROM products p WHERE p.product_id = l.product_id)
        ORDER BY l.n LIMIT 1;
        RAISE EXCEPTION 'no product on line %', v_missing USING ERRCODE = 'GQ003', DETAIL = v_missing;
    END IF;

    INSERT INTO orders (order_id, order_ref, customer_id, created_at)
    VALUES (v_order_id, nextval('orders_order_ref_seq'), p_customer_id, clock_timestamp());
    INSERT INTO order_items (order_id, order_item_id, product_id, quantity, unit_price)
    SELECT v_order_id, l.n, l.product_id, l.quantity, l.price
    FROM unnest(p_products, p_quantities, v_prices) WITH ORDINALITY AS l(product_id, quantity, price, n);
    RETURN v_order_id;
END
$$;
