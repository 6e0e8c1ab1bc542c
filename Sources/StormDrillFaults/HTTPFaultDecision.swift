import NIOCore

/// What the HTTP proxy does with one request.
struct HTTPFaultDecision {
    enum Action {
        /// Send it upstream.
        case forward
        /// Answer it from the proxy.
        case respond(status: Int, body: String?, toxic: String)
        /// Accept it and never answer.
        case blackhole(toxic: String)
    }

    var action: Action = .forward
    /// Hold the response this long after the request arrived (`http_delay`).
    var delay: TimeAmount = .zero
    /// The toxics that fired, for the `x-stormdrill-fault` response header.
    var fired: [String] = []

    /// Decides over the proxy's HTTP toxics in the order they were added: delays add up; the first error, failure
    /// or black hole ends the decision.
    /// - Parameters:
    ///   - selected: per toxic id, whether this connection was drawn by the toxic's toxicity.
    ///   - forced: on a probe connection, the one toxic to force (others are skipped, nothing is counted);
    ///     nil on ordinary connections.
    static func decide(
        toxics: [ToxicRuntime], selected: [UInt64: Bool], probe: Bool, forced: String?
    ) -> HTTPFaultDecision {
        var decision = HTTPFaultDecision()
        for runtime in toxics where runtime.toxic.kind.isHTTP {
            let name = runtime.toxic.name
            if probe && forced != name { continue }
            let counters = probe ? nil : runtime.http
            let drawn = probe || (selected[runtime.id] ?? true)
            func roll(_ rate: Double) -> Bool { probe || (drawn && (rate >= 1 || Double.random(in: 0..<1) < rate)) }
            switch runtime.toxic.kind {
            case .httpDelay(let delay, let jitter, let rate):
                let fires = roll(rate)
                counters?.record(faulted: fires)
                if fires {
                    // Saturated: two delays of 5e12 ms once overflowed this sum and the trap took the process down.
                    let held = SaturatingTime.jittered(milliseconds: Int64(delay), jitter: Int64(jitter))
                    decision.delay = SaturatingTime.sum(decision.delay, held)
                    decision.fired.append(name)
                }
            case .httpError(let status, let rate, let body):
                let fires = roll(rate)
                counters?.record(faulted: fires)
                if fires {
                    decision.action = .respond(status: status, body: body, toxic: name)
                    decision.fired.append(name)
                    return decision
                }
            case .failFirst(let count, let status):
                let fires: Bool
                if probe {
                    fires = true
                } else if drawn, let counters {
                    fires = counters.takeFailFirst(count: count)
                } else {
                    fires = false
                }
                if fires {
                    decision.action = .respond(status: status, body: nil, toxic: name)
                    decision.fired.append(name)
                    return decision
                }
            case .blackhole(let rate):
                let fires = roll(rate)
                counters?.record(faulted: fires)
                if fires {
                    decision.action = .blackhole(toxic: name)
                    decision.fired.append(name)
                    return decision
                }
            default:
                continue
            }
        }
        return decision
    }
}
