-- setState: changes a courier's state (idle|busy|offline), optionally its load and capacity,
-- keeping its cell record and the idle counters in step.
-- KEYS[1] courier hash, KEYS[2] idle hash
-- ARGV[1] cell key prefix, ARGV[2] courier key prefix, ARGV[3] id, ARGV[4] state,
-- ARGV[5] load ('' keeps), ARGV[6] capacity ('' keeps)
-- returns 1 done, -1 unknown courier, -2 load over capacity
-- A listed courier's position is in its record (see moveCouriers-2): it is read from there, and
-- written to the hash when the courier goes offline.
--- @include "record"
--- @include "relocate"

local cur = redis.call('HMGET', KEYS[1], 'cell', 'state', 'load', 'capacity', 'lat', 'lng', 'lastSeenMs',
  'kind', 'vehicle', 'shiftEndMs', 'slot')
if not cur[2] then
  return -1
end
local load = ARGV[5] ~= '' and ARGV[5] or cur[3]
local capacity = ARGV[6] ~= '' and ARGV[6] or cur[4]
if tonumber(load) > tonumber(capacity) then
  return -2
end
local state, cell, slot = ARGV[4], cur[1], cur[11]
local lat, lng, lastSeenMs = cur[5], cur[6], cur[7]
local wasListed = slot and (cur[2] == 'idle' or cur[2] == 'busy')
if wasListed then
  local off = tonumber(slot) * RECORD_BYTES + POSITION_OFFSET
  local pos = redis.call('GETRANGE', ARGV[1] .. cell, off, off + 23)
  if #pos == 24 then
    lat, lng, lastSeenMs = struct.unpack('<ddd', pos)
  end
end
local rec = false
if state ~= 'offline' then
  rec = record(state, cur[8], cur[9], load, capacity, lat, lng, lastSeenMs, cur[10], ARGV[3])
end
slot = relocate(ARGV[1], ARGV[2], KEYS[2], ARGV[3], cell, cur[2], slot, cell, state, rec)
redis.call('HSET', KEYS[1], 'state', state, 'load', load, 'capacity', capacity)
if slot then
  redis.call('HSET', KEYS[1], 'slot', slot)
elseif wasListed then
  redis.call('HSET', KEYS[1], 'lat', exact(lat), 'lng', exact(lng), 'lastSeenMs', exact(lastSeenMs))
  redis.call('HDEL', KEYS[1], 'slot')
end
return 1
