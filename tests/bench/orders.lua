-- wrk script: POST the nested Order query for customer 4567 (orders, their items, the products):
-- one SQL statement per request, whatever the number of rows (needs AUTH_MODE=none until tokens exist).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"{ Order(customerId: \\"4567\\") { orderId orderRef createdAt total items { quantity unitPrice product { productName price } } } }"}'
dofile("tests/bench/report.lua")
