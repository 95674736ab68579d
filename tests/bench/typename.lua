-- wrk script: POST { __typename }: the cost of HTTP + GraphQL (parse, validate, render) alone.
--   wrk -t1 -c64 -d10s -s tests/bench/typename.lua http://127.0.0.1:8080/graphql
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"{ __typename }"}'
dofile("tests/bench/report.lua")
