-- getCourier: a courier's hash, with the cell of a listed (idle or busy) courier taken from the
-- where hash and its position and lastSeenMs from its cell record, where pings write them (see
-- moveCouriers-3).
-- KEYS[1] courier hash, KEYS[2] where hash (id -> 'cell:at' of the listed, includes/relocate)
-- ARGV[1] cell key prefix, ARGV[2] id
-- returns the hash as HGETALL does (field, value, …), empty when there is no courier
--- @include "record"
--- @include "relocate"

local h = redis.call('HGETALL', KEYS[1])
local at = {}
for i = 1, #h, 2 do
  at[h[i]] = i + 1
end
local state = at.state and h[at.state]
if state == 'idle' or state == 'busy' then
  local cell, slot = located(redis.call('HGET', KEYS[2], ARGV[2]))
  if cell then
    local off = slot * RECORD_BYTES + POSITION_OFFSET
    local pos = redis.call('GETRANGE', ARGV[1] .. cell, off, off + 23)
    if #pos == 24 then
      local lat, lng, lastSeenMs = struct.unpack('<ddd', pos)
      local listed = { lat = exact(lat), lng = exact(lng), lastSeenMs = exact(lastSeenMs), cell = cell }
      for field, value in pairs(listed) do
        if at[field] then
          h[at[field]] = value
        else
          table.insert(h, field)
          table.insert(h, value)
        end
      end
    end
  end
end
return h
