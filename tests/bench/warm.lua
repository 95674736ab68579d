-- wrk script: the same POST Product(productId) as product.lua for every product in turn
-- (p000001, p000002, ..., then again from the first): fills a response cache before a
-- "warm" run. run.sh stops wrk once the server has stored every product. BENCH_PRODUCTS
-- (100000) overrides. Use one wrk thread (-t1): the counter is per thread.
--   wrk -t1 -c64 -d60s -s tests/bench/warm.lua http://127.0.0.1:8080/graphql
local products = tonumber(os.getenv("BENCH_PRODUCTS") or "100000")
local headers = { ["Content-Type"] = "application/json" }
local sent = 0

request = function()
  sent = sent + 1
  local body = string.format(
    '{"query":"query($id: ID!) { Product(productId: $id) { productId productName price } }","variables":{"id":"p%06d"}}',
    (sent - 1) % products + 1)
  return wrk.format("POST", nil, headers, body)
end
dofile("tests/bench/report.lua")
