-- setState: changes a courier's state (idle|busy|offline), optionally its load and capacity,
-- keeping its cell listing and the idle counters in step.
-- KEYS[1] courier hash, KEYS[2] idle hash
-- ARGV[1] cell key prefix, ARGV[2] id, ARGV[3] state, ARGV[4] load ('' keeps), ARGV[5] capacity ('' keeps)
-- returns 1 done, -1 unknown courier, -2 load over capacity
--- @include "card"
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
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'load', load, 'capacity', capacity)
local newCard = card(ARGV[3], cur[5], cur[6], cur[7], load, capacity, cur[8], cur[9], cur[10])
relocate(ARGV[1], KEYS[2], ARGV[2], cur[1], cur[2], cur[1], ARGV[3], newCard)
return 1
