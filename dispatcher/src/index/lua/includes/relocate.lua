-- relocate(cellPrefix, courierPrefix, idleKey, id, oldCell, oldState, oldSlot, newCell, newState, rec)
--   -> the courier's slot in newCell, or false when it is not listed there
-- Moves a courier's record and idle counter from (oldCell, oldState) to (newCell, newState).
-- Idle and busy couriers are listed as a record (includes/record) in their cell's string;
-- offline couriers and couriers without a cell (false) are listed nowhere. Idle couriers count
-- in `idle[cell]`. Leaving a cell moves the cell's last record into the hole (its courier's
-- `slot` is rewritten) and shortens the string (`unlist` returns the record taken out); joining
-- one appends. Needs includes/record.
local function unlist(cellPrefix, courierPrefix, cell, slot)
  local key = cellPrefix .. cell
  local s = redis.call('GET', key)
  local off = tonumber(slot) * RECORD_BYTES
  if not s or off + RECORD_BYTES > #s then
    return false
  end
  local len = #s
  local rec = string.sub(s, off + 1, off + RECORD_BYTES)
  if len == RECORD_BYTES then
    redis.call('DEL', key)
  elseif off + RECORD_BYTES == len then
    redis.call('SET', key, string.sub(s, 1, off))
  else
    local last = string.sub(s, len - RECORD_BYTES + 1)
    redis.call('SET', key, string.sub(s, 1, off) .. last .. string.sub(s, off + RECORD_BYTES + 1, len - RECORD_BYTES))
    redis.call('HSET', courierPrefix .. string.sub(last, 49, 48 + string.byte(last, 8)), 'slot', slot)
  end
  return rec
end

-- Idle counters of a move from (oldCell, oldState) to (newCell, newState).
local function recount(idleKey, oldCell, oldState, newCell, newState)
  local sameCell = oldCell == newCell
  local wasIdle = oldCell and oldState == 'idle'
  local isIdle = newCell and newState == 'idle'
  if wasIdle and not (isIdle and sameCell) then
    if redis.call('HINCRBY', idleKey, oldCell, -1) <= 0 then
      redis.call('HDEL', idleKey, oldCell)
    end
  end
  if isIdle and not (wasIdle and sameCell) then
    redis.call('HINCRBY', idleKey, newCell, 1)
  end
end

local function relocate(cellPrefix, courierPrefix, idleKey, id, oldCell, oldState, oldSlot, newCell, newState, rec)
  local wasListed = oldCell and oldSlot and (oldState == 'idle' or oldState == 'busy')
  local isListed = newCell and (newState == 'idle' or newState == 'busy')
  local sameCell = oldCell == newCell
  local slot = false
  if wasListed and isListed and sameCell then
    redis.call('SETRANGE', cellPrefix .. newCell, tonumber(oldSlot) * RECORD_BYTES, rec)
    slot = tonumber(oldSlot)
  else
    if wasListed then
      unlist(cellPrefix, courierPrefix, oldCell, oldSlot)
    end
    if isListed then
      slot = redis.call('APPEND', cellPrefix .. newCell, rec) / RECORD_BYTES - 1
    end
  end
  recount(idleKey, oldCell, oldState, newCell, newState)
  return slot
end
