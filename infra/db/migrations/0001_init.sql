-- The orders data set: customers place orders of order items, each for a product.
-- Applied by `gqld migrate` inside one transaction (no BEGIN/COMMIT here) and
-- recorded in schema_migrations; never edit a migration once merged, add one.

CREATE TABLE customers (
    customer_id bigint      PRIMARY KEY,
    name        text        NOT NULL,
    email       text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    product_id   text          PRIMARY KEY CHECK (length(product_id) BETWEEN 1 AND 64),
    product_name text          NOT NULL,
    description  text,
    price        numeric(12,2) NOT NULL CHECK (price >= 0),
    created_at   timestamptz   NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    order_id    bigint      PRIMARY KEY,
    order_ref   integer     NOT NULL UNIQUE,
    customer_id bigint      NOT NULL REFERENCES customers,
    created_at  timestamptz NOT NULL
);

CREATE TABLE order_items (
    order_id      bigint        NOT NULL REFERENCES orders ON DELETE CASCADE,
    order_item_id integer       NOT NULL CHECK (order_item_id > 0),
    product_id    text          NOT NULL REFERENCES products,
    quantity      integer       NOT NULL CHECK (quantity > 0),
    unit_price    numeric(12,2) NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, order_item_id)
);

-- Every foreign key a query walks has an index whose leading column is that key.
-- order_items.order_id is covered by the primary key; customers.orders pages
-- newest first, so its index carries the sort order and a unique tie-breaker.
CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at DESC, order_id DESC);
CREATE INDEX order_items_product_idx ON order_items (product_id);
-- Prefix search on product names (LIKE 'prefix%') whatever the database collation.
CREATE INDEX products_name_prefix_idx ON products (product_name text_pattern_ops);
