-- findCandidates: reads cells ring by ring around a center cell (rings precomputed by the caller
-- with gridDisk) until the cells read hold at least minCount couriers in the wanted states or the
-- rings run out. Each cell is one GET of its string of fixed-width records (includes/record), sent
-- back as it is: the client decodes, filters by state and distance. Counting needs no decoding:
-- idle couriers per cell come from the idle hash, all listed ones from the string's length.
-- (A search that reads every ring, minCount unbounded, is a plain MGET from the client instead.)
-- KEYS[1] record string of the center cell (ring 0), KEYS[2] idle hash
-- ARGV[1] cell key prefix, ARGV[2] minCount, ARGV[3] wanted states: 'idle', 'busy' or 'both',
-- ARGV[4] number of rings after ring 0, then per ring 1..n: its cell count followed by its cells
-- returns { largest ring searched, then the record string (or nil) of every cell of rings
--   0..largest, in the order given }
--- @include "record"

local minCount = tonumber(ARGV[2])
local wanted = ARGV[3]
local prefix = ARGV[1]
local out = { 0 }

local function counted(first, last, cells)
  local n = 0
  if wanted ~= 'idle' then
    for i = first, last do
      local s = out[i]
      if s then
        n = n + #s / RECORD_BYTES
      end
    end
  end
  if wanted ~= 'both' then
    local idle = redis.call('HMGET', KEYS[2], unpack(cells))
    local m = 0
    for i = 1, #idle do
      m = m + (tonumber(idle[i]) or 0)
    end
    n = wanted == 'idle' and m or n - m
  end
  return n
end

out[2] = redis.call('GET', KEYS[1])
local found = 0
if minCount > 0 then
  found = counted(2, 2, { string.sub(KEYS[1], #prefix + 1) })
end
local pos = 5
for ring = 1, tonumber(ARGV[4]) do
  if found >= minCount then
    break
  end
  local cells = tonumber(ARGV[pos])
  local first = #out + 1
  local names = {}
  for i = pos + 1, pos + cells do
    out[#out + 1] = redis.call('GET', prefix .. ARGV[i])
    names[#names + 1] = ARGV[i]
  end
  found = found + counted(first, #out, names)
  pos = pos + cells + 1
  out[1] = ring
end
return out
