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

    @Test func appLabelTakesEveryTableOfTheApp() throws {
        let match = try catalog.resolve("library", includingAutoCreated: true)
        #expect(Set(match?.tables ?? []) == ["catalogue_books", "catalogue_books_authors", "library_author"])
        #expect(match?.modelCount == 2)
    }

    @Test func modelLabelIsCaseInsensitiveAndBringsItsM2M() throws {
        #expect(try catalog.resolve("library.book", includingAutoCreated: true)?.tables == ["catalogue_books", "catalogue_books_authors"])
        #expect(try catalog.resolve("library.BOOK", includingAutoCreated: false)?.tables == ["catalogue_books"])
        #expect(try catalog.resolve("library.author", includingAutoCreated: true)?.tables == ["library_author"])
    }

    @Test func aModelLabelIsAppDotModelAndNothingElse() {
        #expect(ModelEntry.labelParts("auth.User")! == ("auth", "User"))
        #expect(ModelEntry.labelParts("my_app.Book_authors")! == ("my_app", "Book_authors"))
        #expect(ModelEntry.labelParts("appé.Modèle")! == ("appé", "Modèle"))
        for label in ["auth", "", ".", "auth.", ".User", "auth..User", "a.b.c", "auth.User."] {
            #expect(ModelEntry.labelParts(label) == nil, "\(label)")
        }
    }

    /// The declaring model is the name up to an underscore, the first such
    /// prefix that names a model of the same app: model names hold underscores too.
    @Test func anAutoCreatedModelIsFoundUpToTheFirstPrefixThatNamesAModel() {
        let entries = Catalog.fromModelsSetting([
            "shop.Order": "shop_order", "shop.Order_line": "shop_order_line",
            "shop.Order_line_tags": "shop_order_line_tags", "shop.Big__Box": "shop_bigbox",
            "shop.Big__Box_items": "shop_bigbox_items", "other.Order_x": "other_order_x",
        ])
        let declaring = Dictionary(uniqueKeysWithValues: entries.map { ($0.label, $0.autoCreatedBy) })
        #expect(declaring["shop.Order"]! == nil)
        #expect(declaring["shop.Order_line"]! == "Order")
        #expect(declaring["shop.Order_line_tags"]! == "Order")
        #expect(declaring["shop.Big__Box"]! == nil)
        #expect(declaring["shop.Big__Box_items"]! == "Big__Box")
        #expect(declaring["other.Order_x"]! == nil)  // Order is a model of another app
    }

    @Test func tableNameAndUnknownLabel() throws {
        #expect(try catalog.resolve("legacy_table", includingAutoCreated: true)?.tables == ["legacy_table"])
        #expect(try catalog.resolve("nope", includingAutoCreated: true) == nil)
        #expect(Suggestion.closest(to: "librar", in: catalog.labelCandidates) == "library")
    }

    @Test func contentTypesUseDjangoDefaultNames() throws {
        let built = Catalog.fromContentTypes(
            [ContentType(appLabel: "auth", model: "user"), ContentType(appLabel: "auth", model: "group")],
            tables: ["auth_user", "auth_user_groups", "auth_group", "auth_group_permissions"],
            alias: "default", settingsPath: "s.toml")
        #expect(try built.resolve("auth.User", includingAutoCreated: true)?.tables == ["auth_user", "auth_user_groups"])
        #expect(Set(built.tables(ofApp: "auth") ?? []) == ["auth_user", "auth_user_groups", "auth_group", "auth_group_permissions"])
    }

    @Test func customTableWithoutModelsAsksForModelsOnlyWhenALabelNeedsIt() throws {
        let built = Catalog.fromContentTypes([ContentType(appLabel: "library", model: "book")], tables: ["catalogue_books"],
                                             alias: "default", settingsPath: "s.toml")
        #expect(try built.resolve("catalogue_books", includingAutoCreated: true)?.tables == ["catalogue_books"])
        #expect(throws: CachalotError.self) { try built.resolve("library", includingAutoCreated: true) }
        #expect(throws: CachalotError.self) { try built.resolve("library.Book", includingAutoCreated: true) }
    }

    @Test func aStaleContentTypeWarnsUnlessATableCouldBeItsCustomTable() throws {
        let types = [ContentType(appLabel: "shop", model: "item"), ContentType(appLabel: "shop", model: "ghost")]
        let clean = Catalog.fromContentTypes(types, tables: ["shop_item", "django_migrations"], alias: "default", settingsPath: "s.toml")
        let match = try clean.resolve("shop", includingAutoCreated: true)
        #expect(match?.tables == ["shop_item"])
        #expect(match?.warnings.first?.contains("shop.ghost") == true)
        #expect(try clean.resolve("shop.item", includingAutoCreated: true)?.warnings == [])
        let custom = Catalog.fromContentTypes(types, tables: ["shop_item", "legacy_ghosts"], alias: "default", settingsPath: "s.toml")
        #expect(throws: CachalotError.self) { try custom.resolve("shop", includingAutoCreated: true) }
    }

    @Test func aViewBackedModelMapsThroughRelations() throws {
        let built = Catalog.fromContentTypes([ContentType(appLabel: "shop", model: "itemview")], tables: [],
                                             relations: ["shop_itemview"], alias: "default", settingsPath: "s.toml")
        #expect(try built.resolve("shop", includingAutoCreated: true)?.tables == ["shop_itemview"])
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
