-- wrk script: GET /healthz, a fixed response: the HTTP ceiling of the same server.
--   wrk -t1 -c64 -d10s -s tests/bench/healthz.lua http://127.0.0.1:8080/healthz
wrk.method = "GET"

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH requests=%d rps=%.0f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    errors, summary.errors.status))
end
