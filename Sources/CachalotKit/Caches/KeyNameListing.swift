/// A cache whose servers can list every key name they hold, whatever its
/// KEY_PREFIX and VERSION (Redis SCAN, memcached's metadump). `doctor`
/// uses it to find the site's table keys under a prefix or version other
/// than the settings say. The file cache cannot: its file names are hashes.
public protocol KeyNameListing {
    /// Calls `visit` with each key name on every server keys are written to.
    func listKeyNames(_ visit: (String) throws -> Void) throws
}
