-- relocate(cellPrefix, whereKey, idleKey, id, oldCell, oldState, oldSlot, newCell, newState, rec)
--   -> the courier's slot in newCell, or false when it is not listed there
-- Moves a courier's record and idle counter from (oldCell, oldState) to (newCell, newState).
-- Idle and busy couriers are listed as a record (includes/record) in their cell's string, and the
-- region's `where` hash maps each listed courier to 'cell:at', `at` being the byte offset of its
-- record's position in the cell string (slot * RECORD_BYTES + POSITION_OFFSET: what a ping's
-- SETRANGE takes, as it is); offline couriers and couriers without a cell (false) are listed
-- nowhere. Idle couriers count in `idle[cell]`. Leaving a cell moves the cell's last record into
-- the hole and shortens the string (`unlist` returns the record taken out and the id of the courier
-- moved, whose `where` entry the caller rewrites); joining one appends. Needs includes/record.
-- The `where` value of record `slot` of a cell.
local function whereValue(cell, slot)
  return cell .. ':' .. (slot * RECORD_BYTES + POSITION_OFFSET)
end

-- A `where` value (false or nil when not listed) -> cell, slot (a number); false, false.
local function located(w)
  if not w then
    return false, false
  end
  local colon = string.find(w, ':', 1, true)
  return string.sub(w, 1, colon - 1), (tonumber(string.sub(w, colon + 1)) - POSITION_OFFSET) / RECORD_BYTES
end

-- Takes record `slot` out of a cell string -> the record (false when there is none) and the id of
-- the courier whose record moved into the hole (nil when none moved); its slot is now `slot`.
local function unlist(cellPrefix, cell, slot)
  local key = cellPrefix .. cell
  local s = redis.call('GET', key)
  local off = slot * RECORD_BYTES
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
    return rec, string.sub(last, 49, 48 + string.byte(last, 8))
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

local function relocate(cellPrefix, whereKey, idleKey, id, oldCell, oldState, oldSlot, newCell, newState, rec)
  local wasListed = oldCell and oldSlot and (oldState == 'idle' or oldState == 'busy')
  local isListed = newCell and (newState == 'idle' or newState == 'busy')
  local sameCell = oldCell == newCell
  local slot = false
  if wasListed and isListed and sameCell then
    redis.call('SETRANGE', cellPrefix .. newCell, oldSlot * RECORD_BYTES, rec)
    slot = oldSlot
  else
    if wasListed then
      local _, moved = unlist(cellPrefix, oldCell, oldSlot)
      if moved then
        redis.call('HSET', whereKey, moved, whereValue(oldCell, oldSlot))
      end
    end
    if isListed then
      slot = redis.call('APPEND', cellPrefix .. newCell, rec) / RECORD_BYTES - 1
      redis.call('HSET', whereKey, id, whereValue(newCell, slot))
    elseif wasListed then
      redis.call('HDEL', whereKey, id)
    end
  end
  recount(idleKey, oldCell, oldState, newCell, newState)
  return slot
end
