import CachalotKit

/// `cachalot doctor`: one OK / WARN / FAIL line per check, with the fix.
/// Exit 1 on any FAIL, including settings that do not load.
enum DoctorCommand {
    static func run(_ context: CommandContext) throws -> Int32 {
        let json = context.arguments.flag(.json)
        let settings: Settings
        do {
            settings = try context.loadSettings()
        } catch let error as CachalotError {
            // Settings that do not load are the first thing doctor reports.
            return report([DoctorCheck(.fail, "settings", error.message, fix: error.hint ?? "fix the settings file (man cachalot, SETTINGS)")],
                          json: json)
        }
        let checks = try DoctorOperation(context.selection).run(settings: settings, backends: context.backends)
        return report(checks, json: json)
    }

    /// Prints the checks; exit 1 on any FAIL (init runs doctor too).
    static func report(_ checks: [DoctorCheck], json: Bool) -> Int32 {
        if json {
            Console.out(JSONValue.object([
                ("ok", .bool(!checks.contains { $0.status == .fail })),
                ("checks", .array(checks.map { check in
                    .object([("status", .string(check.status.rawValue.lowercased())), ("check", .string(check.name)),
                             ("message", .string(check.message)), ("fix", .optional(check.fix))])
                })),
            ]).serialized)
        } else {
            for check in checks {
                Console.out("\(TextFormatting.padded(check.status.rawValue, to: 5)) \(check.name): \(check.message)"
                            + (check.fix.map { "\n      fix: \($0)" } ?? ""))
            }
        }
        return checks.contains { $0.status == .fail } ? CachalotError.ExitCode.runtime.rawValue : 0
    }
}
