-- moveCouriers: applies a batch of pings atomically, each moving its courier between cells.
-- KEYS[1] seen   sorted set courier id -> last seen ms
-- KEYS[2] idle   hash index cell -> idle couriers
-- KEYS[3] where  hash courier id -> 'cell:at' of each listed (idle or busy) courier (includes/relocate)
-- ARGV[1] cell key prefix, ARGV[2] courier key prefix,
-- ARGV[3] the pings' positions, 24 bytes each in ping order: lat, lng, atMs as little-endian
--   doubles, i.e. the bytes a record holds at POSITION_OFFSET (includes/record),
-- then per ping 3 values: courier id, index cell, atMs
-- returns one code per ping: 1 moved to another cell, 0 same cell,
--   -1 unknown courier (no hash, or idle or busy without a where entry), -10 stale (atMs older than
--   the last accepted ping)
-- A listed courier's cell and record offset live in `where` and its position and lastSeenMs in its
-- cell record, not in its hash (getCourier-2 reads them there). The batch reads last seen (the stale
-- check) with one ZMSCORE and where its couriers are with one HMGET, and writes both back with one
-- ZADD and one HSET at the end, so a ping inside its cell costs one call: SETRANGE of its 24 bytes,
-- as the client packed them. A cell change carries the record over (unlist returns it). Offline
-- couriers (the rare path) are looked up in their hash, and their pings written there.
--- @include "record"
--- @include "relocate"

local cellPrefix, courierPrefix, positions = ARGV[1], ARGV[2], ARGV[3]
local seenKey, idleKey, whereKey = KEYS[1], KEYS[2], KEYS[3]
local ids = {}
for i = 4, #ARGV, 3 do
  ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
  return {}
end
if #positions ~= 24 * #ids then
  return redis.error_reply('moveCouriers: ' .. #positions .. ' position bytes for ' .. #ids .. ' pings')
end
local scores = redis.call('ZMSCORE', seenKey, unpack(ids))
local wheres = redis.call('HMGET', whereKey, unpack(ids))
local changed = {} -- id -> its where value after a cell change in this batch (or its slot's)
local lastSeen = {} -- id -> atMs of its last accepted ping in this batch
local seenArgs = {} -- ZADD's score, member pairs of the accepted pings (a courier's last one wins)
local function accept(id, at, atMs)
  lastSeen[id] = at
  seenArgs[#seenArgs + 1] = atMs
  seenArgs[#seenArgs + 1] = id
end
local results = {}
local sub, byte, find = string.sub, string.byte, string.find
for k = 1, #ids do
  local i = 3 * k + 1
  local id, cell, atMs = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local at = tonumber(atMs)
  local seen = lastSeen[id] or tonumber(scores[k])
  local w = changed[id] or wheres[k]
  local n = #cell
  local code
  if w and byte(w, n + 1) == 58 and find(w, cell, 1, true) == 1 then
    -- The common case, a ping inside its cell: `w` is 'cell:at', `at` the offset to write at.
    if seen and seen > at then
      code = -10
    else
      accept(id, at, atMs)
      redis.call('SETRANGE', cellPrefix .. cell, sub(w, n + 2), sub(positions, 24 * k - 23, 24 * k))
      code = 0
    end
  else
    local oldCell, slot = located(w)
    if not oldCell then
      local courierKey = courierPrefix .. id
      local cur = redis.call('HMGET', courierKey, 'state', 'cell')
      local state = cur[1]
      if not state or state == 'idle' or state == 'busy' then
        code = -1 -- no hash, or listed without a where entry (an older layout): go online again
      elseif seen and seen > at then
        code = -10
      else
        accept(id, at, atMs)
        local lat, lng = struct.unpack('<dd', positions, 24 * k - 23)
        redis.call('HSET', courierKey, 'lat', exact(lat), 'lng', exact(lng), 'cell', cell, 'lastSeenMs', atMs)
        code = cur[2] == cell and 0 or 1
      end
    elseif seen and seen > at then
      code = -10
    else
      accept(id, at, atMs)
      local pos = sub(positions, 24 * k - 23, 24 * k)
      local rec, moved = unlist(cellPrefix, oldCell, slot)
      if moved then
        changed[moved] = whereValue(oldCell, slot)
      end
      local state
      if rec then
        state = byte(rec, 1) == 1 and 'idle' or 'busy'
        rec = sub(rec, 1, POSITION_OFFSET) .. pos .. sub(rec, POSITION_OFFSET + 25)
      else -- the record was lost: rebuild it from the hash
        local f = redis.call('HMGET', courierPrefix .. id, 'state', 'kind', 'vehicle', 'load', 'capacity',
          'shiftEndMs')
        local lat, lng = struct.unpack('<dd', pos)
        state = f[1]
        rec = record(state, f[2], f[3], f[4], f[5], lat, lng, at, f[6], id)
      end
      changed[id] = whereValue(cell, redis.call('APPEND', cellPrefix .. cell, rec) / RECORD_BYTES - 1)
      recount(idleKey, oldCell, state, cell, state)
      code = 1
    end
  end
  results[k] = code
end
local whereArgs = {}
for id, w in pairs(changed) do
  whereArgs[#whereArgs + 1] = id
  whereArgs[#whereArgs + 1] = w
end
if #whereArgs > 0 then
  redis.call('HSET', whereKey, unpack(whereArgs))
end
if #seenArgs > 0 then
  redis.call('ZADD', seenKey, unpack(seenArgs))
end
return results
