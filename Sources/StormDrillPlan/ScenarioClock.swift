/// The mapping between drill time (the monotonic clock from the drill start, on which everything is measured) and
/// scenario time (the clock plan times are written on: load stages, faults, phases).
///
/// The two run together until the scenario is held, at a game day's gate or by the facilitator: scenario time then
/// stands still while drill time goes on, and when the hold ends everything planned later comes later by the hold's
/// length. A plan without holds has scenario time = drill time. Pure: offsets in nanoseconds, no clock, no I/O; the
/// runner owns one and hands copies to the load engine's loops whenever it changes.
///
/// Something planned at scenario offset `s` waits while the clock holds at or before `s`: a fault planned at a gate's
/// time starts only after the release.
public struct ScenarioClock: Sendable, Hashable {
    /// Why the scenario clock holds.
    public enum HoldReason: Sendable, Hashable {
        /// A phase's gate (the phase's index in `gameDay.phases`).
        case gate(phase: Int)
        /// The facilitator asked for it.
        case facilitator
    }

    /// A stretch of drill time during which scenario time stood still.
    public struct Hold: Sendable, Hashable {
        public var reason: HoldReason
        /// The scenario offset that stood still.
        public var scenarioAt: Int64
        public var drillStart: Int64
        /// Nil while the hold lasts.
        public var drillEnd: Int64?

        public init(reason: HoldReason, scenarioAt: Int64, drillStart: Int64, drillEnd: Int64? = nil) {
            self.reason = reason
            self.scenarioAt = scenarioAt
            self.drillStart = drillStart
            self.drillEnd = drillEnd
        }

        public var length: Int64? { drillEnd.map { $0 - drillStart } }
    }

    /// A gate not reached yet.
    public struct Gate: Sendable, Hashable {
        public var at: Int64
        public var phase: Int

        public init(at: Int64, phase: Int) {
            self.at = at
            self.phase = phase
        }
    }

    /// Every hold begun so far, in order; only the last may still last.
    public private(set) var holds: [Hold] = []
    /// Gates ahead, in scenario order.
    public private(set) var pendingGates: [Gate]
    /// The total length of the holds that ended: how far behind drill time scenario time runs.
    public private(set) var shift: Int64 = 0

    public init(gates: [Gate] = []) {
        pendingGates = gates.sorted { $0.at < $1.at }
    }

    /// The clock for a plan: its game day's gates, or none.
    public init(plan: Plan) {
        self.init(gates: plan.gameDay?.gates.map { Gate(at: $0.at.nanoseconds, phase: $0.phase) } ?? [])
    }

    private var openHold: Hold? {
        if let last = holds.last, last.drillEnd == nil { return last }
        return nil
    }

    /// The hold in force at drill offset `t`: the open one, or a gate the scenario has reached (which holds from the
    /// instant it is reached, whether or not anyone has recorded it yet).
    public func hold(atDrill t: Int64) -> Hold? {
        if let open = openHold { return t >= open.drillStart ? open : nil }
        if let g = pendingGates.first, t - shift >= g.at {
            return Hold(reason: .gate(phase: g.phase), scenarioAt: g.at, drillStart: g.at + shift)
        }
        return nil
    }

    /// The next point at which scenario time stops (the open hold's, else the next gate's), with the hold's number
    /// (its index in `holds` once begun) and its drill start.
    public var horizon: (number: Int, scenarioAt: Int64, drillStart: Int64)? {
        if let open = openHold { return (holds.count - 1, open.scenarioAt, open.drillStart) }
        if let g = pendingGates.first { return (holds.count, g.at, g.at + shift) }
        return nil
    }

    /// Scenario time at drill offset `t` (not before the last change of the clock).
    public func scenario(atDrill t: Int64) -> Int64 {
        if let h = hold(atDrill: t) { return h.scenarioAt }
        return t - shift
    }

    /// The latest scenario offset whose plans are due at drill offset `t`: scenario time, except that while the
    /// clock holds at `h` only what lies before `h` is due.
    public func due(atDrill t: Int64) -> Int64 {
        if let h = hold(atDrill: t) { return h.scenarioAt - 1 }
        return t - shift
    }

