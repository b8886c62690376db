import CSQLite
import CachalotKit

/// A small library schema on a real SQLite file, for the analysis tests.
enum TestDatabase {
    static let schema = """
    CREATE TABLE author (id integer PRIMARY KEY, name text);
    CREATE TABLE book (id integer PRIMARY KEY, title text, author_id integer);
    CREATE TABLE loan (id integer PRIMARY KEY, book_id integer);
    CREATE VIEW book_titles AS SELECT title FROM book;
    INSERT INTO book (id, title) VALUES (1, 'Old'), (2, 'Other');
    """

    /// Creates the file; the SQLite message when it fails.
    static func create(at path: String, schema: String = schema) -> String? {
        var handle: OpaquePointer?
        defer { sqlite3_close(handle) }
        guard sqlite3_open(path, &handle) == SQLITE_OK else { return handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open" }
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, schema, nil, nil, &message) == SQLITE_OK else {
            defer { sqlite3_free(message) }
            return message.map { String(cString: $0) } ?? "sqlite3_exec failed"
        }
        return nil
    }
}
