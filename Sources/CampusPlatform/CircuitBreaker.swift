import NIOCore

/// A circuit breaker as a pure state machine (no clock, no I/O, no locks): the caller passes the time and acts on
/// what each event returns, in the style of async-http-client's `HTTP1ConnectionStateMachine`.
///
/// `closed` counts consecutive failures and opens at the threshold; `open` rejects calls until its cool-down ends,
/// then lets exactly one probe through (`halfOpen`); the probe's success closes the breaker, its failure opens it
/// again for another cool-down.
struct CircuitBreaker: Sendable, Equatable {
    enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: NIODeadline)
        case halfOpen(probeInFlight: Bool)
    }

    /// What the caller does with a call it is about to make.
    enum CallAction: Sendable, Equatable {
        /// Make the call, then report its outcome.
        case proceed
        /// Make the call as the single probe of a half-open breaker, then report its outcome.
        case probe
        /// Do not call: the breaker is open (or its probe is still out). Use the fallback.
        case reject
    }

    /// What changed after an event, for metrics and the incident notice.
    enum Transition: Sendable, Equatable {
        case none
        case opened
        case halfOpened
        case closed
    }

    let failureThreshold: Int
    let openDuration: TimeAmount
    private(set) var state: State = .closed(consecutiveFailures: 0)

    init(failureThreshold: Int, openDuration: TimeAmount) {
        precondition(failureThreshold >= 1, "a breaker needs a threshold of at least 1")
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
    }

    /// The state's public name: closed, open or half-open.
    var name: String {
        switch state {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half-open"
        }
    }

    /// A call is about to be made at `now`.
    mutating func callRequested(now: NIODeadline) -> (CallAction, Transition) {
        switch state {
        case .closed:
            return (.proceed, .none)
        case .open(let until):
            guard now >= until else { return (.reject, .none) }
            state = .halfOpen(probeInFlight: true)
            return (.probe, .halfOpened)
        case .halfOpen(let probeInFlight):
            if probeInFlight { return (.reject, .none) }
            state = .halfOpen(probeInFlight: true)
            return (.probe, .none)
        }
    }

    /// The call succeeded.
    mutating func callSucceeded() -> Transition {
        switch state {
        case .closed:
            state = .closed(consecutiveFailures: 0)
            return .none
        case .halfOpen:
            state = .closed(consecutiveFailures: 0)
            return .closed
        case .open:
            // A call let through before the breaker opened finished late: it says nothing about the cool-down.
            return .none
        }
    }

    /// The call failed (timeout, connection error, 5xx) at `now`.
    mutating func callFailed(now: NIODeadline) -> Transition {
        switch state {
        case .closed(let failures):
            if failures + 1 >= failureThreshold {
                state = .open(until: now + openDuration)
                return .opened
            }
            state = .closed(consecutiveFailures: failures + 1)
            return .none
        case .halfOpen:
            state = .open(until: now + openDuration)
            return .opened
        case .open:
            return .none
        }
    }

    /// A probe was abandoned without an outcome (e.g. cancelled): let another probe through.
    mutating func probeAbandoned() {
        if case .halfOpen = state { state = .halfOpen(probeInFlight: false) }
    }
}
