import Foundation

/// SplitMix64: a small, fast, well-distributed generator whose whole state is one `UInt64`.
///
/// Everything random in a drill (order contents, journey choice, Poisson arrivals) derives from the plan's seed
/// through this generator, so the same plan and seed always give the same stream.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.finalize(state)
    }

    @inlinable
    public static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A well-mixed 64-bit value derived from a seed, a stream label and an index; used to give each order or
    /// arrival its own independent generator without any shared state.
    @inlinable
    public static func mix(seed: UInt64, stream: UInt64, index: UInt64) -> UInt64 {
        finalize(finalize(seed ^ (stream &* 0xD6E8_FEB8_6659_FD93)) &+ index &* 0x9E37_79B9_7F4A_7C15)
    }

    /// A uniform double in [0, 1).
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in 0..<bound (bound > 0), without modulo bias worth caring about at these sizes.
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// An exponentially distributed value with mean 1.
    @inlinable
    public mutating func nextExponential() -> Double {
        // 1 - u is in (0, 1], so the logarithm is finite.
        -log1mUnit()
    }

    @inlinable
    mutating func log1mUnit() -> Double {
        let u = 1.0 - nextUnit()
        return Foundation.log(u)
    }
}

/// Picks an index from cumulative integer weights with one random draw.
public struct WeightedChoice: Sendable {
    public let cumulative: [Int]

    public init(weights: [Int]) {
        var running = 0
        cumulative = weights.map {
            running += max(0, $0)
            return running
        }
    }

    public var total: Int { cumulative.last ?? 0 }

    @inlinable
    public func pick(_ draw: Int) -> Int {
        // draw in 0..<total
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if draw < cumulative[mid] { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    @inlinable
    public func pick(using rng: inout SplitMix64) -> Int {
        pick(rng.nextInt(below: total))
    }
}
