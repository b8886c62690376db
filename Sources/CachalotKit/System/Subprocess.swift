import Glibc

/// Runs another program to its end: `init` runs the site's Python once.
/// posix_spawn, standard input from /dev/null, standard output and error
/// into one file the caller reads (the program's own words, for messages).
public enum Subprocess {
    /// Runs `arguments` (the first is looked up on PATH when it has no
    /// slash) in `directory`, with `environment` added to this process's;
    /// returns its exit status (128 + n for signal n).
    public static func run(_ arguments: [String], adding environment: [String: String], output: String,
                           directory: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var inherited: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if !environment.keys.contains(where: { text.hasPrefix($0 + "=") }) { inherited.append(text) }
            index += 1
        }
        var envp = (inherited + environment.map { "\($0.key)=\($0.value)" }).map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The child starts in `directory`: this (single-threaded) process
        // steps there for the spawn and back (Glibc's Swift module lacks
        // posix_spawn_file_actions_addchdir_np).
        let home = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard home >= 0, chdir(directory) == 0 else {
            if home >= 0 { close(home) }
            throw CachalotError.runtime("cannot enter \(directory): \(String(cString: strerror(errno)))")
        }
        // A SIGCHLD inherited as ignored would make waitpid fail: default it
        // here for the wait, and in the child.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGCHLD)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))
        let previous = signal(SIGCHLD, SIG_DFL)
        defer { signal(SIGCHLD, previous) }
        var pid: pid_t = 0
        let started = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, &envp)
        fchdir(home)
        close(home)
        guard started == 0 else {
            throw CachalotError.runtime("cannot run \(arguments[0]): \(String(cString: strerror(started)))")
        }
        var status: Int32 = 0
        var waited = waitpid(pid, &status, 0)
        while waited < 0 && errno == EINTR { waited = waitpid(pid, &status, 0) }
        guard waited == pid else {
            throw CachalotError.runtime("cannot learn how \(arguments[0]) ended: \(String(cString: strerror(errno)))")
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
