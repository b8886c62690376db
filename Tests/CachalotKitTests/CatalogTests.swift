import Testing
@testable import CachalotKit

struct CatalogTests {
    static let models = [
        "auth.User": "auth_user", "auth.User_groups": "auth_user_groups", "auth.Group": "auth_group",
        "library.Book": "catalogue_books", "library.Book_authors": "catalogue_books_authors",
        "library.Author": "library_author",
    ]
    let catalog = Catalog(databaseAlias: "default",
                          tables: ["auth_user", "auth_user_groups", "auth_group", "catalogue_books",
                                   "catalogue_books_authors", "library_author", "legacy_table"],
                          models: Catalog.fromModelsSetting(Self.models))

    @Test func appLabelTakesEveryTableOfTheApp() {
        let match = catalog.resolve("library", includingAutoCreated: true)
        #expect(Set(match?.tables ?? []) == ["catalogue_books", "catalogue_books_authors", "library_author"])
        #expect(match?.modelCount == 2)
    }

    @Test func modelLabelIsCaseInsensitiveAndBringsItsM2M() {
        #expect(catalog.resolve("library.book", includingAutoCreated: true)?.tables == ["catalogue_books", "catalogue_books_authors"])
        #expect(catalog.resolve("library.BOOK", includingAutoCreated: false)?.tables == ["catalogue_books"])
        #expect(catalog.resolve("library.author", includingAutoCreated: true)?.tables == ["library_author"])
    }

    @Test func tableNameAndUnknownLabel() {
        #expect(catalog.resolve("legacy_table", includingAutoCreated: true)?.tables == ["legacy_table"])
        #expect(catalog.resolve("nope", includingAutoCreated: true) == nil)
        #expect(Suggestion.closest(to: "librar", in: catalog.labelCandidates) == "library")
    }

    @Test func contentTypesUseDjangoDefaultNames() throws {
        let built = try Catalog.fromContentTypes(
            [ContentType(appLabel: "auth", model: "user"), ContentType(appLabel: "auth", model: "group")],
            tables: ["auth_user", "auth_user_groups", "auth_group", "auth_group_permissions"],
            alias: "default", settingsPath: "s.toml")
        #expect(built.resolve("auth.User", includingAutoCreated: true)?.tables == ["auth_user", "auth_user_groups"])
        #expect(Set(built.tables(ofApp: "auth") ?? []) == ["auth_user", "auth_user_groups", "auth_group", "auth_group_permissions"])
    }

    @Test func customTableWithoutModelsAsksForModels() {
        #expect(throws: CachalotError.self) {
            try Catalog.fromContentTypes([ContentType(appLabel: "library", model: "book")], tables: ["catalogue_books"],
                                         alias: "default", settingsPath: "s.toml")
        }
    }

    @Test func cachableFilterFollowsCachalot() {
        var options = CachalotSettings()
        options.uncachableApps = ["auth"]
        let filter = CachableFilter(settings: options, catalog: catalog)
        #expect(!filter.isCachable("django_migrations"))
        #expect(!filter.isCachable("auth_user_groups"))
        #expect(filter.isCachable("library_author"))
        options.onlyCachableTables = ["library_author"]
        let only = CachableFilter(settings: options, catalog: catalog)
        #expect(only.isCachable("library_author"))
        #expect(!only.isCachable("catalogue_books"))
    }
}
