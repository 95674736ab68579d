-- Shared by the wrk scripts here: one machine-readable line for tests/bench/run.sh
-- (latencies in microseconds). Loaded with dofile, so run wrk from the repository root.
-- A script that checks bodies (response()) counts bad answers in its own `bad`
-- counter per thread; wrk's own errors (connect, read, write, timeout, non-2xx) come first.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH requests=%d rps=%.0f p50_us=%d p90_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), errors, summary.errors.status))
end
