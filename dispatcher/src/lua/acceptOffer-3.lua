-- Race-safe accept: the first courier to accept an open, unexpired offer of a job wins the job.
-- KEYS[1] offer hash, KEYS[2] job winner key, KEYS[3] set of couriers holding an open offer
-- ARGV[1] courier id, ARGV[2] now ms, ARGV[3] offer id
-- returns 1 accepted; -1 unknown offer; -2 not this courier's offer; -3 offer not open;
--         -4 offer expired; -5 the job went to another offer
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local offer = redis.call('HMGET', KEYS[1], 'courierId', 'status', 'expiresAtMs')
if offer[1] ~= ARGV[1] then return -2 end
if offer[2] ~= 'open' then return -3 end
if tonumber(offer[3]) < tonumber(ARGV[2]) then return -4 end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', 86400000) == false then return -5 end
redis.call('HSET', KEYS[1], 'status', 'accepted')
redis.call('SREM', KEYS[3], ARGV[1])
return 1
