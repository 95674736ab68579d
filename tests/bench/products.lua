-- wrk script: POST products(first: 20, after: $cursor), a catalog page starting after a
-- uniformly random page of the catalog: its cursor one of those gqld wrote while run.sh walked
-- the catalog (BENCH_CURSORS, a file of one cursor per page of 20: cursors carry a MAC, so only
-- gqld makes them), so every page is a different range scan.
--   BENCH_CURSORS=cursors.txt wrk -t1 -c64 -d10s -s tests/bench/products.lua http://127.0.0.1:8080/graphql
local headers = { ["Content-Type"] = "application/json" }
local cursors = {}
for line in io.lines(os.getenv("BENCH_CURSORS") or "cursors.txt") do
  cursors[#cursors + 1] = line
end
assert(#cursors > 0, "BENCH_CURSORS names no cursor")

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

request = function()
  local after = cursors[math.random(1, #cursors)]
  local body = string.format(
    '{"query":"query($after: String) { products(first: 20, after: $after) { items { productId productName price } pageInfo { endCursor hasNextPage } } }","variables":{"after":"%s"}}',
    after)
  return wrk.format("POST", nil, headers, body)
end
dofile("tests/bench/report.lua")
