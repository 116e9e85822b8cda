-- findCandidates: reads couriers ring by ring around a center cell (rings precomputed by the
-- caller with gridDisk) until at least minCount match the wanted states or the rings run out.
-- KEYS[1] cell set of the center cell (ring 0)
-- ARGV[1] cell key prefix, ARGV[2] courier key prefix, ARGV[3] minCount,
-- ARGV[4] wanted states, comma separated (e.g. 'idle,busy'), ARGV[5] number of rings after ring 0,
-- then per ring 1..n: its cell count followed by its cells
-- returns { largest ring searched, then per courier 12 values: id, ring, lat, lng, cell, state,
--   kind, vehicle, load, capacity, lastSeenMs, shiftEndMs (nil when unknown) }
local courierPrefix, minCount = ARGV[2], tonumber(ARGV[3])
local wanted = {}
for s in string.gmatch(ARGV[4], '[^,]+') do
  wanted[s] = true
end
local out = { 0 }
local found = 0

local function readCell(cellKey, ring)
  for _, id in ipairs(redis.call('SMEMBERS', cellKey)) do
    local f = redis.call('HMGET', courierPrefix .. id, 'lat', 'lng', 'cell', 'state', 'kind', 'vehicle',
      'load', 'capacity', 'lastSeenMs', 'shiftEndMs')
    if f[4] and wanted[f[4]] then
      found = found + 1
      local n = #out
      out[n + 1] = id
      out[n + 2] = ring
      for j = 1, 10 do
        out[n + 2 + j] = f[j]
      end
    end
  end
end

readCell(KEYS[1], 0)
local rings = tonumber(ARGV[5])
local pos = 6
for ring = 1, rings do
  if found >= minCount then
    break
  end
  local count = tonumber(ARGV[pos])
  for i = pos + 1, pos + count do
    readCell(ARGV[1] .. ARGV[i], ring)
  end
  pos = pos + count + 1
  out[1] = ring
end
return out
