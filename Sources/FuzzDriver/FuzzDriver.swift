// wavedistill-fuzz: one executable for every fuzz target (FuzzTarget), chosen with the
// environment variable WAVEDISTILL_FUZZ_TARGET.
//
// Built by scripts/fuzz.sh with -sanitize=fuzzer -DFUZZING, the entry point runs libFuzzer's
// driver on LLVMFuzzerTestOneInput. In an ordinary build it replays the files given as
// arguments through the target (`wavedistill-fuzz audio crash-1234`), to reproduce a crash.
import Foundation
import FuzzTargets

/// Read once, on the first input (a static is lazy).
enum Selected {
    static let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["WAVEDISTILL_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set WAVEDISTILL_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    Selected.target.run(data)
    return 0
}

#if FUZZING
// SwiftPM links an executable with main aliased to `<module>_main`, so libFuzzer's own main()
// is never used: this is that entry point, and it hands control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runLibFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("wavedistill_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runLibFuzzerDriver(&count, &arguments) { bytes, size in fuzzOneInput(bytes, size) }
}
#else
/// Replay: `wavedistill-fuzz TARGET FILE...` runs each file through the target and says whether
/// it was accepted (a crasher crashes here too, with the reason).
@main
struct Replay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let first = arguments.first, let target = FuzzTarget(rawValue: first) else {
            print("usage: wavedistill-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE...")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read")
                exit(1)
            }
            print("\(path): \(target.run(data) ? "accepted" : "rejected")")
        }
    }
}
#endif