    /// The drill offset at which scenario offset `s` comes, or nil while it lies at or beyond a hold point (it waits
    /// for a release). Meant for what lies ahead: it does not look back past earlier holds.
    public func drill(forScenario s: Int64) -> Int64? {
        if let h = horizon, s >= h.scenarioAt { return nil }
        return s + shift
    }

    /// The drill offset at which scenario time reached `s`, looking back over the holds recorded: `s` plus every
    /// hold that stood still at or before `s` (a gate at `s` itself included, so a gated phase begins at its
    /// release). Nil while a hold at or before `s` still lasts.
    public func drillTime(ofScenario s: Int64) -> Int64? {
        var d = s
        for h in holds where h.scenarioAt <= s {
            guard let length = h.length else { return nil }
            d += length
        }
        return d
    }

    /// When scenario offset `s` would come if the hold in force ended at `t` and nothing else held: for countdowns.
    public func projected(forScenario s: Int64, atDrill t: Int64) -> Int64 {
        if let h = hold(atDrill: t) {
            return s + shift + (t - h.drillStart)
        }
        return s + shift
    }

    /// Whether the clock holds at drill offset `t`.
    public func isHolding(atDrill t: Int64) -> Bool { hold(atDrill: t) != nil }

    /// The facilitator holds the clock at drill offset `t`. Nil (and no change) when it holds already.
    @discardableResult
    public mutating func beginHold(atDrill t: Int64) -> Hold? {
        guard hold(atDrill: t) == nil, openHold == nil else { return nil }
        let h = Hold(reason: .facilitator, scenarioAt: t - shift, drillStart: t)
        holds.append(h)
        return h
    }

    /// Records a gate the scenario has reached as the open hold (it held from the instant it was reached; this only
    /// makes it explicit). Nil when no gate has been reached.
    @discardableResult
    public mutating func recordGate(atDrill t: Int64) -> Hold? {
        guard openHold == nil, let g = pendingGates.first, t - shift >= g.at else { return nil }
        pendingGates.removeFirst()
        let h = Hold(reason: .gate(phase: g.phase), scenarioAt: g.at, drillStart: g.at + shift)
        holds.append(h)
        return h
    }

    /// Ends the hold in force at drill offset `t` and returns it, completed; nil when nothing holds.
    @discardableResult
    public mutating func release(atDrill t: Int64) -> Hold? {
        if openHold == nil { recordGate(atDrill: t) }
        guard var open = openHold, t >= open.drillStart else { return nil }
        let end = t
        open.drillEnd = end
        holds[holds.count - 1] = open
        shift += end - open.drillStart
        return open
    }

    /// A piece of drill time: scenario time running over a range, or standing still at one offset.
    public enum Piece: Sendable, Hashable {
        case running(scenarioFrom: Int64, scenarioTo: Int64)
        case held(atScenario: Int64, length: Int64)
    }

    /// Drill time [from, to) as pieces of running and held scenario time, from the holds recorded (for the report:
    /// the planned arrivals of each second).
    public func pieces(drillFrom from: Int64, to: Int64) -> [Piece] {
        guard to > from else { return [] }
        var out: [Piece] = []
        var cursor = from
        var shiftBefore: Int64 = 0
        for h in holds {
            let end = h.drillEnd ?? Int64.max
            if h.drillStart > cursor {
                let a = cursor
                let b = Swift.min(to, h.drillStart)
                if b > a { out.append(.running(scenarioFrom: a - shiftBefore, scenarioTo: b - shiftBefore)) }
                cursor = b
            }
            if cursor >= to { return out }
            if end > cursor {
                let b = Swift.min(to, end)
                out.append(.held(atScenario: h.scenarioAt, length: b - cursor))
                cursor = b
            }
            if cursor >= to { return out }
            shiftBefore += (h.drillEnd ?? end) - h.drillStart
        }
        if to > cursor { out.append(.running(scenarioFrom: cursor - shiftBefore, scenarioTo: to - shiftBefore)) }
        return out
    }
}
