import Foundation
import Testing

extension StormDrillTests {
    /// CI's bounded fuzzing: every libFuzzer target of `Fuzz/` builds and runs for a short time without a crash.
    /// Longer runs are `scripts/fuzz.sh --time 600` by hand (docs/robustness.md).
    @Suite("Fuzz smoke")
    struct FuzzSmokeTests {
        @Test("scripts/fuzz.sh --time 15: the four fuzz targets build and run without a crash")
        func fuzzTargets() throws {
            let r = try ChildProcess.run(
                "/bin/bash", [Repository.path("scripts/fuzz.sh"), "--time", "15"], timeout: 1800,
                currentDirectory: Repository.root.path)
            #expect(r.status == 0, "scripts/fuzz.sh exited \(r.status):\n\(r.stdout)\n\(r.stderr.suffix(4000))")
            for target in ["plan", "http-response", "toxiproxy-api", "campus-order"] {
                #expect(r.stdout.contains("fuzz: \(target): ok,"), "\(target):\n\(r.stdout)")
            }
        }
    }
}
