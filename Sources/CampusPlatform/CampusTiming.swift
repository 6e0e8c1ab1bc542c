/// The platform's clock knobs. Simulated minutes are short so drills and tests finish in seconds.
public struct CampusTiming: Sendable {
    /// How long one simulated minute lasts (the courier's speed): a rider's ETA of 12 minutes takes 12 of these.
    public var minute: Duration = .milliseconds(100)
    /// Simulated minutes a kitchen needs before a paid order is handed to dispatch.
    public var preparationMinutes = 5
    /// Simulated minutes from placement by which an order is promised (the end of its slot, for the simulation):
    /// an order delivered or picked up later than this, or refunded, gets a compensation coupon (resilient).
    public var promiseMinutes = 30
    /// Simulated minutes a payment may stay pending before the order is cancelled and refunded (resilient).
    public var settleLimitMinutes = 600
    /// How often the background work (courier, settler, outbox, incident notice) runs.
    public var tick: Duration = .milliseconds(100)
    /// Per-attempt timeout of a call to a dependency.
    public var dependencyTimeout: Duration = .milliseconds(800)
    /// Extra attempts after a failed call (resilient; the fragile profile makes one attempt).
    public var retries = 2
    /// The first retry waits up to this long (full jitter), doubling for each further retry.
    public var retryBackoff: Duration = .milliseconds(40)
    /// Consecutive failures that open a dependency's circuit breaker.
    public var breakerFailureThreshold = 5
    /// How long an open breaker rejects calls before letting one probe through.
    public var breakerOpenDuration: Duration = .seconds(2)
    /// How long every dependency must be healthy before a degraded notice becomes `resolved`.
    public var recoveryQuietPeriod: Duration = .seconds(2)
    /// The fragile profile's writer flushes acknowledged orders this often (a crash loses what is in between).
    public var fragileFlushInterval: Duration = .seconds(1)

    public init() {}
}
