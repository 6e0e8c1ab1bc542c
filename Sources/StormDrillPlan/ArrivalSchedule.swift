/// The open model's arrival times, as pure math on the drill clock (offsets from the drill start, nanoseconds).
///
/// The rate profile r(t) is piecewise linear (one piece per stage). Its integral Λ(t) is the expected number of
/// arrivals by time t. Arrival i happens when Λ reaches a point s_i:
/// - uniform: s_i = i, so exactly ⌈Λ(T)⌉ arrivals are sent and a ramp from 20 to 400/s over 60 s sends 12,600;
/// - poisson: s_i = E_0 + … + E_i with E_j ~ Exp(1) from the seed (the time-change construction of a
///   non-homogeneous Poisson process).
/// Then t_i = Λ⁻¹(s_i), solved exactly within the stage (a quadratic for ramps).
///
/// Arrival i can be given to partition i mod n, so that event loops (or, later, machines) share the stream without
/// coordinating; every partition sees the same global indices, hence the same orders.
public struct ArrivalSchedule: Sendable {
    public let stages: [Stage]
    public let process: ArrivalProcess
    public let seed: UInt64
    /// Λ at the start of each stage, plus Λ(T) at the end.
    public let cumulativeAtStageStart: [Double]
    /// Stage start offsets in nanoseconds, plus the end.
    public let stageStart: [Int64]

    private static let arrivalStream: UInt64 = 0x6172_7269_7661_6C73  // "arrivals"

    public init(stages: [Stage], process: ArrivalProcess, seed: UInt64) {
        self.stages = stages
        self.process = process
        self.seed = seed
        var lambda = [0.0]
        var starts: [Int64] = [0]
        for s in stages {
            lambda.append(lambda.last! + s.arrivals)
            starts.append(starts.last! + s.duration.nanoseconds)
        }
        cumulativeAtStageStart = lambda
        stageStart = starts
    }

    public init(load: OpenLoad, seed: UInt64) {
        self.init(stages: load.stages, process: load.arrival, seed: seed)
    }

    /// Λ(T): the expected number of arrivals over the whole profile.
    public var expectedArrivals: Double { cumulativeAtStageStart.last ?? 0 }

    /// The number of arrivals a uniform schedule sends: ⌈Λ(T)⌉ (Λ(T) itself when it is a whole number).
    public var uniformArrivalCount: Int {
        let lambda = expectedArrivals
        let rounded = lambda.rounded()
        if abs(lambda - rounded) < 1e-6 { return Int(rounded) }
        return Int(lambda.rounded(.up))
    }

    public var duration: Int64 { stageStart.last ?? 0 }

    /// The rate (per second) at offset t.
    public func rate(at t: Int64) -> Double {
        guard let k = stageIndex(at: t) else { return 0 }
        let s = stages[k]
        let tau = Double(t - stageStart[k]) / 1e9
        return s.from + (s.to - s.from) * tau / s.duration.seconds
    }

    /// Λ(t): expected arrivals in [0, t).
    public func cumulative(at t: Int64) -> Double {
        if t <= 0 { return 0 }
        guard let k = stageIndex(at: t) else { return expectedArrivals }
        let s = stages[k]
        let tau = Double(t - stageStart[k]) / 1e9
        let d = s.duration.seconds
        return cumulativeAtStageStart[k] + s.from * tau + (s.to - s.from) * tau * tau / (2 * d)
    }

    private func stageIndex(at t: Int64) -> Int? {
        guard t >= 0, t < duration else { return nil }
        var lo = 0
        var hi = stages.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if stageStart[mid] <= t { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Λ⁻¹(s) in nanoseconds, searching stages from `hint` onwards (the iterator's cursor). nil past the end.
    func offset(forCumulative s: Double, stageHint hint: inout Int) -> Int64? {
        while hint < stages.count && cumulativeAtStageStart[hint + 1] <= s {
            hint += 1
        }
        guard hint < stages.count else { return nil }
        let stage = stages[hint]
        let local = s - cumulativeAtStageStart[hint]
        let a = stage.from
        let b = stage.to
        let d = stage.duration.seconds
        let tau: Double
        if local <= 0 {
            tau = 0
        } else if a == b {
            tau = local / a
        } else {
            // Solve a·τ + (b−a)·τ²/(2d) = local; this form is stable when a is 0 or b < a.
            let disc = a * a + 2 * (b - a) * local / d
            tau = 2 * local / (a + Swift.max(0, disc).squareRoot())
        }
        let ns = stageStart[hint] + Int64((tau * 1e9).rounded())
        return Swift.min(ns, stageStart[hint + 1] - 1)
    }

    /// One scheduled arrival: its global index and intended offset from the drill start.
    public struct Arrival: Sendable, Hashable {
        public var index: UInt64
        public var offset: Int64
    }

    /// Iterates arrivals in time order, optionally only those of one partition (index mod count == partition).
    public struct Iterator: IteratorProtocol, Sendable {
        let schedule: ArrivalSchedule
        let partition: UInt64
        let partitions: UInt64
        var nextIndex: UInt64 = 0
        var cumulative = 0.0
        var stageHint = 0
        var rng: SplitMix64
        let uniformCount: UInt64

        init(schedule: ArrivalSchedule, partition: Int, of partitions: Int) {
            self.schedule = schedule
            self.partition = UInt64(partition)
            self.partitions = UInt64(Swift.max(1, partitions))
            rng = SplitMix64(seed: SplitMix64.mix(seed: schedule.seed, stream: ArrivalSchedule.arrivalStream, index: 0))
            uniformCount = UInt64(schedule.uniformArrivalCount)
        }

        public mutating func next() -> Arrival? {
            while true {
                let index = nextIndex
                let s: Double
                switch schedule.process {
                case .uniform:
                    guard index < uniformCount else { return nil }
                    s = Double(index)
                case .poisson:
                    cumulative += rng.nextExponential()
                    guard cumulative < schedule.expectedArrivals else { return nil }
                    s = cumulative
                }
                nextIndex += 1
                guard let offset = schedule.offset(forCumulative: s, stageHint: &stageHint) else { return nil }
                if index % partitions == partition {
                    return Arrival(index: index, offset: offset)
                }
            }
        }
    }

    public func makeIterator(partition: Int = 0, of partitions: Int = 1) -> Iterator {
        Iterator(schedule: self, partition: partition, of: partitions)
    }

    /// All arrival offsets (tests and dry runs; the engine iterates instead).
    public func allArrivals() -> [Arrival] {
        var it = makeIterator()
        var out: [Arrival] = []
        while let a = it.next() { out.append(a) }
        return out
    }
}
