-- The binary record of a listed (idle or busy) courier: cell strings are these records back to
-- back, RECORD_BYTES each, so a candidate search reads a whole cell with one GET/MGET; the region's
-- `where` hash keeps each listed courier's cell and `slot` (record number) for in-place rewrites
-- (SETRANGE; includes/relocate).
-- Layout, little-endian (mirrored by RECORD in record-codec.ts; a test decodes Lua's records):
--   0 u8 state (1 idle, 2 busy)   1 u8 flags (1 in_house, 2 has shiftEndMs, 4 non-ASCII id or vehicle)
--   2 u16 load   4 u16 capacity   6 u8 vehicle bytes   7 u8 id bytes
--   8 f64 lat   16 f64 lng   24 f64 lastSeenMs   32 f64 shiftEndMs (0 when none)
--   40 vehicle, 8 bytes zero-padded   48 id, 36 bytes zero-padded
local RECORD_BYTES = 84
local POSITION_OFFSET = 8 -- lat, lng, lastSeenMs: what an in-cell ping rewrites
local ZEROS = string.rep('\0', 36)

local function record(state, kind, vehicle, load, capacity, lat, lng, lastSeenMs, shiftEndMs, id)
  local hasShift = shiftEndMs and shiftEndMs ~= ''
  local flags = (kind == 'in_house' and 1 or 0) + (hasShift and 2 or 0)
    + ((string.find(id, '[\128-\255]') or string.find(vehicle, '[\128-\255]')) and 4 or 0)
  return struct.pack('<BBHHBBdddd', state == 'idle' and 1 or 2, flags, tonumber(load), tonumber(capacity),
    #vehicle, #id, tonumber(lat), tonumber(lng), tonumber(lastSeenMs), hasShift and tonumber(shiftEndMs) or 0)
    .. vehicle .. string.sub(ZEROS, 1, 8 - #vehicle) .. id .. string.sub(ZEROS, 1, 36 - #id)
end

local function position(lat, lng, lastSeenMs)
  return struct.pack('<ddd', tonumber(lat), tonumber(lng), tonumber(lastSeenMs))
end

-- A double as the shortest of 15-17 significant digits that reads back as the same double (Lua's
-- tostring keeps 14), so 52.37 is written '52.37' as the client would, not '52.369999999999997'.
local function exact(x)
  for digits = 15, 16 do
    local s = string.format('%.' .. digits .. 'g', x)
    if tonumber(s) == x then
      return s
    end
  end
  return string.format('%.17g', x)
end
