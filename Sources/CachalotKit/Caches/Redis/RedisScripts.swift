/// The Lua scripts that stamp table keys on the server, so that "never move
/// a key backwards" is one atomic step and one round trip per server.
/// Writes go through `redis.pcall`: when the server refuses one (OOM), the
/// script stops there and says exactly which keys it had written.
enum RedisScripts {
    /// What EVALSHA names the scripts by.
    static let stampSHA1 = TextFormatting.hex(bytes: SHA1.hash(stamp))
    static let compareAndSetSHA1 = TextFormatting.hex(bytes: SHA1.hash(compareAndSet))

    /// A call of a script: EVAL with its source, or, given the SHA-1 the
    /// pipeline loaded it under first (`load`: many calls to one server, a
    /// cluster's one per slot), EVALSHA.
    static func call(_ source: String, loadedAs sha1: String? = nil, keys: [[UInt8]], arguments: [[UInt8]] = []) -> [[UInt8]] {
        (sha1.map { [Array("EVALSHA".utf8), Array($0.utf8)] } ?? [Array("EVAL".utf8), Array(source.utf8)])
            + [Array(String(keys.count).utf8)] + keys + arguments
    }

    static func load(_ source: String) -> [[UInt8]] {
        [Array("SCRIPT".utf8), Array("LOAD".utf8), Array(source.utf8)]
    }

    /// Writes one table key the way the backend's set_many would: "DEL" for
    /// a timeout of 0, "" for no expiry, else SET with EX or PX. Returns the
    /// server's error reply, or nil.
    private static let storeFunction = """
    local function store(key, value, mode, amount)
      local reply
      if mode == 'DEL' then
        reply = redis.pcall('DEL', key)
      elseif mode == '' then
        reply = redis.pcall('SET', key, value)
      else
        reply = redis.pcall('SET', key, value, mode, amount)
      end
      if type(reply) == 'table' and reply.err then return reply.err end
      return nil
    end

    """

    /// KEYS: made table keys. ARGV: now (repr), new value bytes, expiry
    /// mode ("" persistent, "EX"/"PX" with ARGV[4], "DEL" for timeout 0).
    /// A stored value the script can read (decimal text, or a pickled float:
    /// 'G' + 8 bytes + '.') is kept when newer than now. One it cannot read
    /// (compressed by django-redis, corrupt, or not a string) is left alone
    /// and returned for the client to decide with `compareAndSet`.
    /// A value over 4 KiB (no table timestamp is) comes back as "large" with
    /// its SHA-1 instead of its bytes.
    /// Returns {kept: key, bytes, …}, {undecided: key, "string"|"wrongtype"|"large", bytes, …},
    /// {written keys} after an error, or "*" when every key neither kept nor
    /// undecided was written (10,000 key names not sent back), error text or
    /// "", {written keys that did not exist}.
    static let stamp = storeFunction + """
    local now, value, mode, amount = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
    local kept, undecided = {}, {}
    -- Keys to write in order, and the places among them of those that did not exist.
    local pending, absentAt = {}, {}
    for first = 1, #KEYS, 1000 do
      local last = math.min(first + 999, #KEYS)
      local values = redis.call('MGET', unpack(KEYS, first, last))
      for i = first, last do
        local key, stored = KEYS[i], values[i - first + 1]
        if not stored then
          -- MGET reads a key of another type as nil, like a missing one.
          if redis.call('EXISTS', key) == 1 then
            undecided[#undecided + 1] = key
            undecided[#undecided + 1] = 'wrongtype'
            undecided[#undecided + 1] = ''
          else
            pending[#pending + 1] = key
            absentAt[#absentAt + 1] = #pending
          end
        elseif #stored > 4096 then
          undecided[#undecided + 1] = key
          undecided[#undecided + 1] = 'large'
          undecided[#undecided + 1] = redis.sha1hex(stored)
        else
          -- A pickled float ends 'G' + 8 bytes + '.' (no number text holds a G); else decimal text.
          local n, t = #stored, nil
          if n >= 10 and string.byte(stored, n - 9) == 71 and string.byte(stored, n) == 46 then
            t = struct.unpack('>d', stored, n - 8)
          else
            t = tonumber(stored)
          end
          if not t then
            undecided[#undecided + 1] = key
            undecided[#undecided + 1] = 'string'
            undecided[#undecided + 1] = stored
          elseif t > now then
            kept[#kept + 1] = key
            kept[#kept + 1] = stored
          else
            pending[#pending + 1] = key
          end
        end
      end
    end
    -- What was written: on success '*' (every key neither kept nor
    -- undecided, which the client knows), else the first `done` pending keys.
    local done = 0
    local function result(err)
      local created = {}
      for _, at in ipairs(absentAt) do
        if at <= done then created[#created + 1] = pending[at] end
      end
      if err == '' then return {kept, undecided, '*', '', created} end
      local written = {}
      for i = 1, done do written[i] = pending[i] end
      return {kept, undecided, written, err, created}
    end
    if mode == '' then
      -- No expiry: MSET in chunks. Refused whole (OOM), a chunk writes nothing.
      for first = 1, #pending, 500 do
        local last = math.min(first + 499, #pending)
        local args = {}
        for i = first, last do
          args[#args + 1] = pending[i]
          args[#args + 1] = value
        end
        local reply = redis.pcall('MSET', unpack(args))
        if type(reply) == 'table' and reply.err then return result(reply.err) end
        done = last
      end
    else
      for i, key in ipairs(pending) do
        local err = store(key, value, mode, amount)
        if err then return result(err) end
        done = i
      end
    end
    return result('')
    """

    /// KEYS: keys a replica may hold. Per key: OBJECT IDLETIME (-1 under
    /// LFU or when absent), OBJECT FREQ (-1 unless LFU). Touches nothing.
    static let idle = lastReadFunction + """
    local out = {}
    for _, key in ipairs(KEYS) do
      local idle, freq = last_read(key)
      table.insert(out, idle)
      table.insert(out, freq)
    end
    return out
    """

    /// A key's OBJECT IDLETIME and OBJECT FREQ, whichever the policy keeps
    /// (-1 for the other, and for both when the key is absent). OBJECT
    /// touches nothing.
    private static let lastReadFunction = """
    local function last_read(key)
      local idle = redis.pcall('OBJECT', 'IDLETIME', key)
      if type(idle) == 'number' then return idle, -1 end
      local freq = redis.pcall('OBJECT', 'FREQ', key)
      if type(freq) == 'number' then return -1, freq end
      return -1, -1
    end

    """

    /// KEYS: made table keys. ARGV: new value, expiry mode, amount, then per
    /// key what the client saw: its kind ("string", "wrongtype" or "large")
    /// and the stored bytes (for "large", their SHA-1). Sets a key only if
    /// it still holds that; a key another writer changed meanwhile is left
    /// out of the reply, and the client reads and decides it again (its new
    /// value may be older than now). Returns {written keys}, error text or "".
    static let compareAndSet = storeFunction + """
    local written = {}
    for i, key in ipairs(KEYS) do
      local kind, expected = ARGV[2 + 2 * i], ARGV[3 + 2 * i]
      local stored = redis.pcall('GET', key)
      local same
      if kind == 'wrongtype' then
        same = type(stored) == 'table'
        if same then redis.call('DEL', key) end
      elseif kind == 'large' then
        same = type(stored) == 'string' and redis.sha1hex(stored) == expected
      else
        same = stored == expected
      end
      if same then
        local err = store(key, ARGV[1], ARGV[2], ARGV[3])
        if err then return {written, err} end
        table.insert(written, key)
      end
    end
    return {written, ''}
    """
}
