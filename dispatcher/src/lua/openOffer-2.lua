-- Records an open offer and marks its courier as holding one (the loop offers nothing else to a
-- marked courier: one offer at a time).
-- KEYS[1] offer hash, KEYS[2] set of couriers holding an open offer
-- ARGV[1] courier id, ARGV[2] job id, ARGV[3] order ids (comma-separated), ARGV[4] expires at ms,
-- ARGV[5] ttl ms of the hash (kept a while after expiry so late answers get a clear error)
-- returns 1
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'courierId', ARGV[1], 'jobId', ARGV[2], 'orderIds', ARGV[3],
  'expiresAtMs', ARGV[4], 'status', 'open')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
