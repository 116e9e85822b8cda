-- relocate(cellPrefix, idleKey, id, oldCell, oldState, newCell, newState, newCard)
-- Moves a courier's cell listing and idle counter from (oldCell, oldState) to (newCell, newState).
-- Idle and busy couriers are listed in their cell's hash (id -> card, see includes/card);
-- offline couriers and couriers without a cell (false) are listed nowhere. Idle couriers count
-- in `idle[cell]`. The new card is written whenever the courier stays listed.
local function relocate(cellPrefix, idleKey, id, oldCell, oldState, newCell, newState, newCard)
  local wasListed = oldCell and (oldState == 'idle' or oldState == 'busy')
  local isListed = newCell and (newState == 'idle' or newState == 'busy')
  local sameCell = oldCell == newCell
  if wasListed and not (isListed and sameCell) then
    redis.call('HDEL', cellPrefix .. oldCell, id)
  end
  if isListed then
    redis.call('HSET', cellPrefix .. newCell, id, newCard)
  end
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
