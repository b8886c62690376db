extension RedisKeyspaceFeed: ChangeFeed {}

extension RedisCacheStore: ChangeFeedSource {
    public func openChangeFeed(keys: [String], enabling: KeyspaceNotificationChanges?) throws -> Result<ChangeFeed, ChangeFeedUnavailable> {
        switch try RedisKeyspaceFeed.open(self, keys: keys, enabling: enabling) {
        case .success(let feed): return .success(feed)
        case .failure(let unavailable):
            let off = if case .off = unavailable { true } else { false }
            return .failure(ChangeFeedUnavailable(unavailable.description, canBeEnabled: off))
        }
    }
}
