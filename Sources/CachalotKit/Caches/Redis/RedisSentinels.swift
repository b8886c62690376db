/// django-redis's SentinelClient: LOCATION `redis://<service>/<db>` names
/// the master by its service name (the URL's host, lower-cased), OPTIONS
/// `SENTINELS` lists the sentinels and `SENTINEL_KWARGS` how to log in to
/// them (the cache's password is not sent to sentinels, as in redis-py).
/// The master is asked for on every run, as redis-py asks on connecting.
struct RedisSentinels {
    var sentinels: [RedisEndpoint]
    var service: String
    /// The master's login and database, its address still to be found.
    var master: RedisEndpoint

    init(_ options: SettingsTable, location: RedisEndpoint, cache: CacheSettings) throws {
        guard case .array(let list)? = options.entries["SENTINELS"], !list.isEmpty else {
            throw options.fail("SENTINELS", "missing; SentinelClient needs a list of [host, port] pairs")
        }
        let login = try options.table("SENTINEL_KWARGS")
        let password = try login?.string("password"), username = try login?.string("username")
        sentinels = try list.map { entry in
            guard case .array(let pair) = entry, pair.count == 2, case .string(let host) = pair[0],
                  case .int(let port) = pair[1], (1...65535).contains(port) else {
                throw options.fail("SENTINELS", "expected [host, port] pairs, found \(entry.kindDescription)")
            }
            return RedisEndpoint(address: .tcp(host: host, port: port), username: username, password: password)
        }
        guard case .tcp(let host, _) = location.address else {
            throw options.fail("SENTINELS", "LOCATION must be redis://<service name>/<db> with SentinelClient")
        }
        service = host.lowercased()
        master = location
    }

    /// The master's endpoint, from the first sentinel that answers
    /// `SENTINEL MASTERS` with a healthy master of the service.
    func resolve(timeouts: RedisTimeouts) throws -> RedisEndpoint {
        var problems: [String] = []
        for sentinel in sentinels {
            do {
                let reply = try RedisConnection(sentinel, timeouts: timeouts).command(["SENTINEL", "MASTERS"].map { Array($0.utf8) })
                guard case .array(let masters) = reply else { throw RedisConnection.Failure(description: "unexpected reply to SENTINEL MASTERS") }
                for case .array(let fields) in masters {
                    var info: [String: String] = [:]
                    for index in stride(from: 0, to: fields.count - 1, by: 2) {
                        if let name = fields[index].bytes, let value = fields[index + 1].bytes {
                            info[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
                        }
                    }
                    let flags = (info["flags"] ?? "").split(separator: ",")
                    guard info["name"] == service, flags.contains("master"), !flags.contains("s_down"), !flags.contains("o_down"),
                          let ip = info["ip"], let port = info["port"].flatMap(Int.init) else { continue }
                    var endpoint = master
                    endpoint.address = .tcp(host: ip, port: port)
                    return endpoint
                }
                problems.append("\(sentinel.address): no healthy master named \(quoted(service))")
            } catch {
                problems.append("\(sentinel.address): \(error)")
            }
        }
        throw CachalotError.runtime("no sentinel named a master for service \(quoted(service)): \(problems.joined(separator: "; "))",
                                    hint: "check OPTIONS SENTINELS and SENTINEL_KWARGS, and the service name in LOCATION")
    }

    var description: String {
        "sentinel://\(service)@" + sentinels.map(\.address.description).joined(separator: ",")
    }
}
