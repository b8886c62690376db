import Testing
@testable import CachalotKit

/// The TOML reader against documents whose meaning Python's tomllib gives
/// (checked with `python3 -c 'import tomllib, json; print(json.dumps(tomllib.loads(...)))'`).
struct TOMLReaderTests {
    @Test func everyFormASettingsFileUses() throws {
        let document = """
        # comment
        CACHALOT_TIMEOUT = 86_400   # seconds
        CACHALOT_UNCACHABLE_TABLES = [
          "django_migrations",  # trailing comma next
          'django_session',
        ]
        ratio = -1.5e3
        flags = [true, false]
        hex = 0xff
        oct = 0o17
        bin = 0b101
        plus = +7
        infinite = -inf

        [CACHES.default]
        BACKEND = "django.core.cache.backends.redis.RedisCache"
        LOCATION = "redis://:${PW}@h:6379/0"
        OPTIONS = { socket_timeout = 2.5, "db" = 3, nested.deep = 'x' }

        [CACHES."with.dot"]
        LOCATION = '''C:\\no\\escapes'''

        [DATABASES.default]
        NAME = \"\"\"
        one \\
           two\"\"\"
        "quoted key" = "tab\\there \\u00e9 \\U0001F600"
        dotted.key.path = 1

        [[servers]]
        name = "a"
        [[servers]]
        name = "b"
        """
        let value = try TOMLReader.read(document)
        guard case .table(let root) = value, case .table(let caches)? = root["CACHES"], case .table(let databases)? = root["DATABASES"],
              case .table(let database)? = databases["default"] else {
            Issue.record("unexpected shape \(value)")
            return
        }
        #expect(root["CACHALOT_TIMEOUT"] == .int(86_400))
        #expect(root["CACHALOT_UNCACHABLE_TABLES"] == .array([.string("django_migrations"), .string("django_session")]))
        #expect(root["ratio"] == .double(-1500))
        #expect(root["flags"] == .array([.bool(true), .bool(false)]))
        #expect(root["hex"] == .int(255) && root["oct"] == .int(15) && root["bin"] == .int(5) && root["plus"] == .int(7))
        #expect(root["infinite"] == .double(-.infinity))
        #expect(caches["default"] == .table([
            "BACKEND": .string("django.core.cache.backends.redis.RedisCache"),
            "LOCATION": .string("redis://:${PW}@h:6379/0"),
            "OPTIONS": .table(["socket_timeout": .double(2.5), "db": .int(3), "nested": .table(["deep": .string("x")])]),
        ]))
        #expect(caches["with.dot"] == .table(["LOCATION": .string("C:\\no\\escapes")]))
        #expect(database["NAME"] == .string("one two"))
        #expect(database["quoted key"] == .string("tab\there é 😀"))
        #expect(database["dotted"] == .table(["key": .table(["path": .int(1)])]))
        #expect(root["servers"] == .array([.table(["name": .string("a")]), .table(["name": .string("b")])]))
    }

    @Test func quotesInsideMultilineStrings() throws {
        // tomllib: {"a": "\"\"b", "c": "x\"\"", "d": "''y"}
        let value = try TOMLReader.read("a = \"\"\"\"\"b\"\"\"\nc = \"\"\"x\"\"\"\"\"\nd = \'\'\'\'\'y\'\'\'")
        #expect(value == .table(["a": .string("\"\"b"), "c": .string("x\"\""), "d": .string("''y")]))
    }

    /// What TOML 1.0 allows around those rules (tomllib reads each the same).
    @Test func tablesDottedKeysAndHeadersShare() throws {
        #expect(try TOMLReader.read("[fruit]\napple.color = 'red'\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true") == .table([
            "fruit": .table(["apple": .table(["color": .string("red"), "taste": .table(["sweet": .bool(true)]),
                                              "texture": .table(["smooth": .bool(true)])])]),
        ]))
        // A table a header only passed through is open to dotted keys.
        #expect(try TOMLReader.read("[a.b.c]\nz = 9\n[a]\nb.d = 1") == .table(["a": .table(["b": .table(["c": .table(["z": .int(9)]), "d": .int(1)])])]))
        #expect(try TOMLReader.read("a = { b.c = 1, b.d = 2 }") == .table(["a": .table(["b": .table(["c": .int(1), "d": .int(2)])])]))
    }

    @Test func numbersWithUnderscores() throws {
        #expect(try TOMLReader.read("a = 1_000.5_5e1_0\nb = 0xdead_beef\nc = 1_2_3\nd = 0b1_0") == .table([
            "a": .double(1000.55e10), "b": .int(0xdead_beef), "c": .int(123), "d": .int(2),
        ]))
    }

    /// toml-test valid/utf8-bom: a byte order mark at the start is no part of the document.
    @Test func aByteOrderMarkIsSkipped() throws {
        #expect(try TOMLReader.read("\u{feff}a = 1\r\n# comment\r\nb = \"\"\"x\r\ny\"\"\"\r\n") == .table(["a": .int(1), "b": .string("x\r\ny")]))
        #expect(throws: TOMLReader.Failure.self) { try TOMLReader.read("\u{feff}\u{feff}a = 1") }
    }

    @Test func theBundledExampleReads() throws {
        let root = PathText.directory(of: PathText.directory(of: PathText.directory(of: #filePath)))
        let text = String(decoding: try #require(try FileSystem.read(root + "/example/cachalot.toml")), as: UTF8.self)
        guard case .table(let settings) = try TOMLReader.read(text), case .table(let models)? = settings["MODELS"] else {
            Issue.record("the example did not read as a table with MODELS")
            return
        }
        #expect(models["library.Book"] == .string("catalogue_books"))
    }

    @Test(arguments: [
        ("[\nx = 1", 1, 2, "expected a key"),
        ("LOCATION = [ }", 1, 14, "expected a value"),
        ("a = 1\na = 2", 2, 1, "set twice"),
        ("[t]\n[t]", 2, 1, "defined twice"),
        ("a = \"open", 1, 10, "unterminated string"),
        ("a = 2026-11-28", 1, 5, "dates and times"),
        ("a = bare", 1, 5, "not a TOML value"),
        ("a = \"\\q\"", 1, 7, "unknown escape"),
        ("a = 1 b = 2", 1, 7, "end of the line"),
        ("a = 01", 1, 5, "not a TOML value"),
        ("x = { a = 1 }\n[x]", 2, 1, "defined twice"),
        // TOML allows no control character but tab in a comment, and a CR only before LF (toml-test invalid/control).
        ("# a\u{7f}b", 1, 4, "a control character in a comment"),
        ("a = 1 # \u{1}", 1, 9, "a control character in a comment"),
        ("a = 1 # x\ry", 1, 10, "a control character in a comment"),
        ("a = 1\r", 1, 6, "end of the line"),
        ("\r", 1, 1, "expected a key"),
        ("a = [1,\r2]", 1, 8, "expected a value"),
        ("x = \"\"\"a\rb\"\"\"", 1, 9, "a carriage return without a line feed"),
        ("x = '''a\rb'''", 1, 9, "a carriage return without a line feed"),
        // An underscore stands between digits: the e of an exponent is none (toml-test invalid/float).
        ("a = 1e_23", 1, 5, "not a TOML value"),
        ("a = 1_e2", 1, 5, "not a TOML value"),
        ("a = 1e2_", 1, 5, "not a TOML value"),
        ("a = 1.5_e2", 1, 5, "not a TOML value"),
        // Hex, octal and binary digits have no sign (Int(_:radix:) would take one).
        ("a = 0x-1", 1, 5, "not a TOML value"),
        ("a = 0o+7", 1, 5, "not a TOML value"),
        ("a = 0b-1", 1, 5, "not a TOML value"),
        // A table dotted keys made has no header of its own later, and dotted
        // keys do not add to a table that has one (toml-test invalid/table, spec 1.0 "Table").
        ("[fruit]\napple.color = 1\n[fruit.apple]", 3, 1, "defined twice"),
        ("[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]", 3, 1, "defined twice"),
        ("a.b = 1\n[a]", 2, 1, "defined twice"),
        ("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 1, "table \"c\" has its own [header]; dotted keys cannot add to it"),
        ("[a.b.c]\nz = 9\n[a]\nb.d = 1\n[a.b]", 5, 1, "defined twice"),
        // "]]" closes an array of tables header in one piece (toml-test invalid/table/rrbrace).
        ("[[t] ]", 1, 5, "expected ']]'"),
        // A byte order mark only at the start (toml-test invalid/encoding).
        ("a = 1\n\u{feff}b = 2", 2, 1, "expected a key"),
    ] as [(String, Int, Int, String)])
    func errorsNameLineAndColumn(text: String, line: Int, column: Int, reason: String) {
        do {
            _ = try TOMLReader.read(text)
            Issue.record("\(text) must be refused")
        } catch let failure as TOMLReader.Failure {
            #expect((failure.line, failure.column) == (line, column), "\(failure)")
            #expect(failure.reason.contains(reason), "\(failure.reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
