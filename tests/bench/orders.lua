-- wrk script: POST the nested Order query (orders, their items, the items' products) for a
-- customer drawn uniformly from 1..BENCH_CUSTOMERS (10000). Needs AUTH_MODE=none until
-- tokens exist.
--   wrk -t1 -c64 -d10s -s tests/bench/orders.lua http://127.0.0.1:8080/graphql
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "10000")
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

request = function()
  local body = string.format(
    '{"query":"query($c: ID!) { Order(customerId: $c) { orderId orderRef createdAt total items { quantity unitPrice product { productName price } } } }","variables":{"c":"%d"}}',
    math.random(1, customers))
  return wrk.format("POST", nil, headers, body)
end
dofile("tests/bench/report.lua")
