import Testing
@testable import CachalotKit

/// Key templates against digests Python's hashlib printed, and the settings
/// loader's rules for KEY_FUNCTION, its template and its probes.
struct KeyFunctionTests {
    @Test func templatesComputeWhatPythonComputes() throws {
        let made = { (template: String) in
            try KeyTemplate(template).makeKey("kéy:x", prefix: "site", version: 3, schema: "t2")
        }
        #expect(try made("{prefix}:{version}:{key}") == "site:3:kéy:x")
        #expect(try made("{schema}:{prefix}:{version}:{key}") == "t2:site:3:kéy:x")
        #expect(try made("{prefix}:{version}:{md5:{key}}") == "site:3:c2b37da12223ad7f9cd65921ca79c4b9")
        #expect(try made("{sha1:{prefix}:{version}:{key}}") == "50b9ceb980289dd9fc3647dd1deca65df3b243a7")
        #expect(try KeyTemplate("{sha256:{key}}").makeKey("a", prefix: "", version: 1, schema: nil)
                == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")
        #expect(try made("{{{key}}}") == "{kéy:x}")
        // Nested digests end in }}}: inside a digest } closes it.
        #expect(try made("{sha256:{md5:{key}}}") == "05793c6507f80dd01757ffda2b8edcf05771de191a64b524e1127a448e39bce0")
    }

    @Test func theBuiltInTemplatesAreWhatTheirTextParsesTo() throws {
        #expect(try KeyTemplate(KeyTemplate.djangoDefault.description) == KeyTemplate.djangoDefault)
        #expect(try KeyTemplate(KeyTemplate.schemaFirst.description) == KeyTemplate.schemaFirst)
    }

    @Test func malformedTemplatesSayWhy() {
        let cases = [
            ("{prefix}:{version}", "has no {key}"),
            ("{prefix}:{ke}", "unknown placeholder {ke}"),
            ("{crc32:{key}}", "unknown digest \"crc32\""),
            ("{md5:{key}", "never closed"),
            ("{key}}x", "a lone }"),
        ]
        for (text, expected) in cases {
            #expect(throws: KeyTemplateError.self) { try KeyTemplate(text) }
            do {
                _ = try KeyTemplate(text)
            } catch {
                #expect(error.description.contains(expected), "\(text): \(error)")
            }
        }
    }

    @Test func theListingPrefixStopsAtTheKey() throws {
        #expect(try KeyTemplate("{schema}:{prefix}:{version}:{key}").fixedPrefix(prefix: "p", version: 2, schema: "t1") == "t1:p:2:")
        #expect(try KeyTemplate("{prefix}:{version}:{md5:{key}}").fixedPrefix(prefix: "p", version: 2, schema: nil) == "p:2:")
        #expect(try KeyTemplate("{sha1:{prefix}:{key}}").fixedPrefix(prefix: "p", version: 2, schema: nil) == nil)
    }

    static func cache(_ lines: String) -> String {
        SettingsTests.minimalTOML.replacing("[CACHES.default]", with: "[CACHES.default]\n" + lines)
    }

    static let md5Probe = """
    KEY_PREFIX = "site"
    VERSION = 3
    KEY_FUNCTION = "site.keys.md5_key"
    KEY_FUNCTION_TEMPLATE = "{prefix}:{version}:{md5:{key}}"
    KEY_FUNCTION_PROBES = [{key = "kéy:x", key_prefix = "site", version = 3, made = "site:3:c2b37da12223ad7f9cd65921ca79c4b9"}]
    """

    @Test func aTemplateTheProbesConfirmIsUsed() throws {
        let settings = try SettingsTests().load(Self.cache(Self.md5Probe))
        let cache = try settings.cache("default")
        #expect(DjangoKeyMaker(cache).makeKey("kéy:x") == "site:3:c2b37da12223ad7f9cd65921ca79c4b9")
    }

