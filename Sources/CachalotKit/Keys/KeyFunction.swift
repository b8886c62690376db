/// A cache's KEY_FUNCTION as cachalot computes it: the dotted path the
/// site names, the template that reproduces it, and the answers the
/// site's own function gave to probe inputs when the settings were
/// exported. A template is trusted only when it gives every one of those
/// answers; a function cachalot has no template for is refused.
public struct KeyFunction: Equatable, Sendable {
    public var path: String
    public var template: KeyTemplate
    public var probes: [Probe]

    /// One call of the site's function: `make_key(key, key_prefix, version)`
    /// inside `schema` (nil: outside any tenant), and what it returned.
    public struct Probe: Equatable, Sendable {
        public var key: String
        public var prefix: String
        public var version: Int
        public var schema: String?
        public var made: String

        public init(key: String, prefix: String, version: Int, schema: String?, made: String) {
            self.key = key
            self.prefix = prefix
            self.version = version
            self.schema = schema
            self.made = made
        }
    }

    public static let djangoDefaultPath = "django.core.cache.backends.base.default_key_func"

    /// The key functions whose template is known, each from its source:
    /// Django's `default_key_func` (`'%s:%s:%s' % (key_prefix, version, key)`),
    /// and the tenant packages' `make_key`
    /// (`'%s:%s:%s:%s' % (<schema>, key_prefix, version, key)`), see docs/FORMATS.md.
    public static let known: [String: KeyTemplate] = [
        djangoDefaultPath: .djangoDefault,
        "django_tenants.cache.make_key": .schemaFirst,
        "tenant_schemas.cache.make_key": .schemaFirst,
        "django_pgschemas.contrib.cache.make_key": .schemaFirst,
    ]

    public static let djangoDefault = KeyFunction(path: djangoDefaultPath, template: .djangoDefault, probes: [])

    public init(path: String, template: KeyTemplate, probes: [Probe]) {
        self.path = path
        self.template = template
        self.probes = probes
    }

    /// The first probe the template answers differently, with both answers.
    public func firstMismatch() -> (probe: Probe, computed: String)? {
        for probe in probes {
            let computed = template.makeKey(probe.key, prefix: probe.prefix, version: probe.version, schema: probe.schema)
            if computed != probe.made { return (probe, computed) }
        }
        return nil
    }
}
