-- wrk script: POST placeOrder, every request a new order with a key of its own: a customer
-- drawn uniformly from 1..BENCH_CUSTOMERS (10000), two lines, a product drawn uniformly from
-- 1..BENCH_PRODUCTS (100000) and the one after it, quantities 1 to 5 and 1 to 3 (what the
-- pgbench script of tests/bench/run.sh sends). Needs AUTH_MODE=none (an admin names the
-- customer).
--   wrk -t1 -c64 -d10s -s tests/bench/place.lua http://127.0.0.1:8080/graphql
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "10000")
local products = tonumber(os.getenv("BENCH_PRODUCTS") or "100000")
local headers = { ["Content-Type"] = "application/json" }
local nonce, sent = "", 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  -- Keys unique across runs and threads: a random prefix per thread, then a counter.
  nonce = string.format("wrk-%x%x", math.random(0, 0x3fffffff), math.random(0, 0x3fffffff))
end

request = function()
  sent = sent + 1
  local p = math.random(1, products)
  local body = string.format(
    '{"query":"mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { orderId orderRef status total createdAt } }",'
      .. '"variables":{"input":{"customerId":"%d","idempotencyKey":"%s-%d","items":'
      .. '[{"productId":"p%06d","quantity":%d},{"productId":"p%06d","quantity":%d}]}}}',
    math.random(1, customers), nonce, sent, p, 1 + sent % 5, p % products + 1, 1 + sent % 3)
  return wrk.format("POST", nil, headers, body)
end
dofile("tests/bench/report.lua")
