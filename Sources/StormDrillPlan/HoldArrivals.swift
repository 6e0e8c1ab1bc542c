/// The open model's arrivals while the scenario clock holds: the load goes on at the rate in force when the hold
/// began, for as long as the hold lasts (its end is not known in advance, so the stream has none; the engine stops
/// taking from it at the release).
///
/// Like `ArrivalSchedule`, one global stream split by index (arrival k to partition k mod n), uniform or Poisson from
/// the plan's seed, so the event loops share it without coordinating. Hold arrivals have their own order indices,
/// `HoldArrivals.firstIndex(hold:)` + k, far above any index of the planned schedule, so their orders never collide
/// with planned ones. Offsets are drill offsets (nanoseconds from the drill start). Pure.
public struct HoldArrivals: Sendable {
    public let rate: Double
    public let process: ArrivalProcess
    public let drillStart: Int64
    let partition: UInt64
    let partitions: UInt64
    let base: UInt64
    var k: UInt64 = 0
    var cumulative = 0.0
    var rng: SplitMix64

    private static let stream: UInt64 = 0x686F_6C64_7363_6864  // "holdschd"

    /// The order index of hold `hold`'s first arrival: 2^48 + hold · 2^36 (2^36 arrivals per hold, 4,096 holds).
    public static func firstIndex(hold: Int) -> UInt64 {
        (1 << 48) &+ (UInt64(truncatingIfNeeded: hold) & 0xFFF) << 36
    }

    /// - Parameters:
    ///   - rate: journeys per second in force when the hold began (0: nothing arrives).
    ///   - hold: the hold's number (its index in `ScenarioClock.holds`).
    ///   - drillStart: the hold's start on the drill clock.
    public init(
        rate: Double, process: ArrivalProcess, seed: UInt64, hold: Int, drillStart: Int64, partition: Int = 0,
        of partitions: Int = 1
    ) {
        self.rate = rate.isFinite ? Swift.max(0, rate) : 0
        self.process = process
        self.drillStart = drillStart
        self.partition = UInt64(Swift.max(0, partition))
        self.partitions = UInt64(Swift.max(1, partitions))
        base = HoldArrivals.firstIndex(hold: hold)
        rng = SplitMix64(seed: SplitMix64.mix(seed: seed, stream: HoldArrivals.stream, index: UInt64(hold)))
    }

    /// The next arrival of this partition: its order index and drill offset; nil when the rate is 0.
    public mutating func next() -> ArrivalSchedule.Arrival? {
        guard rate > 0 else { return nil }
        while true {
            let index = k
            k += 1
            let s: Double
            switch process {
            case .uniform: s = Double(index + 1)
            case .poisson:
                cumulative += rng.nextExponential()
                s = cumulative
            }
            guard index % partitions == partition else { continue }
            let seconds = s / rate
            // A hold of more than a century is not a drill; stop rather than overflow.
            guard seconds < 3e9 else { return nil }
            return ArrivalSchedule.Arrival(
                index: base &+ index, offset: drillStart &+ Int64((seconds * 1e9).rounded()))
        }
    }
}
