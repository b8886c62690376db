/// A multi-tenant site (django-tenants, django-tenant-schemas,
/// django-pgschemas): one PostgreSQL schema per tenant, and a KEY_FUNCTION
/// that puts the schema of the current connection in front of every cache
/// key. The settings file holds these under the names the site's settings
/// use: TENANT_MODEL, PUBLIC_SCHEMA_NAME, TENANT_DB_ALIAS and
/// PG_EXTRA_SEARCH_PATHS (django-tenants), or TENANTS,
/// PGSCHEMAS_TENANT_DB_ALIAS and PGSCHEMAS_EXTRA_SEARCH_PATHS
/// (django-pgschemas).
public struct Tenancy: Sendable, Equatable {
    /// "app_label.ModelName" of the model whose table lists the dynamic
    /// tenants, one row per schema (column `schema_name`); nil on a
    /// django-pgschemas site with static tenants only.
    public var tenantModel: String?
    /// The schema of shared apps, and the one a process outside any
    /// tenant's context keys under (PUBLIC_SCHEMA_NAME; always "public"
    /// on django-pgschemas).
    public var publicSchema = "public"
    /// django-pgschemas' static tenants: the keys of TENANTS other than
    /// "public" and "default", each its own schema.
    public var staticSchemas: [String] = []
    /// The database whose tenant model's table lists the schemas, and
    /// whose connections take a tenant's search path.
    public var databaseAlias = "default"
    /// Schemas every tenant's search path ends with.
    public var extraSearchPaths: [String] = []
    /// django-pgschemas writes schema names into SQL unquoted (CREATE
    /// SCHEMA, SET search_path), so PostgreSQL folds them to lower case;
    /// django-tenants quotes them.
    public var foldsSchemaNames = false

    public init(tenantModel: String?, publicSchema: String = "public", staticSchemas: [String] = [],
                databaseAlias: String = "default", extraSearchPaths: [String] = []) {
        self.tenantModel = tenantModel
        self.publicSchema = publicSchema
        self.staticSchemas = staticSchemas
        self.databaseAlias = databaseAlias
        self.extraSearchPaths = extraSearchPaths
    }

    /// The search path a connection in `schema`'s context sets, as both
    /// packages set it: the schema, then public, then the extra ones
    /// (django_tenants/postgresql_backend/base.py _get_cursor_search_paths,
    /// django_pgschemas/postgresql/base.py get_search_path).
    public func searchPath(in schema: String) -> [String] {
        let path = (schema == publicSchema ? [publicSchema] : [schema, publicSchema]) + extraSearchPaths
        // PostgreSQL folds an unquoted identifier's ASCII letters only.
        return foldsSchemaNames ? path.map { String($0.map { $0.isASCII ? Character($0.lowercased()) : $0 }) } : path
    }
}
