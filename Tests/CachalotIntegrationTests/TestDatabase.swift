import CSQLite

/// Creates the small library schema the analysis tests read.
func sqlite3_shim_open(_ path: UnsafePointer<CChar>, _ handle: inout OpaquePointer?) -> Int32 {
    var status = sqlite3_open(path, &handle)
    let schema = """
    CREATE TABLE author (id integer PRIMARY KEY, name text);
    CREATE TABLE book (id integer PRIMARY KEY, title text, author_id integer);
    CREATE TABLE loan (id integer PRIMARY KEY, book_id integer);
    CREATE VIEW book_titles AS SELECT title FROM book;
    INSERT INTO book (id, title) VALUES (1, 'Old'), (2, 'Other');
    """
    if status == SQLITE_OK { status = sqlite3_exec(handle, schema, nil, nil, nil) }
    sqlite3_close(handle)
    return status
}
