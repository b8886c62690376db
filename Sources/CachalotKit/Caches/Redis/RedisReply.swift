/// One Redis reply (RESP2), as RedisReplyReader reads it.
public indirect enum RedisReply: Equatable, Sendable {
    case string([UInt8])
    case status(String)
    case integer(Int)
    case array([RedisReply])
    case null
    case error(String)

    var bytes: [UInt8]? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The text of an error reply.
    var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
