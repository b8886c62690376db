import Testing
@testable import CachalotKit

/// Values an attacker or a broken writer can put where cachalot reads:
/// each must fail cleanly (an error naming the problem), never hang,
/// crash or echo megabytes.
struct HostilePickleTests {
    /// `\x80\x05]` then DUP TUPLE2 forty times: each step doubles the value.
    @Test func memoDoublingStopsAtTheValueBudget() {
        let bomb: [UInt8] = [0x80, 0x05, 0x5d] + Array(repeating: [0x32, 0x86], count: 40).flatMap { $0 } + [0x2e]
        #expect(bomb.count == 84)
        #expect(throws: PickleReader.Failure.self) { try PickleReader.read(bomb) }
    }

    @Test func deepMarkNestingFailsWithoutRecursing() {
        let deep: [UInt8] = [0x80, 0x05] + Array(repeating: 0x28, count: 50_000) + Array(repeating: 0x6c, count: 50_000) + [0x2e]
        #expect(throws: PickleReader.Failure.self) { try PickleReader.read(deep) }
    }

    @Test func aLongTupleChainIsTornDownIteratively() {
        let chain: [UInt8] = [0x80, 0x05, 0x4e] + Array(repeating: 0x85, count: 200_000) + [0x2e]
        do {
            _ = try PickleReader.read(chain)
            Issue.record("200,000 nested tuples must be refused")
        } catch let failure as PickleReader.Failure {
            #expect(failure.reason.contains("deeper than \(PickleReader.maximumDepth)"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// Lists appended into each other through the memo: no single opcode
    /// nests, yet the chain is 50,000 deep.
    @Test func listsChainedThroughTheMemoAreBounded() throws {
        func index(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).littleEndian) { Array($0) } }
        var bytes: [UInt8] = [0x80, 0x05, 0x5d, 0x72] + index(0)                 // ] LONG_BINPUT 0
        for level in 1...50_000 {
            bytes += [0x6a] + index(level - 1)                                     // LONG_BINGET parent
            bytes += [0x5d, 0x72] + index(level)                                   // ] LONG_BINPUT child
            bytes += [0x61, 0x30]                                                  // APPEND, POP the parent
        }
        bytes += [0x2e]
        do {
            _ = try PickleReader.read(bytes)
            Issue.record("a 50,000-deep chain must be refused")
        } catch let failure as PickleReader.Failure {
            #expect(failure.reason.contains("deeper than"))
        }
    }

    @Test func anExcerptOfAHugeValueIsShort() {
        let huge = PickleValue.bytes([UInt8](repeating: 0x41, count: 3 << 20))
        let text = PythonObjectRepr.excerpt(huge)
        #expect(text.count < 100)
        #expect(text.hasPrefix("b'AAAA"))
        #expect(!text.contains("CachalotKit"))
    }
}

struct HostileSettingsTests {
    static let minimal = """
    [CACHES.default]
    BACKEND = "django.core.cache.backends.redis.RedisCache"
    LOCATION = "redis://127.0.0.1:6379/0"
    [DATABASES.default]
    ENGINE = "django.db.backends.sqlite3"
    NAME = "/srv/db.sqlite3"
    """

    func error(_ text: String, format: SettingsFile.Format = .toml, environment: Environment = [:]) -> CachalotError? {
        do {
            _ = try SettingsLoader.load(SettingsFile(path: "/etc/cachalot.\(format.rawValue)", format: format, text: text),
                                        environment: environment, currentDirectory: "/")
            return nil
        } catch {
            return CachalotError(error)
        }
    }

    @Test func deeplyNestedTablesAreRefused() throws {
        let dotted = "[MODELS." + Array(repeating: "a", count: 17_500).joined(separator: ".") + "]\n"
        let tomlError = try #require(error(Self.minimal + "\n" + dotted))
        #expect(tomlError.exitCode == .usage)
        #expect(tomlError.message.contains("nested deeper"))
        let json = String(repeating: "{\"a\": ", count: 5_000) + "1" + String(repeating: "}", count: 5_000)
        let jsonError = try #require(error(json, format: .json))
        #expect(jsonError.message.contains("nested deeper"))
    }

    @Test(arguments: ["nan", "inf", "-inf", "1e300", "9.3e18"])
    func timeoutsMustBeFiniteAndInRange(value: String) throws {
        let failure = try #require(error("CACHALOT_TIMEOUT = \(value)\n" + Self.minimal))
        #expect(failure.exitCode == .usage)
        #expect(failure.message.contains("CACHALOT_TIMEOUT"))
    }

