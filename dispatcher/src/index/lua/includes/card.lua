-- card(state, lat, lng, lastSeenMs, load, capacity, kind, vehicle, shiftEndMs) -> string
-- A courier as one string, stored in its cell's hash so a candidate search reads a whole cell
-- with one HGETALL. Field order is CARD_FIELDS in record-codec.ts; shiftEndMs may be false ('').
local function card(state, lat, lng, lastSeenMs, load, capacity, kind, vehicle, shiftEndMs)
  return table.concat({ state, lat, lng, lastSeenMs, load, capacity, kind, vehicle, shiftEndMs or '' }, '|')
end
