-- setState: changes a courier's state (idle|busy|offline), optionally its load and capacity,
-- keeping its cell record, its where entry and the idle counters in step.
-- KEYS[1] courier hash, KEYS[2] idle hash, KEYS[3] where hash (id -> 'cell:at' of the listed, includes/relocate)
-- ARGV[1] cell key prefix, ARGV[2] id, ARGV[3] state, ARGV[4] load ('' keeps), ARGV[5] capacity ('' keeps)
-- returns 1 done, -1 unknown courier, -2 load over capacity
-- A listed courier's cell is in `where` and its position in its record (see moveCouriers-3): they
-- are read from there, and written to the hash when the courier goes offline.
--- @include "record"
--- @include "relocate"

local cur = redis.call('HMGET', KEYS[1], 'cell', 'state', 'load', 'capacity', 'lat', 'lng', 'lastSeenMs',
  'kind', 'vehicle', 'shiftEndMs')
if not cur[2] then
  return -1
end
local load = ARGV[4] ~= '' and ARGV[4] or cur[3]
local capacity = ARGV[5] ~= '' and ARGV[5] or cur[4]
if tonumber(load) > tonumber(capacity) then
  return -2
end
local state = ARGV[3]
local listedCell, slot = located(redis.call('HGET', KEYS[3], ARGV[2]))
local cell = listedCell or cur[1]
local lat, lng, lastSeenMs = cur[5], cur[6], cur[7]
local wasListed = slot and (cur[2] == 'idle' or cur[2] == 'busy')
if wasListed then
  local off = slot * RECORD_BYTES + POSITION_OFFSET
  local pos = redis.call('GETRANGE', ARGV[1] .. cell, off, off + 23)
  if #pos == 24 then
    lat, lng, lastSeenMs = struct.unpack('<ddd', pos)
  end
end
local rec = false
if state ~= 'offline' then
  rec = record(state, cur[8], cur[9], load, capacity, lat, lng, lastSeenMs, cur[10], ARGV[2])
end
slot = relocate(ARGV[1], KEYS[3], KEYS[2], ARGV[2], cell, cur[2], slot, cell, state, rec)
redis.call('HSET', KEYS[1], 'state', state, 'load', load, 'capacity', capacity)
if wasListed and not slot then
  redis.call('HSET', KEYS[1], 'lat', exact(lat), 'lng', exact(lng), 'lastSeenMs', exact(lastSeenMs), 'cell', cell)
end
return 1
