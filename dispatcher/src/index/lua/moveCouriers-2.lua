-- moveCouriers: applies a batch of pings atomically, each moving its courier between cells.
-- KEYS[1] seen   sorted set courier id -> last seen ms
-- KEYS[2] idle   hash index cell -> idle couriers
-- ARGV[1] cell key prefix, ARGV[2] courier key prefix,
-- then per ping 5 values: courier id, lat, lng, index cell, atMs
-- returns one code per ping: 1 moved to another cell, 0 same cell,
--   -1 unknown courier (no hash, or no record though idle or busy), -10 stale (atMs older than lastSeenMs)
-- A listed courier's ping inside its cell rewrites 24 bytes of its record (SETRANGE); a cell
-- change carries the rest of the record over (GETRANGE) into the new cell.
--- @include "record"
--- @include "relocate"

local cellPrefix, courierPrefix = ARGV[1], ARGV[2]
local results = {}
for i = 3, #ARGV, 5 do
  local id, lat, lng, cell, atMs = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local courierKey = courierPrefix .. id
  local cur = redis.call('HMGET', courierKey, 'cell', 'state', 'lastSeenMs', 'slot')
  local code
  if not cur[2] or (not cur[4] and (cur[2] == 'idle' or cur[2] == 'busy')) then
    code = -1 -- no hash, or a listed state without a record (the old layout): go online again
  elseif tonumber(cur[3]) > tonumber(atMs) then
    code = -10
  else
    local oldCell, state, slot = cur[1], cur[2], cur[4]
    local listed = slot and (state == 'idle' or state == 'busy')
    redis.call('ZADD', KEYS[1], atMs, id)
    if oldCell == cell then
      redis.call('HSET', courierKey, 'lat', lat, 'lng', lng, 'lastSeenMs', atMs)
      if listed then
        redis.call('SETRANGE', cellPrefix .. cell, tonumber(slot) * RECORD_BYTES + POSITION_OFFSET,
          position(lat, lng, atMs))
      end
      code = 0
    else
      if listed then
        local off = tonumber(slot) * RECORD_BYTES
        local old = redis.call('GETRANGE', cellPrefix .. oldCell, off, off + RECORD_BYTES - 1)
        local rec = string.sub(old, 1, POSITION_OFFSET) .. position(lat, lng, atMs)
          .. string.sub(old, POSITION_OFFSET + 25)
        slot = relocate(cellPrefix, courierPrefix, KEYS[2], id, oldCell, state, slot, cell, state, rec)
        redis.call('HSET', courierKey, 'lat', lat, 'lng', lng, 'cell', cell, 'lastSeenMs', atMs, 'slot', slot)
      else
        redis.call('HSET', courierKey, 'lat', lat, 'lng', lng, 'cell', cell, 'lastSeenMs', atMs)
      end
      code = 1
    end
  end
  results[#results + 1] = code
end
return results
