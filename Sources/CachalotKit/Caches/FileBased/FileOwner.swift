import Glibc

/// Who Django's cache files belong to, so that the files cachalot creates
/// stay readable by the site: the owner of an existing `.djcache` file,
/// else of the folder, else of its nearest existing parent. Run as root,
/// cachalot gives its files to that owner; run as another user, it refuses
/// before writing, since Django could not read what it wrote (mode 0600).
struct FileOwner: Equatable {
    var user: uid_t
    var group: gid_t

    /// The owner to give new files, or nil when they are ours already.
    static func forNewFiles(in directory: String) throws -> FileOwner? {
        guard let target = djangoOwner(of: directory) else { return nil }
        let me = geteuid()
        if me == 0 { return target }
        guard me == target.user else {
            throw CachalotError.runtime(
                "the files of \(directory) belong to \(userName(target.user)), and cachalot runs as \(userName(me)): the cache files it would write would not be readable by the site; nothing was written",
                hint: "run cachalot as that user (sudo -u \(userName(target.user)) cachalot …) or as root, which gives its files to that user")
        }
        return nil
    }

    private static func djangoOwner(of directory: String) -> FileOwner? {
        if let names = try? FileSystem.list(directory),
           let name = names.first(where: { $0.hasSuffix(".djcache") }),
           let info = FileSystem.status(directory + "/" + name) {
            return FileOwner(user: info.st_uid, group: info.st_gid)
        }
        var folder = directory
        while true {
            if let info = FileSystem.status(folder) { return FileOwner(user: info.st_uid, group: info.st_gid) }
            let parent = PathText.directory(of: folder)
            if parent == folder { return nil }
            folder = parent
        }
    }

    static func userName(_ user: uid_t) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(user, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return "uid \(user)"
        }
        return "\(String(cString: name)) (uid \(user))"
    }
}
