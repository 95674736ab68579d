'use strict';
// The schema subset the benchmark's scenarios 1-3 use, with the same field names and
// the same JSON as gqld, over a pg Pool of BENCH_DB_POOL connections (the pool size
// gqld gets). Named (prepared) statements; the nested lookups (an order's items, an
// item's product) are batched per request with DataLoader: one query per level.
const { Pool } = require('pg');
const DataLoader = require('dataloader');

const typeDefs = /* GraphQL */ `
  type Query {
    Product(productId: ID!): Product
    Order(customerId: ID!): [Order!]!
  }
  type Product {
    productId: ID!
    productName: String!
    price: Float!
    description: String
  }
  type Order {
    orderId: ID!
    orderRef: Int!
    customerId: ID!
    createdAt: String!
    total: Float!
    items: [OrderItem!]!
  }
  type OrderItem {
    orderId: ID!
    orderItemId: ID!
    quantity: Int!
    unitPrice: Float!
    product: Product!
  }
`;

const LIST_MAX = 200; // gqld's default list maximum
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.BENCH_DB_POOL || 8),
});

const PRODUCT_COLUMNS = 'product_id AS "productId", product_name AS "productName", price::float8 AS price, description';

async function productById(id) {
  const r = await pool.query({
    name: 'product',
    text: `SELECT ${PRODUCT_COLUMNS} FROM products WHERE product_id = $1`,
    values: [id],
  });
  return r.rows[0] || null;
}

function loaders() {
  return {
    items: new DataLoader(async (orderIds) => {
      const r = await pool.query({
        name: 'items',
        text: `SELECT order_id::text AS "orderId", order_item_id::text AS "orderItemId", quantity,
                      unit_price::float8 AS "unitPrice", product_id AS "productId",
                      row_number() OVER (PARTITION BY order_id ORDER BY order_item_id) AS n
               FROM order_items WHERE order_id = ANY($1::bigint[]) ORDER BY order_id, order_item_id`,
        values: [orderIds],
      });
      const by = new Map(orderIds.map((id) => [id, []]));
      for (const row of r.rows) if (row.n <= LIST_MAX) by.get(row.orderId).push(row);
      return orderIds.map((id) => by.get(id));
    }),
    products: new DataLoader(async (ids) => {
      const r = await pool.query({
        name: 'products',
        text: `SELECT ${PRODUCT_COLUMNS} FROM products WHERE product_id = ANY($1::text[])`,
        values: [ids],
      });
      const by = new Map(r.rows.map((row) => [row.productId, row]));
      return ids.map((id) => by.get(id) || null);
    }),
  };
}

const resolvers = {
  Query: {
    Product: (_, { productId }) => productById(productId),
    Order: async (_, { customerId }) => {
      if (!/^[0-9]{1,18}$/.test(customerId)) return [];
      const r = await pool.query({
        name: 'orders',
        text: `SELECT o.order_id::text AS "orderId", o.order_ref AS "orderRef", o.customer_id::text AS "customerId",
                      to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt",
                      o.total::float8 AS total
               FROM orders o WHERE o.customer_id = $1::bigint
               ORDER BY o.created_at DESC, o.order_id DESC LIMIT ${LIST_MAX}`,
        values: [customerId],
      });
      return r.rows;
    },
  },
  Order: {
    items: (order, _, ctx) => ctx.loaders.items.load(order.orderId),
  },
  OrderItem: {
    product: (item, _, ctx) => ctx.loaders.products.load(item.productId),
  },
};

// The address goes to stdout as one line ("listening http://127.0.0.1:PORT") for run.sh.
function announce(port) {
  process.stdout.write(`listening http://127.0.0.1:${port}\n`);
}

module.exports = { typeDefs, resolvers, loaders, pool, announce };
