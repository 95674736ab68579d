-- wrk script: POST Product(productId: "p000042") again and again: one hot key, so with a
-- response cache every read after the first is a hit; the cost of a cached answer alone.
-- The body is fixed (no Lua per request), as GET /healthz's request is.
--   wrk -t1 -c64 -d10s -s tests/bench/product_one.lua http://127.0.0.1:8080/graphql
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"query($id: ID!) { Product(productId: $id) { productId productName price } }","variables":{"id":"p000042"}}'
dofile("tests/bench/report.lua")
