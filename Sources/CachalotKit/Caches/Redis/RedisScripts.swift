/// The Lua scripts that stamp table keys on the server, so that "never move
/// a key backwards" is one atomic step and one round trip per server.
enum RedisScripts {
    /// Writes one table key the way the backend's set_many would: "DEL" for
    /// a timeout of 0, "" for no expiry, else SET with EX or PX.
    private static let storeFunction = """
    local function store(key, value, mode, amount)
      if mode == 'DEL' then
        redis.call('DEL', key)
      elseif mode == '' then
        redis.call('SET', key, value)
      else
        redis.call('SET', key, value, mode, amount)
      end
    end

    """

    /// KEYS: made table keys. ARGV: now (repr), new value bytes, expiry
    /// mode ("" persistent, "EX"/"PX" with ARGV[4], "DEL" for timeout 0).
    /// A stored value the script can read (decimal text, or a pickled float:
    /// 'G' + 8 bytes + '.') is kept when newer than now. One it cannot read
    /// (compressed by django-redis) is left alone and returned with its bytes,
    /// for the client to decide with `compareAndSet`.
    /// Returns {kept key, stored bytes, ...}, {undecided key, stored bytes, ...}.
    static let stamp = storeFunction + """
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
      else
        store(key, ARGV[2], ARGV[3], ARGV[4])
      end
    end
    return {kept, undecided}
    """

    /// KEYS: made table keys. ARGV: new value, expiry mode, amount, then one
    /// expected stored value per key. Sets a key only if it still holds what
    /// the client decoded. Returns the keys that changed meanwhile.
    static let compareAndSet = storeFunction + """
    local changed = {}
    for i, key in ipairs(KEYS) do
      if redis.call('GET', key) ~= ARGV[3 + i] then
        table.insert(changed, key)
      else
        store(key, ARGV[1], ARGV[2], ARGV[3])
      end
    end
    return changed
    """
}
