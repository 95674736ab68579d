-- wrk script: GET /healthz, a fixed response: the HTTP ceiling of the same server.
--   wrk -t1 -c64 -d10s -s tests/bench/healthz.lua http://127.0.0.1:8080/healthz
wrk.method = "GET"
dofile("tests/bench/report.lua")
