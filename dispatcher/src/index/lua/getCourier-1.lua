-- getCourier: a courier's hash, with the position and lastSeenMs of a listed (idle or busy)
-- courier taken from its cell record, where pings write them (see moveCouriers-2).
-- KEYS[1] courier hash
-- ARGV[1] cell key prefix
-- returns the hash as HGETALL does (field, value, …), empty when there is no courier
--- @include "record"

local h = redis.call('HGETALL', KEYS[1])
local at = {}
for i = 1, #h, 2 do
  at[h[i]] = i + 1
end
local state = at.state and h[at.state]
if at.slot and at.cell and (state == 'idle' or state == 'busy') then
  local off = tonumber(h[at.slot]) * RECORD_BYTES + POSITION_OFFSET
  local pos = redis.call('GETRANGE', ARGV[1] .. h[at.cell], off, off + 23)
  if #pos == 24 then
    local lat, lng, lastSeenMs = struct.unpack('<ddd', pos)
    h[at.lat], h[at.lng], h[at.lastSeenMs] = exact(lat), exact(lng), exact(lastSeenMs)
  end
end
return h
