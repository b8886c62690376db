/// The database engines django-cachalot supports, grouped by the server
/// they talk to (cachalot/settings.py SUPPORTED_DATABASE_ENGINES).
public enum DatabaseEngine: String, Sendable {
    case sqlite
    case postgresql
    case mysql

    /// Every ENGINE path cachalot accepts, with the engine it means.
    public static let byEngineName: [String: DatabaseEngine] = [
        "django.db.backends.sqlite3": .sqlite,
        "django.db.backends.postgresql": .postgresql,
        "django.db.backends.mysql": .mysql,
        "django.contrib.gis.db.backends.spatialite": .sqlite,
        "django.contrib.gis.db.backends.postgis": .postgresql,
        "django.contrib.gis.db.backends.mysql": .mysql,
        "transaction_hooks.backends.sqlite3": .sqlite,
        "transaction_hooks.backends.postgis": .postgresql,
        "transaction_hooks.backends.mysql": .mysql,
        "django_prometheus.db.backends.sqlite3": .sqlite,
        "django_prometheus.db.backends.postgresql": .postgresql,
        "django_prometheus.db.backends.mysql": .mysql,
    ]
}
