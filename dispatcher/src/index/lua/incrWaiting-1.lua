-- incrWaiting: adds delta to the waiting orders of one heat cell, never below zero
-- (a cell at zero is deleted so the hash only holds cells with demand).
-- KEYS[1] heat hash
-- ARGV[1] heat cell, ARGV[2] delta (integer)
-- returns the new count (>= 0)
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 0
end
return n
