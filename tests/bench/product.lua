-- wrk script: POST the example Product query (the first query of the API).
--   wrk -t1 -c64 -d10s -s tests/bench/product.lua http://127.0.0.1:8080/graphql
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"{ Product(productId: \\"notebook\\") { productId productName price } }"}'
dofile("tests/bench/report.lua")
