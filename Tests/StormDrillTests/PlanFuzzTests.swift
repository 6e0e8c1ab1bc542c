import Foundation
import StormDrillPlan
import Testing

extension StormDrillTests {
    /// No input may crash the CLI: shipped plans mutated byte-wise and structurally must decode to a valid plan or
    /// to clear errors with positions inside the file.
    @Suite("Plan fuzzing")
    struct PlanFuzzTests {
        struct Mutator {
            var rng: SplitMix64

            mutating func int(_ n: Int) -> Int { rng.nextInt(below: max(1, n)) }

            static let alphabet = Array("{}[]\",:.-+eE0123456789 \n\tabcdefghijklmnopqrstuvwxyz{{}}\\/".utf8)

            mutating func byteMutation(_ input: [UInt8]) -> [UInt8] {
                var b = input
                guard !b.isEmpty else { return b }
                switch int(6) {
                case 0:  // delete a range
                    let start = int(b.count)
                    b.removeSubrange(start..<min(b.count, start + 1 + int(12)))
                case 1:  // insert characters that matter to JSON
                    let at = int(b.count + 1)
                    b.insert(
                        contentsOf: (0..<(1 + int(4))).map { _ in Mutator.alphabet[int(Mutator.alphabet.count)] },
                        at: at)
                case 2:  // replace a byte, sometimes with a non-ASCII or control byte
                    b[int(b.count)] = int(4) == 0 ? UInt8(int(256)) : Mutator.alphabet[int(Mutator.alphabet.count)]
                case 3:  // duplicate a chunk
                    let start = int(b.count)
                    let chunk = b[start..<min(b.count, start + 1 + int(40))]
                    b.insert(contentsOf: chunk, at: int(b.count + 1))
                case 4:  // truncate
                    b = Array(b.prefix(int(b.count)))
                default:  // swap two chunks
                    let a = int(b.count)
                    let c = int(b.count)
                    let lo = min(a, c)
                    let hi = max(a, c)
                    let len = min(1 + int(20), hi - lo)
                    if len > 0 && hi + len <= b.count {
                        let first = Array(b[lo..<(lo + len)])
                        let second = Array(b[hi..<(hi + len)])
                        b.replaceSubrange(hi..<(hi + len), with: first)
                        b.replaceSubrange(lo..<(lo + len), with: second)
                    }
                }
                return b
            }

            static let replacements: [JSONNode.Value] = [
                .null, .bool(true), .number(0, text: "0"), .number(-1, text: "-1"), .number(1e300, text: "1e300"),
                .number(0.5, text: "0.5"), .string(""), .string("0s"), .string("-5s"), .string("{{order.nope}}"),
                .string("{{extract.x}}"), .string("{{"), .string("ftp://x"), .string("/x"), .string("poisson"),
                .string("closed"), .array([]), .object([]),
            ]

            /// Replaces, deletes or renames one node of the tree.
            mutating func structuralMutation(_ root: JSONNode) -> JSONNode {
                var count = 0
                func countNodes(_ n: JSONNode) {
                    count += 1
                    n.elements?.forEach(countNodes)
                    n.members?.forEach { countNodes($0.value) }
                }
                countNodes(root)
                let target = int(count)
                let action = int(4)
                var index = 0
                func walk(_ n: JSONNode) -> JSONNode? {
                    defer { index += 1 }
                    if index == target {
                        switch action {
                        case 0: return nil
                        case 1: return JSONNode(Mutator.replacements[int(Mutator.replacements.count)], at: n.position)
                        case 2 where n.members != nil:
                            var m = n.members!
                            if !m.isEmpty {
                                let i = int(m.count)
                                m[i].key = String(m[i].key.dropLast()) + (int(2) == 0 ? "x" : "")
                            }
                            return JSONNode(.object(m), at: n.position)
                        default:
                            return JSONNode(.array([n, n]), at: n.position)
                        }
                    }
                    switch n.value {
                    case .array(let e):
                        return JSONNode(.array(e.compactMap { walk($0) }), at: n.position)
                    case .object(let m):
                        return JSONNode(
                            .object(
                                m.compactMap { member in
                                    walk(member.value).map {
                                        JSONNode.Member(key: member.key, keyPosition: member.keyPosition, value: $0)
                                    }
                                }), at: n.position)
                    default:
                        return n
                    }
                }
                return walk(root) ?? JSONNode(.null)
            }
        }

        static func check(_ bytes: [UInt8], origin: String) {
            let lines = bytes.filter { $0 == UInt8(ascii: "\n") }.count + 1
            switch PlanDecoder.decode(bytes, file: "fuzz.json") {
            case .success(let plan):
                #expect(!plan.journeys.isEmpty, "\(origin)")
                #expect(plan.loadDuration > .zero, "\(origin)")
                #expect(plan.journeys.allSatisfy { !$0.steps.isEmpty })
            case .failure(let error):
                #expect(!error.diagnostics.isEmpty, "\(origin)")
                for d in error.diagnostics {
                    #expect(d.position.line >= 1 && d.position.line <= lines, "\(origin): \(d)")
                    #expect(d.position.column >= 1, "\(origin): \(d)")
                    #expect(!d.message.isEmpty && !d.path.isEmpty, "\(origin): \(d)")
                    #expect(d.description.hasPrefix("fuzz.json:"))
                }
            }
        }

        @Test("byte-level mutations of the shipped plans: valid or a clear error", arguments: Repository.shippedPlans)
        func bytes(path: String) throws {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var mutator = Mutator(rng: SplitMix64(seed: 0xF022))
            for i in 0..<600 {
                var b = original
                for _ in 0...(i % 3) { b = mutator.byteMutation(b) }
                Self.check(b, origin: "\(path) byte mutation \(i)")
            }
        }

        @Test("structural mutations of the shipped plans: valid or a clear error", arguments: Repository.shippedPlans)
        func structure(path: String) throws {
            let original = try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
            var mutator = Mutator(rng: SplitMix64(seed: 0x57C7))
            var rejected = 0
            for i in 0..<400 {
                var node = original
                for _ in 0...(i % 2) { node = mutator.structuralMutation(node) }
                let bytes = Array(node.compactJSON().utf8)
                if case .failure = PlanDecoder.decode(bytes, file: "fuzz.json") { rejected += 1 }
                Self.check(bytes, origin: "\(path) structural mutation \(i)")
            }
            // The mutations must actually exercise validation.
            #expect(rejected > 100)
        }

        @Test("the CLI never crashes on mutated plans: exit 0 or 2 only")
        func cli() throws {
            let dir = Repository.temporaryDirectory("fuzz-cli")
            var mutator = Mutator(rng: SplitMix64(seed: 0xC11))
            let plans = Repository.shippedPlans
            for i in 0..<30 {
                let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: plans[i % plans.count])))
                let mutated = mutator.byteMutation(mutator.byteMutation(original))
                let path = "\(dir)/m\(i).json"
                try Data(mutated).write(to: URL(fileURLWithPath: path))
                let r = try ChildProcess.run(Repository.binary, ["validate", path], timeout: 20)
                #expect(r.status == 0 || r.status == 2, "exit \(r.status) for \(path): \(r.stderr)")
                if r.status == 2 { #expect(r.stderr.contains("m\(i).json:")) }
            }
        }
    }
}
