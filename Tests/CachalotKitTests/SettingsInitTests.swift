import Testing
@testable import CachalotKit

/// `init`'s pieces that need no site: the file text, the kept `${VAR}`s
/// and the differences shown.
struct SettingsInitTests {
    static func exported(_ json: String) throws -> ExportedSettings {
        ExportedSettings(tree: try JSONReader.read(json, maximumDepth: 32))
    }

    @Test func theFileIsPythonsIndentedJSONInTheSitesOrder() throws {
        let settings = try Self.exported(#"{"USE_TZ": true, "CACHES": {"default": {"BACKEND": "x", "OPTIONS": {}, "T": 300.0, "L": []}}, "A": [1, "é\"\n\u0001"], "N": null}"#)
        #expect(settings.jsonText == """
        {
          "USE_TZ": true,
          "CACHES": {
            "default": {
              "BACKEND": "x",
              "OPTIONS": {},
              "T": 300.0,
              "L": []
            }
          },
          "A": [
            1,
            "é\\"\\n\\u0001"
          ],
          "N": null
        }

        """)
        // What it writes reads back as what was exported.
        #expect(try Self.exported(settings.jsonText).value == settings.value)
    }

    @Test func aVariableIsKeptOnlyWhereItStillExpandsToTheSitesValue() throws {
        let site = try Self.exported(#"{"DATABASES": {"default": {"PASSWORD": "pw", "USER": "site", "HOST": "db"}}, "L": ["a", "b"]}"#)
        let file = SettingsValue.table([
            "DATABASES": .table(["default": .table(["PASSWORD": .string("${DB_PASSWORD}"), "USER": .string("${DB_USER:-old}"),
                                                    "HOST": .string("${UNSET}")])]),
            "L": .array([.string("${FIRST}")]),
        ])
        let environment: Environment = ["DB_PASSWORD": "pw", "FIRST": "a"]
        let kept = site.keepingPlaceholders(of: file, environment: environment)
        #expect(kept.jsonText.contains(#""PASSWORD": "${DB_PASSWORD}""#))
        #expect(kept.jsonText.contains(#""USER": "site""#), "${DB_USER:-old} expands to old, not the site's user")
        #expect(kept.jsonText.contains(#""HOST": "db""#), "an unset variable is not kept")
        #expect(kept.jsonText.contains(#""${FIRST}""#) && kept.jsonText.contains(#""b""#))
    }

    @Test func differencesAreByKeyWithSecretsHidden() {
        let file = SettingsValue.table([
            "CACHES": .table(["default": .table(["KEY_PREFIX": .string("a"), "LOCATION": .string("redis://:old@h:6379/0")])]),
            "DATABASES": .table(["default": .table(["PASSWORD": .string("old-secret"), "NAME": .string("x")])]),
            "MODELS": .table(["gone.Model": .string("gone")]),
            "CACHALOT_TIMEOUT": .int(300),
        ])
        let site = SettingsValue.table([
            "CACHES": .table(["default": .table(["KEY_PREFIX": .string("b"), "LOCATION": .string("redis://:new@h:6379/0")])]),
            "DATABASES": .table(["default": .table(["PASSWORD": .string("new-secret"), "NAME": .string("x")])]),
            "MODELS": .table(["library.Book": .string("library_book")]),
            "CACHALOT_TIMEOUT": .double(300),
        ])
        let lines = SettingsDifference.between(file: file, site: site).map(\.line)
        #expect(lines == [
            "~ CACHALOT_TIMEOUT: 300 → 300.0",
            #"~ CACHES.default.KEY_PREFIX: "a" → "b""#,
            #"~ CACHES.default.LOCATION: "redis://:***@h:6379/0" → "redis://:***@h:6379/0""#,
            "~ DATABASES.default.PASSWORD: (hidden) → (hidden)",
            #"- MODELS["gone.Model"]: "gone""#,
            #"+ MODELS["library.Book"]: "library_book""#,
        ])
        #expect(SettingsDifference.between(file: site, site: site).isEmpty)
    }

    @Test func aDollarBraceInTheSitesValueIsWrittenSoThatReadingGivesItBack() throws {
        let site = try Self.exported(#"{"P": "a${HOME}b$${x}", "Q": "\r\n\"\u0301"}"#)
        let text = site.jsonText
        #expect(text.contains(#""P": "a$${HOME}b$$${x}""#))
        #expect(String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\u{301}" })).contains(#""Q": "\r\n\""#), "CR LF and a quote under a combining mark are escaped scalar by scalar")
        let file = SettingsFile(path: "x.json", format: .json, text: text)
        #expect(try file.document(environment: ["HOME": "/root"]) == site.value)
    }

    @Test func everySecretKeyIsHiddenInADifference() {
        for key in ["PASSWORD", "password", "passwd", "ssl_password", "SECRET_KEY"] {
            let lines = SettingsDifference.between(file: .table([key: .string("old-s3cret")]), site: .table([key: .string("new-s3cret")])).map(\.line)
            #expect(lines == ["~ \(key): (hidden) → (hidden)"])
        }
    }
}
