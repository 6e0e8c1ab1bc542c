import NIOCore
import StormDrillPlan

/// What the engine needs from a plan, prepared once: request templates with everything static pre-encoded, flat step
/// tables, journey weights and the order generator. Shared read-only by all event loops.
public final class CompiledPlan: Sendable {
    public let plan: Plan
    public let url: TargetURL
    public let generator: OrderGenerator
    let steps: [CompiledStep]
    /// Index into `steps` of each journey's first step.
    let journeyFirstStep: [Int]
    let journeyStepCount: [Int]
    /// Cumulative journey weights, normalised to end at 1.
    let journeyCumulativeWeight: [Double]
    let timeoutNanoseconds: Int64
    let maxExtractSlots: Int
    /// Whether any template uses `{{order.*}}`; if not, orders are not generated at all.
    let usesOrder: Bool

    /// The User-Agent every request carries.
    public static let userAgent = "stormdrill/\(StormDrillVersion.current)"

    public init(plan: Plan, url: TargetURL) {
        self.plan = plan
        self.url = url
        generator = OrderGenerator(seed: plan.seed)
        timeoutNanoseconds = plan.target.timeout.nanoseconds
        maxExtractSlots = plan.maxExtractSlots
        var steps: [CompiledStep] = []
        var first: [Int] = []
        var counts: [Int] = []
        for (j, journey) in plan.journeys.enumerated() {
            first.append(steps.count)
            counts.append(journey.steps.count)
            for (s, step) in journey.steps.enumerated() {
                let global = steps.count
                let ack = plan.checks.audit?.acknowledgingSteps.first { $0.step == global }
                steps.append(
                    CompiledStep(
                        journey: j, indexInJourney: s, global: global, step: step,
                        targetHeaders: plan.target.headers, url: url, acknowledgedSlot: ack?.slot ?? -1,
                        acknowledgedKey: plan.checks.audit?.keyHeaders[global]))
            }
        }
        self.steps = steps
        usesOrder = steps.contains { step in
            (step.head.parts + (step.body?.parts ?? [])).contains {
                if case .variable(.order, _) = $0 { return true }
                return false
            }
        }
        journeyFirstStep = first
        journeyStepCount = counts
        let total = plan.journeys.reduce(0) { $0 + $1.weight }
        var running = 0.0
        journeyCumulativeWeight = plan.journeys.map {
            running += $0.weight / total
            return running
        }
    }

    /// Flattened step names as "journey/step", in the order of `DrillResult.steps`.
    public var stepNames: [(journey: String, step: String)] {
        steps.map { (plan.journeys[$0.journey].name, plan.journeys[$0.journey].steps[$0.indexInJourney].name) }
    }

    private static let journeyStream: UInt64 = 0x6A6F_7572_6E65_79  // "journey"

    /// The journey for order `index`: a seeded weighted choice, the same on every loop and machine.
    func journey(forOrder index: UInt64) -> Int {
        if journeyCumulativeWeight.count == 1 { return 0 }
        var rng = SplitMix64(seed: SplitMix64.mix(seed: plan.seed, stream: CompiledPlan.journeyStream, index: index))
        let u = rng.nextUnit()
        for (i, c) in journeyCumulativeWeight.enumerated() where u < c { return i }
        return journeyCumulativeWeight.count - 1
    }
}

/// One step ready to send: the request head as a template up to (not including) the framing headers, the body
/// template, and the whole request pre-encoded when nothing in it is templated.
/// A class so that the per-request paths take one reference to it, not one per array inside it.
final class CompiledStep: Sendable {
    let journey: Int
    let indexInJourney: Int
    let global: Int
    let method: HTTPMethodName
    let head: Template
    let body: Template?
    /// POST, PUT and PATCH without a body still send `Content-Length: 0`.
    let needsEmptyContentLength: Bool
    let staticRequest: [UInt8]?
    let accepted: [Bool]
    let extract: [Extraction]
    let thinkNanoseconds: Int64
    /// For the lost-order audit: the extract slot holding the order id when this step acknowledges an order, else -1.
    let acknowledgedSlot: Int
    /// The step's idempotency key template, recorded with each acknowledged order (for the duplicate count).
    let acknowledgedKey: Template?
    /// Extracted values the head writes as header text: checked before each send, since a value with a line break
    /// or a control character would inject a header or smuggle a request (`invalid_request`, nothing sent).
    let headerExtracts: [(slot: Int, name: String)]

