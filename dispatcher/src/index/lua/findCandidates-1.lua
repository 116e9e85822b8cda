-- findCandidates: reads couriers ring by ring around a center cell (rings precomputed by the
-- caller with gridDisk) until at least minCount match the wanted states or the rings run out.
-- Each cell is one HGETALL of its hash id -> card (includes/card), so the cost is per cell, not
-- per courier. The matches of a cell go back as ONE string (`id|card` lines joined by '\n', built
-- by table.concat in C): the client then parses a few dozen bulk strings instead of two per
-- courier, which was most of a large search's time.
-- KEYS[1] hash of the center cell (ring 0)
-- ARGV[1] cell key prefix, ARGV[2] minCount, ARGV[3] wanted states, comma separated
-- (e.g. 'idle,busy'), ARGV[4] number of rings after ring 0, then per ring 1..n: its cell count
-- followed by its cells
-- returns { largest ring searched, then per cell with matches: ring, cell, count, packed lines }
local centerCell = string.sub(KEYS[1], #ARGV[1] + 1)
local minCount = tonumber(ARGV[2])
local wanted = {}
for s in string.gmatch(ARGV[3], '[^,]+') do
  wanted[string.byte(s, 1)] = true -- 'i'dle, 'b'usy: the first byte of a card
end
local byte = string.byte
local concat = table.concat
local out = { 0 }
local found = 0
local lines = {} -- reused for every cell: one table for the whole search

local function readCell(cellKey, cell, ring)
  local h = redis.call('HGETALL', cellKey)
  local n = 0
  for i = 1, #h, 2 do
    local card = h[i + 1]
    if wanted[byte(card, 1)] then
      n = n + 1
      lines[n] = h[i] .. '|' .. card
    end
  end
  if n > 0 then
    local m = #out
    out[m + 1] = ring
    out[m + 2] = cell
    out[m + 3] = n
    out[m + 4] = concat(lines, '\n', 1, n)
    found = found + n
  end
end

readCell(KEYS[1], centerCell, 0)
local prefix = ARGV[1]
local pos = 5
for ring = 1, tonumber(ARGV[4]) do
  if found >= minCount then
    break
  end
  local cells = tonumber(ARGV[pos])
  for i = pos + 1, pos + cells do
    readCell(prefix .. ARGV[i], ARGV[i], ring)
  end
  pos = pos + cells + 1
  out[1] = ring
end
return out
