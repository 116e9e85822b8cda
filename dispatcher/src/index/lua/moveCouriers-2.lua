-- moveCouriers: applies a batch of pings atomically, each moving its courier between cells.
-- KEYS[1] seen   sorted set courier id -> last seen ms
-- KEYS[2] idle   hash index cell -> idle couriers
-- ARGV[1] cell key prefix, ARGV[2] courier key prefix,
-- then per ping 5 values: courier id, lat, lng, index cell, atMs
-- returns one code per ping: 1 moved to another cell, 0 same cell,
--   -1 unknown courier (no hash, or no record though idle or busy), -10 stale (atMs older than lastSeenMs)
-- A listed (idle or busy) courier's position and lastSeenMs live in its cell record, not in its
-- hash (getCourier-1 reads them there). Last seen of the whole batch is read with one ZMSCORE
-- (the stale check) and written with one ZADD at the end, so a ping inside its cell costs two
-- calls: HMGET of where the record is and one SETRANGE of 24 bytes. A cell change carries the
-- record over (unlist returns it). An offline courier's position is written to its hash.
--- @include "record"
--- @include "relocate"

local cellPrefix, courierPrefix, seenKey = ARGV[1], ARGV[2], KEYS[1]
local ids = {}
for i = 3, #ARGV, 5 do
  ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
  return {}
end
local scores = redis.call('ZMSCORE', seenKey, unpack(ids))
local accepted = {} -- id -> atMs (string) of its last accepted ping in this batch
local lastSeen = {} -- id -> the same as a number
local results = {}
for i = 3, #ARGV, 5 do
  local k = #results + 1
  local id, lat, lng, cell, atMs = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local courierKey = courierPrefix .. id
  local cur = redis.call('HMGET', courierKey, 'cell', 'state', 'slot')
  local oldCell, state, slot = cur[1], cur[2], cur[3]
  local listed = state == 'idle' or state == 'busy'
  local seen = lastSeen[id] or (scores[k] and tonumber(scores[k]))
  local code
  if not state or (listed and not slot) then
    code = -1 -- no hash, or a listed state without a record (the old layout): go online again
  elseif seen and seen > tonumber(atMs) then
    code = -10
  else
    accepted[id] = atMs
    lastSeen[id] = tonumber(atMs)
    if not listed then
      redis.call('HSET', courierKey, 'lat', lat, 'lng', lng, 'cell', cell, 'lastSeenMs', atMs)
      code = oldCell == cell and 0 or 1
    elseif oldCell == cell then
      redis.call('SETRANGE', cellPrefix .. cell, tonumber(slot) * RECORD_BYTES + POSITION_OFFSET,
        position(lat, lng, atMs))
      code = 0
    else
      local rec = unlist(cellPrefix, courierPrefix, oldCell, slot)
      if rec then
        rec = string.sub(rec, 1, POSITION_OFFSET) .. position(lat, lng, atMs) .. string.sub(rec, POSITION_OFFSET + 25)
      else -- the record was lost: rebuild it from the hash
        local f = redis.call('HMGET', courierKey, 'kind', 'vehicle', 'load', 'capacity', 'shiftEndMs')
        rec = record(state, f[1], f[2], f[3], f[4], lat, lng, atMs, f[5], id)
      end
      slot = redis.call('APPEND', cellPrefix .. cell, rec) / RECORD_BYTES - 1
      redis.call('HSET', courierKey, 'cell', cell, 'slot', slot)
      recount(KEYS[2], oldCell, state, cell, state)
      code = 1
    end
  end
  results[k] = code
end
local seenArgs = {}
for id, atMs in pairs(accepted) do
  seenArgs[#seenArgs + 1] = atMs
  seenArgs[#seenArgs + 1] = id
end
if #seenArgs > 0 then
  redis.call('ZADD', seenKey, unpack(seenArgs))
end
return results
