"""The frontier's Redis scripts: each one atomic step and one round trip, on the server's clock."""

from __future__ import annotations

from typing import Any

import redis

from crawler.frontier.settings import FrontierKeys

# --- Redis scripts ----------------------------------------------------------------------------
# Each script is one atomic step and one round trip. They read the clock with TIME, so
# every worker, on any machine, measures leases and TTLs against the same clock.

CLAIM_LUA = """
local function claim(mode, seen_key, fingerprint, ttl, entries_prefix)
    if mode == 'article' then
        local now = tonumber(redis.call('TIME')[1])
        local seen = redis.call('ZSCORE', seen_key, fingerprint)
        if seen and tonumber(seen) > now - tonumber(ttl) then return 0 end
        redis.call('ZADD', seen_key, now, fingerprint)
    elseif mode == 'entry' then
        local key = entries_prefix .. (redis.call('GET', seen_key) or '0')
        if redis.call('SADD', key, fingerprint) == 0 then return 0 end
        redis.call('EXPIRE', key, tonumber(ttl))
    end
    return 1
end
"""

SCRIPTS: dict[str, str] = {
    # KEYS: seen key (articles zset, or the round counter for entries)
    # ARGV: mode (article | entry | always), fingerprint, ttl, entries key prefix — 1 when new
    "claim": CLAIM_LUA + "return claim(ARGV[1], KEYS[1], ARGV[2], ARGV[3], ARGV[4])",
    # KEYS: seen key, requests | ARGV: as "claim", then request json, score — 1 when pushed
    "push": CLAIM_LUA + """
        if claim(ARGV[1], KEYS[1], ARGV[2], ARGV[3], ARGV[4]) == 0 then return 0 end
        redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])
        return 1
    """,
    # KEYS: requests, leases, leased, lease_seq | ARGV: owner, lease seconds, how many
    # -> {lease id, request json, ...}, highest priority first
    "pop": """
        local top = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
        if #top == 0 then return {} end
        local t = redis.call('TIME')
        local deadline = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[2])
        local out = {}
        for i = 1, #top, 2 do
            redis.call('ZREM', KEYS[1], top[i])
            local id = ARGV[1] .. '/' .. redis.call('INCR', KEYS[4])
            redis.call('ZADD', KEYS[2], deadline, id)
            redis.call('HSET', KEYS[3], id, top[i + 1] .. ' ' .. top[i])
            out[#out + 1] = id
            out[#out + 1] = top[i]
        end
        return out
    """,
    # KEYS: leases, leased, reclaims | ARGV: lease ids — the requests are done
    "ack": """
        local done = 0
        for _, id in ipairs(ARGV) do
            local v = redis.call('HGET', KEYS[2], id)
            if v then
                local sp = string.find(v, ' ', 1, true)
                redis.call('HDEL', KEYS[3], redis.sha1hex(string.sub(v, sp + 1)))
                redis.call('HDEL', KEYS[2], id)
                done = done + 1
            end
            redis.call('ZREM', KEYS[1], id)
        end
        return done
    """,
    # KEYS: leases | ARGV: lease seconds, lease ids — how many were still held
    "renew": """
        local t = redis.call('TIME')
        local deadline = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
        local kept = 0
        for i = 2, #ARGV do
            kept = kept + redis.call('ZADD', KEYS[1], 'XX', 'CH', deadline, ARGV[i])
        end
        return kept
    """,
    # KEYS: requests, leases, leased | ARGV: lease ids — a stopping worker hands its requests back now
    "release": """
        local back = 0
        for _, id in ipairs(ARGV) do
            local v = redis.call('HGET', KEYS[3], id)
            if v then
                local sp = string.find(v, ' ', 1, true)
                redis.call('ZADD', KEYS[1], string.sub(v, 1, sp - 1), string.sub(v, sp + 1))
                redis.call('HDEL', KEYS[3], id)
                back = back + 1
            end
            redis.call('ZREM', KEYS[2], id)
        end
        return back
    """,
    # KEYS: requests, leases, leased, reclaims, set_aside, stats | ARGV: max reclaims, batch
    # -> {put back, set aside}: expired leases (their worker is gone) return to the queue
    "reclaim": """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
        local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
        local back, aside = 0, 0
        for _, id in ipairs(ids) do
            local v = redis.call('HGET', KEYS[3], id)
            if v then
                local sp = string.find(v, ' ', 1, true)
                local data = string.sub(v, sp + 1)
                local digest = redis.sha1hex(data)
                if redis.call('HINCRBY', KEYS[4], digest, 1) > tonumber(ARGV[1]) then
                    redis.call('RPUSH', KEYS[5], data)
                    redis.call('HDEL', KEYS[4], digest)
                    aside = aside + 1
                else
                    redis.call('ZADD', KEYS[1], string.sub(v, 1, sp - 1), data)
                    back = back + 1
                end
                redis.call('HDEL', KEYS[3], id)
            end
            redis.call('ZREM', KEYS[2], id)
        end
        if back > 0 then redis.call('HINCRBY', KEYS[6], 'reclaimed', back) end
        if aside > 0 then redis.call('HINCRBY', KEYS[6], 'set_aside', aside) end
        return {back, aside}
    """,
    # KEYS: articles | ARGV: ttl seconds — forget fingerprints taken longer ago
    "trim_articles": """
        local now = tonumber(redis.call('TIME')[1])
        return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
    """,
}


class Scripts:
    def __init__(self, server: redis.Redis) -> None:
        self._scripts = {name: server.register_script(body) for name, body in SCRIPTS.items()}

    def __call__(self, name: str, keys: list[str], args: list[Any], client: Any = None) -> Any:
        return self._scripts[name](keys=keys, args=args, client=client)


def start_round(server: redis.Redis, keys: FrontierKeys) -> int:
    """Begin a new crawl round of a source: its entry pages may be fetched again."""
    return int(server.incr(keys.round))


def current_round(server: redis.Redis, keys: FrontierKeys) -> int:
    return int(server.get(keys.round) or 0)