    var isHead: Bool { method == .HEAD }
    var capturesBody: Bool { !extract.isEmpty }

    init(
        journey: Int, indexInJourney: Int, global: Int, step: Step, targetHeaders: [Header], url: TargetURL,
        acknowledgedSlot: Int = -1, acknowledgedKey: Template? = nil
    ) {
        self.acknowledgedSlot = acknowledgedSlot
        self.acknowledgedKey = acknowledgedKey
        self.journey = journey
        self.indexInJourney = indexInJourney
        self.global = global
        method = step.method
        var parts: [TemplatePart] = [.literal(Array("\(step.method.rawValue) ".utf8))]
        parts += step.path.parts
        parts.append(.literal(Array(" HTTP/1.1\r\nHost: \(url.hostHeader)\r\n".utf8)))
        let stepHeaderNames = Set(step.headers.map { $0.name.lowercased() })
        var allHeaders = targetHeaders.filter { !stepHeaderNames.contains($0.name.lowercased()) }
        allHeaders += step.headers
        let names = Set(allHeaders.map { $0.name.lowercased() })
        if !names.contains("user-agent") {
            parts.append(.literal(Array("User-Agent: \(CompiledPlan.userAgent)\r\n".utf8)))
        }
        for h in allHeaders {
            parts.append(.literal(Array("\(h.name): ".utf8)))
            parts += h.value.parts
            parts.append(.literal([0x0D, 0x0A]))
        }
        if step.body != nil, !names.contains("content-type") {
            parts.append(.literal(Array("Content-Type: application/json\r\n".utf8)))
        }
        let head = Template(parts: parts)
        headerExtracts = head.parts.compactMap {
            if case .variable(.extract(let slot, let name), .text) = $0 { (slot, name) } else { nil }
        }
        let body = step.body
        let needsEmptyContentLength = step.body == nil && [.POST, .PUT, .PATCH].contains(step.method)
        self.head = head
        self.body = body
        self.needsEmptyContentLength = needsEmptyContentLength
        var accepted = Array(repeating: false, count: 600)
        for s in 100..<600 { accepted[s] = step.accepts(status: s) }
        self.accepted = accepted
        extract = step.extract
        thinkNanoseconds = step.think.nanoseconds
        if let headBytes = head.staticBytes, body?.isStatic ?? true {
            var bytes = headBytes
            if let bodyBytes = body?.staticBytes {
                bytes += Array("Content-Length: \(bodyBytes.count)\r\n\r\n".utf8)
                bytes += bodyBytes
            } else if needsEmptyContentLength {
                bytes += Array("Content-Length: 0\r\n\r\n".utf8)
            } else {
                bytes += [0x0D, 0x0A]
            }
            staticRequest = bytes
        } else {
            staticRequest = nil
        }
    }

    static let contentLengthPrefix: [UInt8] = Array("Content-Length: ".utf8)
    static let headEnd: [UInt8] = Array("\r\n\r\n".utf8)
    static let emptyContentLength: [UInt8] = Array("Content-Length: 0\r\n\r\n".utf8)
    static let crlf: [UInt8] = [0x0D, 0x0A]
}

extension ByteBuffer: TemplateByteSink {
    @inlinable
    public mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        writeBytes(bytes)
    }

    @inlinable
    public mutating func appendByte(_ byte: UInt8) {
        writeInteger(byte)
    }
}
