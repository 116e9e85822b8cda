-- Takes `n` requests of a key's fixed-window budget at once (a process's lease, see
-- rate-limit-lease-store.ts): the same counter the per-request INCR used, moved by n.
-- KEYS[1] the key's counter
-- ARGV[1] n (>= 1), ARGV[2] window ms
-- returns {count after the increment, ms left in the window}
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {count, tonumber(ARGV[2])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  -- A counter without expiry (written by something else): give it this window rather than none.
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}
