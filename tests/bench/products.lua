-- wrk script: POST products(first: 20, after: $cursor), a catalog page starting after a
-- uniformly random product (the cursor is the base64url of the product id, as gqld issues
-- it), so every page is a different range scan. BENCH_PRODUCTS (100000) overrides.
--   wrk -t1 -c64 -d10s -s tests/bench/products.lua http://127.0.0.1:8080/graphql
local products = tonumber(os.getenv("BENCH_PRODUCTS") or "100000")
local headers = { ["Content-Type"] = "application/json" }
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

-- base64url without padding
local function b64url(s)
  local out, bits, nbits = {}, 0, 0
  for i = 1, #s do
    bits = bits * 256 + s:byte(i)
    nbits = nbits + 8
    while nbits >= 6 do
      nbits = nbits - 6
      local v = math.floor(bits / 2 ^ nbits) % 64
      out[#out + 1] = alphabet:sub(v + 1, v + 1)
    end
    bits = bits % 2 ^ nbits
  end
  if nbits > 0 then
    local v = (bits * 2 ^ (6 - nbits)) % 64
    out[#out + 1] = alphabet:sub(v + 1, v + 1)
  end
  return table.concat(out)
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

request = function()
  local after = b64url(string.format("p%06d", math.random(1, products)))
  local body = string.format(
    '{"query":"query($after: String) { products(first: 20, after: $after) { items { productId productName price } pageInfo { endCursor hasNextPage } } }","variables":{"after":"%s"}}',
    after)
  return wrk.format("POST", nil, headers, body)
end
dofile("tests/bench/report.lua")
