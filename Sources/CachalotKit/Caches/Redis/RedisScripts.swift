/// The Lua scripts that stamp table keys on the server, so that "never move
/// a key backwards" is one atomic step and one round trip per server.
enum RedisScripts {
    /// KEYS: made table keys. ARGV: now (repr), new value bytes, expiry
    /// mode ("" persistent, "EX"/"PX" with ARGV[4], "DEL" for timeout 0).
    /// A stored value the script can read (decimal text, or a pickled float:
    /// 'G' + 8 bytes + '.') is kept when newer than now. One it cannot read
    /// (compressed by django-redis) is left alone and returned with its bytes,
    /// for the client to decide with `compareAndSet`.
    /// Returns {kept key, stored bytes, ...}, {undecided key, stored bytes, ...}.
    static let stamp = """
    local now = tonumber(ARGV[1])
    local kept, undecided = {}, {}
    for _, key in ipairs(KEYS) do
      local stored = redis.call('GET', key)
      local t = nil
      if stored then
        t = tonumber(stored)
        if not t and #stored >= 10 and string.sub(stored, -10, -10) == 'G' and string.sub(stored, -1) == '.' then
          t = struct.unpack('>d', string.sub(stored, -9, -2))
        end
      end
      if stored and not t then
        table.insert(undecided, key)
        table.insert(undecided, stored)
      elseif t and t > now then
        table.insert(kept, key)
        table.insert(kept, stored)
      elseif ARGV[3] == 'DEL' then
        redis.call('DEL', key)
      elseif ARGV[3] == '' then
        redis.call('SET', key, ARGV[2])
      else
        redis.call('SET', key, ARGV[2], ARGV[3], ARGV[4])
      end
    end
    return {kept, undecided}
    """

    /// KEYS: made table keys. ARGV: new value, expiry mode, amount, then one
    /// expected stored value per key. Sets a key only if it still holds what
    /// the client decoded. Returns the keys that changed meanwhile.
    static let compareAndSet = """
    local changed = {}
    for i, key in ipairs(KEYS) do
      if redis.call('GET', key) ~= ARGV[3 + i] then
        table.insert(changed, key)
      elseif ARGV[2] == 'DEL' then
        redis.call('DEL', key)
      elseif ARGV[2] == '' then
        redis.call('SET', key, ARGV[1])
      else
        redis.call('SET', key, ARGV[1], ARGV[2], ARGV[3])
      end
    end
    return changed
    """
}
