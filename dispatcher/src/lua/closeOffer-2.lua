-- Closes an open offer as declined, expired or revoked (and frees the courier for new offers).
-- KEYS[1] offer hash, KEYS[2] set of couriers holding an open offer
-- ARGV[1] new status, ARGV[2] courier id that must own the offer, or '' for any (expiry, revoke)
-- returns 1 closed; -1 unknown offer; -2 not this courier's offer; -3 offer not open
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local offer = redis.call('HMGET', KEYS[1], 'courierId', 'status')
if ARGV[2] ~= '' and offer[1] ~= ARGV[2] then return -2 end
if offer[2] ~= 'open' then return -3 end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
redis.call('SREM', KEYS[2], offer[1])
return 1
