import NIOCore
import Testing

@testable import CampusPlatform

extension StormDrillTests {
    @Suite("Campus circuit breaker (pure state machine)")
    struct CampusBreakerTests {
        static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

        @Test("closed counts consecutive failures and opens at the threshold; a success resets the count")
        func opensAtThreshold() {
            var breaker = CircuitBreaker(failureThreshold: 3, openDuration: .seconds(2))
            #expect(breaker.callRequested(now: Self.t0) == (.proceed, .none))
            #expect(breaker.callFailed(now: Self.t0) == .none)
            #expect(breaker.callFailed(now: Self.t0) == .none)
            #expect(breaker.callSucceeded() == .none)
            #expect(breaker.state == .closed(consecutiveFailures: 0))
            #expect(breaker.callFailed(now: Self.t0) == .none)
            #expect(breaker.callFailed(now: Self.t0) == .none)
            #expect(breaker.callFailed(now: Self.t0) == .opened)
            #expect(breaker.state == .open(until: Self.t0 + .seconds(2)))
            #expect(breaker.name == "open")
        }

        @Test("open rejects until the cool-down ends, then lets exactly one probe through")
        func halfOpenProbe() {
            var breaker = CircuitBreaker(failureThreshold: 1, openDuration: .seconds(2))
            #expect(breaker.callFailed(now: Self.t0) == .opened)
            #expect(breaker.callRequested(now: Self.t0 + .seconds(1)) == (.reject, .none))
            #expect(breaker.callRequested(now: Self.t0 + .seconds(2)) == (.probe, .halfOpened))
            #expect(breaker.name == "half-open")
            #expect(breaker.callRequested(now: Self.t0 + .seconds(2)) == (.reject, .none))
            #expect(breaker.callSucceeded() == .closed)
            #expect(breaker.callRequested(now: Self.t0 + .seconds(3)) == (.proceed, .none))
        }

        @Test("a failed probe opens the breaker for another full cool-down")
        func failedProbe() {
            var breaker = CircuitBreaker(failureThreshold: 2, openDuration: .milliseconds(500))
            _ = breaker.callFailed(now: Self.t0)
            _ = breaker.callFailed(now: Self.t0)
            let probeTime = Self.t0 + .milliseconds(600)
            #expect(breaker.callRequested(now: probeTime) == (.probe, .halfOpened))
            #expect(breaker.callFailed(now: probeTime) == .opened)
            #expect(breaker.state == .open(until: probeTime + .milliseconds(500)))
            #expect(breaker.callRequested(now: probeTime + .milliseconds(499)) == (.reject, .none))
        }

        @Test("late outcomes of calls made before opening do not change an open breaker; an abandoned probe frees it")
        func lateOutcomes() {
            var breaker = CircuitBreaker(failureThreshold: 1, openDuration: .seconds(1))
            _ = breaker.callFailed(now: Self.t0)
            #expect(breaker.callSucceeded() == .none)
            #expect(breaker.callFailed(now: Self.t0 + .milliseconds(900)) == .none)
            #expect(breaker.state == .open(until: Self.t0 + .seconds(1)))
            #expect(breaker.callRequested(now: Self.t0 + .seconds(1)).0 == .probe)
            breaker.probeAbandoned()
            #expect(breaker.callRequested(now: Self.t0 + .seconds(1)).0 == .probe)
        }
    }
}
