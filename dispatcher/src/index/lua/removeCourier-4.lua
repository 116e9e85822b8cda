-- removeCourier: deletes a courier from the index (hash, cell record, where entry, idle count,
-- last seen).
-- KEYS[1] courier hash, KEYS[2] seen sorted set, KEYS[3] idle hash, KEYS[4] where hash
-- ARGV[1] cell key prefix, ARGV[2] id
-- returns 1 removed, 0 not there
--- @include "record"
--- @include "relocate"
--- @include "forget"

return forget(ARGV[1], KEYS[4], KEYS[1], KEYS[2], KEYS[3], ARGV[2])
