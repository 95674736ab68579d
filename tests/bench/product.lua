-- wrk script: POST Product(productId) with Zipf-distributed ids (s = 1.1) over the
-- seed's products p000001..p100000 (rank k is product p%06d of k: the popular products
-- are the first ones). BENCH_PRODUCTS (100000) and BENCH_ZIPF_S (1.1) override.
-- The requests are drawn and formatted once, in init, and sent in turn: drawing and
-- formatting per request in Lua held wrk itself to about 150k req/s on this machine, below
-- what the server answers (measured against a fixed response with the same requests).
--   wrk -t1 -c64 -d10s -s tests/bench/product.lua http://127.0.0.1:8080/graphql
dofile("tests/bench/zipf.lua")
local products = tonumber(os.getenv("BENCH_PRODUCTS") or "100000")
local s = tonumber(os.getenv("BENCH_ZIPF_S") or "1.1")
local headers = { ["Content-Type"] = "application/json" }
local requests, count, sent = {}, 262144, 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  local draw = zipf_sampler(products, s)
  for i = 1, count do
    requests[i] = wrk.format("POST", nil, headers, string.format(
      '{"query":"query($id: ID!) { Product(productId: $id) { productId productName price } }","variables":{"id":"p%06d"}}',
      draw()))
  end
end

request = function()
  sent = sent % count + 1
  return requests[sent]
end
dofile("tests/bench/report.lua")
