/// A multi-tenant site (django-tenants, django-tenant-schemas,
/// django-pgschemas): one PostgreSQL schema per tenant, and a KEY_FUNCTION
/// that puts the schema of the current connection in front of every cache
/// key. The settings file holds these under the names the site's settings
/// use: TENANT_MODEL, PUBLIC_SCHEMA_NAME and TENANT_DB_ALIAS
/// (django-tenants), or TENANTS and PGSCHEMAS_TENANT_DB_ALIAS
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
    /// The database whose tenant model's table lists the schemas.
    public var databaseAlias = "default"

    public init(tenantModel: String?, publicSchema: String = "public", staticSchemas: [String] = [],
                databaseAlias: String = "default") {
        self.tenantModel = tenantModel
        self.publicSchema = publicSchema
        self.staticSchemas = staticSchemas
        self.databaseAlias = databaseAlias
    }
}
