-- forget(cellPrefix, whereKey, courierKey, seenKey, idleKey, id) -> 1 when removed, 0 when absent
-- Deletes a courier everywhere: its cell record and `where` entry, idle count, last-seen entry and
-- hash. Needs includes/record and includes/relocate.
local function forget(cellPrefix, whereKey, courierKey, seenKey, idleKey, id)
  local cur = redis.call('HMGET', courierKey, 'cell', 'state')
  redis.call('ZREM', seenKey, id)
  if not cur[2] then
    return 0
  end
  local cell, slot = located(redis.call('HGET', whereKey, id))
  relocate(cellPrefix, whereKey, idleKey, id, cell or cur[1], cur[2], slot, false, false, false)
  redis.call('DEL', courierKey)
  return 1
end
