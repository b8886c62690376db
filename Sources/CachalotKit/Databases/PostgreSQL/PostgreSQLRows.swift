import CPq

/// A statement's result as libpq hands it over in text format: column
/// names and type OIDs, each value's text bytes (nil for NULL), and the
/// row count of a command.
struct PostgreSQLRows {
    var columns: [String] = []
    var types: [Oid] = []
    var values: [[[UInt8]?]] = []
    var changed = 0

    mutating func describe(_ result: LibPQ.Result, _ pq: LibPQ) {
        let count = pq.nfields(result)
        columns = (0..<count).map { pq.fname(result, $0).map { String(cString: $0) } ?? "?column?" }
        types = (0..<count).map { pq.ftype(result, $0) }
    }

    /// What a row and a value cost in memory besides their text, so that
    /// a result of many NULLs or empty rows counts against the limit too.
    static let rowCost = 32
    static let valueCost = 48

    /// Copies the rows of `result`; returns how much memory they take.
    mutating func append(_ result: LibPQ.Result, _ pq: LibPQ) -> Int {
        var bytes = 0
        for row in 0..<pq.ntuples(result) {
            bytes += Self.rowCost + Self.valueCost * types.count
            values.append((0..<Int32(types.count)).map { column in
                guard pq.getisnull(result, row, column) == 0, let text = pq.getvalue(result, row, column) else { return nil }
                let length = Int(pq.getlength(result, row, column))
                bytes += length
                return text.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
            })
        }
        return bytes
    }

    /// The first column of every row as text (catalogue queries).
    var firstColumn: [String] {
        values.compactMap { row in row.first.flatMap { $0.map { String(decoding: $0, as: UTF8.self) } } }
    }
}