    @Test func socketTimeoutsMustBeFinite() throws {
        let text = Self.minimal.replacing("LOCATION = \"redis://127.0.0.1:6379/0\"",
                                          with: "LOCATION = \"redis://127.0.0.1:6379/0\"\nOPTIONS = { socket_connect_timeout = nan }")
        let settings = try SettingsLoader.load(SettingsFile(path: "/c.toml", format: .toml, text: text), environment: [:], currentDirectory: "/")
        do {
            _ = try RedisCacheStore(settings: try #require(settings.caches["default"]), timeout: nil, clock: SystemClock.now)
            Issue.record("socket_connect_timeout = nan must be refused")
        } catch let failure as CachalotError {
            #expect(failure.exitCode == .usage)
            #expect(failure.message.contains("socket_connect_timeout"))
        }
    }

    @Test func aRawNulIsAnErrorWithItsPosition() throws {
        let failure = try #require(error(Self.minimal.replacing("ENGINE", with: "EN\u{0}GINE")))
        #expect(failure.message.hasPrefix("/etc/cachalot.toml:5:3: a NUL character"))
    }

    @Test func anEscapedNulInAStringIsRefused() throws {
        let toml = try #require(error(Self.minimal.replacing("/srv/db.sqlite3", with: "/srv/db\\u0000evil")))
        #expect(toml.message.contains("DATABASES.default.NAME: a NUL character"), "\(toml.message)")
        let json = try #require(error("""
        {"CACHES": {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "cache\\u0000evil"}},
         "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/d"}}}
        """, format: .json))
        #expect(json.message.contains("CACHES.default.LOCATION: a NUL character"))
    }

    @Test(arguments: [("${}", "an empty variable name"), ("${A:-${B}}", "a ${ inside a default"), ("x${A", "unterminated ${"),
                      ("${A B}", "is not a variable name")])
    func malformedVariablesAreNamed(text: String, problem: String) throws {
        let failure = try #require(error(Self.minimal.replacing("/srv/db.sqlite3", with: text), environment: ["A": "a", "B": "b"]))
        #expect(failure.message.contains(problem), "\(failure.message)")
        #expect(failure.message.contains("character"))
    }

    @Test func aHugeBadValueIsQuotedShort() throws {
        let huge = String(repeating: "x", count: 5_000_000)
        let failure = try #require(error("CACHALOT_CACHE = \"\(huge)\"\n" + Self.minimal))
        #expect(failure.message.contains("CACHALOT_CACHE"))
        #expect(failure.message.count < 500)
    }
}

struct SecretMaskingTests {
    @Test(arguments: [
        "redis://:s3cret@127.0.0.1:99999/0",
        "redis://:s3cret@127.0.0.1:6379/0?db=x",
        "redix://:s3cret@127.0.0.1:6379/0",
        "redis://127.0.0.1:70000/0?password=s3cret",
        "rediss://user:s3cret@host:6380/0?ssl_cert_reqs=maybe",
        // urllib ends the authority at "?": the "port" is the password's head.
        "redis://:s3cret?pass@127.0.0.1:6407/0",
        "redis://:s3cret/x@127.0.0.1:6407/0",
        // What a string LOCATION cut at "," leaves of "redis://:s3cret,tail@h".
        "redis://:s3cret",
        "s3cret@127.0.0.1:6379",
        "redis://:\(String(repeating: "s3cret", count: 60))@h:1/0?db=x",
        "rediss://:s3cret@h:6380/0?ssl_ciphers=ALL",
        // parse_qs decodes names: this is the password.
        "redis://h/0?pass%77ord=s3cret&db=x",
    ])
    func urlErrorsNeverShowThePassword(url: String) {
        do {
            _ = try RedisEndpoint(url: url)
            Issue.record("\(url) must be refused")
        } catch let invalid as RedisEndpoint.Invalid {
            #expect(!invalid.reason.contains("s3cret"), "\(invalid.reason)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func maskingKeepsEverythingButThePassword() {
        #expect(SecretMasking.url("redis://app:p%40ss@h:1/2?db=3&password=x") == "redis://app:***@h:1/2?db=3&password=***")
        #expect(SecretMasking.url("redis://h:1/0") == "redis://h:1/0")
        #expect(SecretMasking.url("redis://:Wr0ng?pass@127.0.0.1:6407/0") == "redis://:******@127.0.0.1:6407/0")
        #expect(SecretMasking.url("redis://:S3cr") == "redis://:***")
        #expect(SecretMasking.url("et;pw@127.0.0.1:6379") == "***@127.0.0.1:6379")
        #expect(SecretMasking.url("unix://:pw@/run/redis.sock?db=2") == "unix://:***@/run/redis.sock?db=2")
        #expect(SecretMasking.url("redis://[::1]:6379/0") == "redis://[::1]:6379/0")
        // A password's digits before a "#" or "/" are no port to show.
        #expect(SecretMasking.url("redis://:1234#5678@h:1/0") == "redis://:******@h:1/0")
        #expect(SecretMasking.url("redis://h/0?pass%77ord=hunter2") == "redis://h/0?pass%77ord=***")
        #expect(RedisEndpoint(address: .tcp(host: "h", port: 1), username: "u", password: "p").description == "redis://u:***@h:1/0")
    }

    @Test func queryValuesAreReadAsEveryRedisPyVersionReadsThemOrRefused() throws {
        // redis-py before 8.1 decodes twice: "a%2525b" is "a%b" there, "a%25b" later.
        #expect(throws: RedisEndpoint.Invalid.self) { try RedisEndpoint(url: "redis://h/0?password=a%2525b") }
        #expect(try RedisEndpoint(url: "redis://h/0?password=a%25b").password == "a%b")
        #expect(try RedisEndpoint(url: "rediss://h/0?ssl_check_hostname=off").tls?.checkHostname == false)
    }

    @Test func theDatabaseIsReadAsPythonsIntReadsIt() throws {
        #expect(try RedisEndpoint(url: "redis://h:6379/1_0").database == 10)
        #expect(try RedisEndpoint(url: "redis://h:6379/%201").database == 1)
        #expect(try RedisEndpoint(url: "redis://h:6379/1%20").database == 1)
        #expect(try RedisEndpoint(url: "redis://h:6379/1__0").database == 0)
        #expect(try RedisEndpoint(url: "redis://h:6379/0?db=1_2").database == 12)
        #expect(throws: RedisEndpoint.Invalid.self) { try RedisEndpoint(url: "redis://h:6379/\u{0661}") }
    }

    @Test func theUserPartOfAURLWinsOverItsQuery() throws {
        let endpoint = try RedisEndpoint(url: "redis://u:a%3Ab@h:6380/4?password=other&db=2")
        #expect(endpoint.password == "a:b")
        #expect(endpoint.username == "u")
        #expect(endpoint.database == 2)
        #expect(try RedisEndpoint(url: "redis://h/not-a-number").database == 0)
    }
}
