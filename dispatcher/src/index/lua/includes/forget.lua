-- forget(cellPrefix, courierKey, seenKey, idleKey, id) -> 1 when removed, 0 when absent
-- Deletes a courier everywhere: its cell membership, idle count, last-seen entry and hash.
-- Needs includes/relocate.
local function forget(cellPrefix, courierKey, seenKey, idleKey, id)
  local cur = redis.call('HMGET', courierKey, 'cell', 'state')
  redis.call('ZREM', seenKey, id)
  if not cur[2] then
    return 0
  end
  relocate(cellPrefix, idleKey, id, cur[1], cur[2], false, false, false)
  redis.call('DEL', courierKey)
  return 1
end
