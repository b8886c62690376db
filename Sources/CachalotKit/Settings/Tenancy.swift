/// A multi-tenant site (django-tenants, django-tenant-schemas): one
/// PostgreSQL schema per tenant, and a KEY_FUNCTION that puts the schema
/// of the current connection in front of every cache key. The settings
/// file holds these under the names the site's settings use.
public struct Tenancy: Sendable, Equatable {
    /// TENANT_MODEL: "app_label.ModelName" of the model whose table lists
    /// the tenants, one row per schema (column `schema_name`).
    public var tenantModel: String
    /// PUBLIC_SCHEMA_NAME (default "public"): the schema of shared apps,
    /// and the one a process outside any tenant's context keys under.
    public var publicSchema = "public"

    public init(tenantModel: String, publicSchema: String = "public") {
        self.tenantModel = tenantModel
        self.publicSchema = publicSchema
    }
}
