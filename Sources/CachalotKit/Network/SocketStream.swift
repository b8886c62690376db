import Glibc

/// A byte stream to a server (a socket, or TLS over one). Every call waits
/// at most until the exchange's deadline and, when set, the per-operation
/// timeout (redis-py's `socket_timeout`): a stalled or trickling server
/// fails the call instead of holding the run.
public protocol ByteStream: AnyObject {
    /// The socket underneath, for waiting on several streams with poll().
    var descriptor: Int32 { get }
    func send(_ bytes: [UInt8], until deadline: Deadline) throws
    /// Reads what is available (at least one byte) into `buffer`; 0 when the
    /// server closed the connection.
    func receive(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int
}

extension ByteStream {
    /// Receives at most `maximum` bytes into scratch memory that is never
    /// zero-filled and hands `use` what arrived; returns how many bytes
    /// (0: the server closed the connection). A zeroed 64 KiB array per
    /// read faulted in 16 pages for a reply of a few bytes.
    func receiveChunk(maximum: Int = 64 * 1024, until deadline: Deadline, _ use: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: maximum, alignment: 1)
        defer { scratch.deallocate() }
        let got = try receive(into: scratch, until: deadline)
        try use(UnsafeRawBufferPointer(rebasing: scratch[..<got]))
        return got
    }
}

/// Why talking to a server failed, in words for messages.
public struct NetworkFailure: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        case unknownHost, refused, connectTimeout, replyTimeout, closed, io
    }

    public var kind: Kind
    public var description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// A non-blocking socket driven with poll(), so that every wait is bounded.
public final class SocketStream: ByteStream {
    public private(set) var descriptor: Int32
    /// Longest wait for one send or receive (nil: only the deadline counts).
    public var operationTimeout: Double?

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Connects within `timeout` seconds, trying each address the name has.
    public static func connect(_ address: NetworkAddress, timeout: Double) throws -> SocketStream {
        let deadline = Deadline.after(timeout)
        switch address {
        case .unix(let path):
            var socketAddress = sockaddr_un()
            socketAddress.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: socketAddress.sun_path) else {
                throw NetworkFailure(.io, "unix socket path \(path) is too long")
            }
            withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            return try withUnsafePointer(to: &socketAddress) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try connect(family: AF_UNIX, address: $0, length: socklen_t(MemoryLayout<sockaddr_un>.size), deadline: deadline)
                }
            }
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else {
                throw NetworkFailure(.unknownHost, "cannot resolve host \(host): \(String(cString: gai_strerror(status)))")
            }
            defer { freeaddrinfo(list) }
            var lastFailure = NetworkFailure(.refused, "no address for \(host)")
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let current = entry {
                do {
                    return try connect(family: current.pointee.ai_family, address: current.pointee.ai_addr,
                                       length: current.pointee.ai_addrlen, deadline: deadline)
                } catch let failure as NetworkFailure {
                    lastFailure = failure
                    if failure.kind == .connectTimeout { throw failure }
                }
                entry = current.pointee.ai_next
            }
            throw lastFailure
        }
    }

    private static func connect(family: Int32, address: UnsafePointer<sockaddr>, length: socklen_t,
                                deadline: Deadline) throws -> SocketStream {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw NetworkFailure(.io, "cannot open a socket: \(String(cString: strerror(errno)))") }
        let stream = SocketStream(descriptor: descriptor)
        if family != AF_UNIX {
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if Glibc.connect(descriptor, address, length) != 0 {
            guard errno == EINPROGRESS || errno == EAGAIN else { throw connectFailure(errno) }
            guard try stream.wait(for: Int16(POLLOUT), until: deadline, operationTimeout: nil) else {
                throw NetworkFailure(.connectTimeout, "no connection within the timeout")
            }
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
            guard error == 0 else { throw connectFailure(error) }
        }
        return stream
    }

    private static func connectFailure(_ code: Int32) -> NetworkFailure {
        code == ECONNREFUSED || code == ENOENT
            ? NetworkFailure(.refused, "connection refused (is the server running?)")
            : NetworkFailure(.io, "cannot connect: \(String(cString: strerror(code)))")
    }

    private func wait(for events: Int16, until deadline: Deadline, operationTimeout: Double?) throws -> Bool {
        try deadline.wait(for: descriptor, events: events, operationTimeout: operationTimeout)
    }

    public func send(_ bytes: [UInt8], until deadline: Deadline) throws {
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let sent = Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent > 0 { offset += sent; continue }
                if sent < 0 && errno == EINTR { continue }
                guard sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) else {
                    throw errno == EPIPE || errno == ECONNRESET
                        ? NetworkFailure(.closed, "the server closed the connection")
                        : NetworkFailure(.io, "cannot send: \(String(cString: strerror(errno)))")
                }
                guard try wait(for: Int16(POLLOUT), until: deadline, operationTimeout: operationTimeout) else {
                    throw NetworkFailure(.replyTimeout, "the server stopped reading the request")
                }
            }
        }
    }

    public func receive(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int {
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else {
                throw errno == ECONNRESET
                    ? NetworkFailure(.closed, "the server closed the connection")
                    : NetworkFailure(.io, "cannot read the reply: \(String(cString: strerror(errno)))")
            }
            guard try wait(for: Int16(POLLIN), until: deadline, operationTimeout: operationTimeout) else {
                throw NetworkFailure(.replyTimeout, "no complete reply in time (the server stopped answering)")
            }
        }
    }
}
