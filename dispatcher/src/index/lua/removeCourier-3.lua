-- removeCourier: deletes a courier from the index (hash, cell record, idle count, last seen).
-- KEYS[1] courier hash, KEYS[2] seen sorted set, KEYS[3] idle hash
-- ARGV[1] cell key prefix, ARGV[2] courier key prefix, ARGV[3] id
-- returns 1 removed, 0 not there
--- @include "record"
--- @include "relocate"
--- @include "forget"

return forget(ARGV[1], ARGV[2], KEYS[1], KEYS[2], KEYS[3], ARGV[3])
