/// How the order service copes with failing dependencies.
public enum CampusProfile: String, Sendable, CaseIterable {
    /// Timeouts, bounded retries with jitter, a circuit breaker per dependency, fallbacks (payment pending and
    /// settled later, pickup points when dispatch fails, a notification outbox), an automatic incident notice,
    /// compensation coupons, and an order acknowledged only once it is durably written.
    case resilient
    /// None of that: one attempt, errors go straight to the student as 5xx, and an order is acknowledged before it is
    /// written (a batched writer flushes every ``CampusTiming/fragileFlushInterval``), so a crash can lose it.
    case fragile
}
