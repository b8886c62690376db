import CachalotKit
import Glibc

/// What every fuzz target shares. Built with -DFUZZING and
/// `-sanitize=fuzzer,address` (make fuzz), a target runs libFuzzer's driver;
/// built plainly (make test), it replays the files or folders given as
/// arguments: the checked-in seeds and every crash found so far.
public enum FuzzHarness {
    /// The target's test, for libFuzzer's C callback (which captures nothing).
    private nonisolated(unsafe) static var current: (([UInt8]) -> Void)?

    public static func run(_ test: @escaping ([UInt8]) -> Void) -> Never {
        #if FUZZING
        current = test
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
        #else
        replay(test)
        #endif
    }

    /// Runs `test` on every file under the given paths; exits 1 if none.
    public static func replay(_ test: ([UInt8]) -> Void) -> Never {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            let files = FileSystem.isDirectory(path) ? ((try? FileSystem.list(path)) ?? []).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                guard let bytes = try? FileSystem.read(file) else { continue }
                test(bytes)
                count += 1
            }
        }
        print("replayed \(count) inputs")
        exit(count > 0 ? 0 : 1)
    }

    static func test(_ bytes: [UInt8]) { current?(bytes) }

    /// The fuzzer's bytes as an array.
    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: size))
    }
}

#if FUZZING
/// libFuzzer's callback, one input at a time (it must exist by this name).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzHarness.test(data.map { FuzzHarness.bytes($0, size) } ?? [])
    return 0
}

/// libFuzzer's entry for programs with their own main (SwiftPM renames an
/// executable's main, so libFuzzer's own main cannot be used).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif
