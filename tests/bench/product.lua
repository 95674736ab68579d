-- wrk script: POST Product(productId) with Zipf-distributed ids (s = 1.1) over the
-- seed's products p000001..p100000 (rank k is product p%06d of k: the popular products
-- are the first ones). BENCH_PRODUCTS (100000) and BENCH_ZIPF_S (1.1) override.
--   wrk -t1 -c64 -d10s -s tests/bench/product.lua http://127.0.0.1:8080/graphql
dofile("tests/bench/zipf.lua")
local products = tonumber(os.getenv("BENCH_PRODUCTS") or "100000")
local s = tonumber(os.getenv("BENCH_ZIPF_S") or "1.1")
local draw = zipf_sampler(products, s)
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

request = function()
  local body = string.format(
    '{"query":"query($id: ID!) { Product(productId: $id) { productId productName price } }","variables":{"id":"p%06d"}}',
    draw())
  return wrk.format("POST", nil, headers, body)
end
dofile("tests/bench/report.lua")
