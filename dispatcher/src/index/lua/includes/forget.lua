-- forget(cellPrefix, courierPrefix, courierKey, seenKey, idleKey, id) -> 1 when removed, 0 when absent
-- Deletes a courier everywhere: its cell record, idle count, last-seen entry and hash.
-- Needs includes/record and includes/relocate.
local function forget(cellPrefix, courierPrefix, courierKey, seenKey, idleKey, id)
  local cur = redis.call('HMGET', courierKey, 'cell', 'state', 'slot')
  redis.call('ZREM', seenKey, id)
  if not cur[2] then
    return 0
  end
  relocate(cellPrefix, courierPrefix, idleKey, id, cur[1], cur[2], cur[3], false, false, false)
  redis.call('DEL', courierKey)
  return 1
end
