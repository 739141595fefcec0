"""Lua scripts of the Redis session store: each change to a session and its index sets is atomic.

Layout: a hash per session (`<prefix>session:<sha256 of id>`), a set of session hashes per user
(`session-user:`) and per OIDC session (`session-sid:`). Each hash names its index sets and its
deadline (`ends_at`, epoch microseconds), so the scripts need no knowledge of the key scheme. A set
lives as long as its longest-lived member; members whose hash expired are harmless (DEL of nothing).
The scripts touch session keys they read from a set, so they need one Redis server or a primary with
replicas, not Redis Cluster.
"""

from __future__ import annotations

# KEYS: session, user set[, sid set]. ARGV: ttl_ms, member, field, value, ...
CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[2])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
end
return 1
"""

# KEYS: session, user set[, sid set]. ARGV: now_us, ends_at_us, ttl_ms.
# Never recreates a revoked session and never moves last_seen backwards.
TOUCH = """
local seen = redis.call('HGET', KEYS[1], 'last_seen')
if not seen or tonumber(seen) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1], 'ends_at', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
for i = 2, #KEYS do
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
end
return 1
"""

# KEYS: session. ARGV: member, now_us. Returns 1 when a live session ended.
REVOKE = """
local f = redis.call('HMGET', KEYS[1], 'user_set', 'sid_set', 'ends_at')
if not f[3] then return 0 end
if f[1] and f[1] ~= '' then redis.call('SREM', f[1], ARGV[1]) end
if f[2] and f[2] ~= '' then redis.call('SREM', f[2], ARGV[1]) end
redis.call('DEL', KEYS[1])
if tonumber(f[3]) > tonumber(ARGV[2]) then return 1 end
return 0
"""

# KEYS: an index set (a user's or an OIDC session's). ARGV: session key prefix, now_us, the name of
# the other index field to unlink each member from. Returns how many live sessions ended.
REVOKE_ALL = """
local ended = 0
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. member
  local f = redis.call('HMGET', key, ARGV[3], 'ends_at')
  if f[1] and f[1] ~= '' then redis.call('SREM', f[1], member) end
  if f[2] and tonumber(f[2]) > tonumber(ARGV[2]) then ended = ended + 1 end
  redis.call('DEL', key)
end
redis.call('DEL', KEYS[1])
return ended
"""
