import CachalotKit
import Glibc

/// Programs the tests start: servers in the background, tools to the end.
/// posix_spawn rather than Foundation's Process, whose exit handling hangs
/// when a test kills and reaps a server itself.
public enum ChildProcess {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `arguments` with stdin from `input` (or /dev/null), stdout and
    /// stderr to `output` (or /dev/null); returns its pid.
    public static func spawn(_ arguments: [String], input: String = "/dev/null", output: String = "/dev/null",
                             environment: [String: String]? = nil) throws -> pid_t {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var status: Int32
        if let environment {
            var envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { envp.forEach { free($0) } }
            status = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, &envp)
        } else {
            status = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        }
        guard status == 0 else { throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(status)))") }
        return pid
    }

    /// Runs `arguments` to the end; its exit status (128 + n for signal n).
    @discardableResult
    public static func run(_ arguments: [String], input: String = "/dev/null", output: String = "/dev/null") throws -> Int32 {
        wait(try spawn(arguments, input: input, output: output))
    }

    /// Waits for `pid` and returns its exit status.
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Kills and reaps `pid`.
    public static func stop(_ pid: pid_t) {
        kill(pid, SIGKILL)
        _ = wait(pid)
    }

    /// The absolute path of `program` on PATH or in the usual system folders.
    public static func locate(_ program: String) -> String? {
        let path = Environment.process["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        return folders.map { $0 + "/" + program }.first { access($0, X_OK) == 0 }
    }
}
