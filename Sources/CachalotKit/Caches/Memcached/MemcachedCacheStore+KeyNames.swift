extension MemcachedCacheStore: KeyNameListing {
    /// Each server's metadump, unfiltered.
    public func listKeyNames(_ visit: (String) throws -> Void) throws {
        try refuseListingOverSASL()
        for server in options.servers.indices {
            try dump(server) { try visit($0.key) }
        }
    }
}