    @Test func aTemplateIsNeverTakenWithoutProbesOrAgainstThem() throws {
        let unprobed = try #require(SettingsTests().loadError(Self.cache("""
        KEY_FUNCTION = "site.keys.md5_key"
        KEY_FUNCTION_TEMPLATE = "{prefix}:{version}:{md5:{key}}"
        """)))
        #expect(unprobed.exitCode == .usage && unprobed.message.contains("KEY_FUNCTION_PROBES: missing"))
        let contradicted = try #require(SettingsTests().loadError(Self.cache(Self.md5Probe.replacing("{md5:", with: "{sha1:"))))
        #expect(contradicted.exitCode == .usage)
        #expect(contradicted.message.contains("does not reproduce \"site.keys.md5_key\""))
        #expect(contradicted.message.contains("the site made \"site:3:c2b37da12223ad7f9cd65921ca79c4b9\""))
        let custom = try #require(SettingsTests().loadError(Self.cache("KEY_FUNCTION = \"site.keys.md5_key\"")))
        #expect(custom.message.contains("describe it with KEY_FUNCTION_TEMPLATE"))
        // Probes made with other prefixes only: a function that treats the
        // cache's own KEY_PREFIX differently would go unseen.
        let otherPrefix = try #require(SettingsTests().loadError(Self.cache(Self.md5Probe.replacing("KEY_PREFIX = \"site\"", with: "KEY_PREFIX = \"Site\""))))
        #expect(otherPrefix.message.contains("missing a probe with this cache's KEY_PREFIX \"Site\" and VERSION 3"))
        // A known function computes its built-in template and no other.
        for function in ["", "KEY_FUNCTION = \"django_tenants.cache.make_key\"\n"] {
            let replaced = try #require(SettingsTests().loadError(Self.cache(function + "KEY_FUNCTION_TEMPLATE = \"{prefix}-{version}-{key}\"")))
            #expect(replaced.message.contains("KEY_FUNCTION_TEMPLATE: \"{prefix}-{version}-{key}\" is not what"))
        }
    }

    @Test func aKnownFunctionIsCheckedAgainstItsProbesToo() throws {
        let wrong = try #require(SettingsTests().loadError("TENANT_MODEL = \"customers.Client\"\n[MODELS]\n\"customers.Client\" = \"customers_client\"\n" + Self.cache("""
        KEY_FUNCTION = "django_tenants.cache.make_key"
        KEY_FUNCTION_PROBES = [{key = "a", key_prefix = "", version = 1, schema = "public", made = "a:1:public"}]
        """)))
        #expect(wrong.message.contains("the template \"{schema}:{prefix}:{version}:{key}\" does not reproduce"))
    }

    @Test func aSchemaKeyedCacheNeedsTheTenantModel() throws {
        let tenantCache = Self.cache("KEY_FUNCTION = \"django_tenants.cache.make_key\"")
        let missing = try #require(SettingsTests().loadError(tenantCache))
        #expect(missing.message.contains("TENANT_MODEL: missing"))
        let unmapped = try #require(SettingsTests().loadError("TENANT_MODEL = \"customers.Client\"\n" + tenantCache))
        #expect(unmapped.message.contains("is not in MODELS"))
        let settings = try SettingsTests().load("TENANT_MODEL = \"customers.client\"\nPUBLIC_SCHEMA_NAME = \"shared\"\n[MODELS]\n\"customers.Client\" = \"customers_client\"\n" + tenantCache)
        // apps.get_model ignores the model name's case: so does the lookup.
        #expect(settings.tenancy == Tenancy(tenantModel: "customers.Client", publicSchema: "shared"))
        #expect(DjangoKeyMaker(try settings.cache("default")).makeKey("k") == "shared::1:k")
    }

    static let pgschemasCache = cache("KEY_FUNCTION = \"django_pgschemas.contrib.cache.make_key\"")
    static let pgschemasModels = "[MODELS]\n\"pgcustomers.Tenant\" = \"pgcustomers_tenant\"\n"

    @Test func djangoPgschemasTenantsNameTheStaticSchemasAndTheTenantModel() throws {
        let settings = try SettingsTests().load(Self.pgschemasModels + """
            [TENANTS.public]
            [TENANTS.www]
            URLCONF = "site.urls"
            DOMAINS = ["www.example.com"]
            [TENANTS.default]
            TENANT_MODEL = "pgcustomers.Tenant"
            CLONE_REFERENCE = "sample"

            """ + Self.pgschemasCache)
        var expected = Tenancy(tenantModel: "pgcustomers.Tenant", staticSchemas: ["sample", "www"])
        expected.foldsSchemaNames = true
        #expect(settings.tenancy == expected)
        #expect(settings.tenancy?.searchPath(in: "Acme") == ["acme", "public"])
        let staticOnly = try SettingsTests().load("[TENANTS.public]\n[TENANTS.www]\n" + Self.pgschemasCache)
        #expect(staticOnly.tenancy?.staticSchemas == ["www"] && staticOnly.tenancy?.tenantModel == nil)
    }

    @Test func djangoPgschemasSettingsAreRefusedWhereTheyContradict() throws {
        let noPublic = try #require(SettingsTests().loadError("[TENANTS.www]\n" + Self.pgschemasCache))
        #expect(noPublic.message.contains("TENANTS: has no \"public\" entry"))
        let both = try #require(SettingsTests().loadError("TENANT_MODEL = \"pgcustomers.Tenant\"\n" + Self.pgschemasModels
            + "[TENANTS.public]\n" + Self.pgschemasCache))
        #expect(both.message.contains("TENANT_MODEL: a django-tenants setting beside TENANTS"))
        let unmapped = try #require(SettingsTests().loadError("[TENANTS.public]\n[TENANTS.default]\nTENANT_MODEL = \"pgcustomers.Tenant\"\n"
            + Self.pgschemasCache))
        #expect(unmapped.message.contains("TENANTS: tenant model \"pgcustomers.Tenant\" is not in MODELS"))
        let elsewhere = try #require(SettingsTests().loadError("PGSCHEMAS_TENANT_DB_ALIAS = \"tenants\"\n[TENANTS.public]\n" + Self.pgschemasCache))
        #expect(elsewhere.message.contains("database \"tenants\", where the tenants are listed, is not in DATABASES"))
    }

    @Test func aTenantsSearchPathIsTheSchemaPublicAndTheExtraOnes() throws {
        let tenants = try SettingsTests().load("TENANT_MODEL = \"customers.Client\"\nPG_EXTRA_SEARCH_PATHS = [\"extensions\"]\n"
            + "[MODELS]\n\"customers.Client\" = \"customers_client\"\n" + Self.cache("KEY_FUNCTION = \"django_tenants.cache.make_key\""))
        let tenancy = try #require(tenants.tenancy)
        #expect(tenancy.searchPath(in: "t1") == ["t1", "public", "extensions"])
        #expect(tenancy.searchPath(in: "public") == ["public", "extensions"])
        let pgschemas = try SettingsTests().load("PGSCHEMAS_EXTRA_SEARCH_PATHS = [\"ext\"]\n[TENANTS.public]\n" + Self.pgschemasCache)
        #expect(pgschemas.tenancy?.searchPath(in: "www") == ["www", "public", "ext"])
        let mixed = try #require(SettingsTests().loadError("PG_EXTRA_SEARCH_PATHS = [\"ext\"]\n[TENANTS.public]\n" + Self.pgschemasCache))
        #expect(mixed.message.contains("PG_EXTRA_SEARCH_PATHS: a django-tenants setting beside TENANTS"))
    }
}
