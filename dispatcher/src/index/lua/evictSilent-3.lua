-- evictSilent: removes up to `limit` couriers whose last ping is at or before the cutoff.
-- KEYS[1] seen sorted set, KEYS[2] idle hash, KEYS[3] where hash (id -> 'cell:at' of the listed, includes/relocate)
-- ARGV[1] cell key prefix, ARGV[2] courier key prefix, ARGV[3] cutoff ms, ARGV[4] limit
-- returns the evicted courier ids (fewer than limit means none are left)
--- @include "record"
--- @include "relocate"
--- @include "forget"

local ids = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[3], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  forget(ARGV[1], KEYS[3], ARGV[2] .. id, KEYS[1], KEYS[2], id)
end
return ids
