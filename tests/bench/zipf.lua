-- Zipf-distributed ranks 1..n (P(k) proportional to 1/k^s), precomputed once per wrk
-- thread as a cumulative table and drawn by binary search. Loaded with dofile.
function zipf_sampler(n, s)
  local cdf, sum = {}, 0
  for k = 1, n do
    sum = sum + 1 / k ^ s
    cdf[k] = sum
  end
  for k = 1, n do
    cdf[k] = cdf[k] / sum
  end
  return function()
    local u, lo, hi = math.random(), 1, n
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if cdf[mid] < u then lo = mid + 1 else hi = mid end
    end
    return lo
  end
end
