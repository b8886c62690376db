extension RedisCacheStore: KeyNameListing {
    /// SCAN without MATCH on each server written to.
    public func listKeyNames(_ visit: (String) throws -> Void) throws {
        for server in try servers() {
            var cursor = "0"
            repeat {
                let reply = try send([Array("SCAN".utf8), Array(cursor.utf8), Array("COUNT".utf8), Array(String(Self.scanBatch).utf8)], on: server)
                guard case .array(let parts) = reply, parts.count == 2, let next = parts[0].bytes,
                      case .array(let names) = parts[1] else { throw unexpected(reply) }
                cursor = String(decoding: next, as: UTF8.self)
                for name in names.compactMap(\.bytes) { try visit(String(decoding: name, as: UTF8.self)) }
            } while cursor != "0"
        }
    }
}
