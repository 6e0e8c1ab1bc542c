/// The faults of a plan as a state machine on the drill clock: asked what is due at an offset from the drill start,
/// it returns the actions to take (apply, roll back) and remembers which faults are in force, so that a stop at any
/// moment (signal, abort condition, driver error, a failing fault) rolls back exactly what was applied, latest first.
/// Pure: no clock, no I/O; the fault controller drives it.
public struct FaultSchedule: Sendable {
    /// What the controller must do.
    public enum Action: Sendable, Hashable {
        case apply(Int)
        case rollback(Int)

        public var fault: Int {
            switch self {
            case .apply(let i), .rollback(let i): i
            }
        }
    }

    /// Where a fault is in its life.
    public enum Phase: Sendable, Hashable {
        /// Not yet applied.
        case pending
        /// Applied and not rolled back.
        case active
        /// Its window ended (rolled back, or a kill that is never restarted reached the stop).
        case ended
        /// Never applied because the drill stopped first.
        case skipped
    }

    public let faults: [Fault]
    public private(set) var phases: [Phase]
    /// Indices of faults in the order they were applied.
    private var applied: [Int] = []
    public private(set) var stopped = false

    public init(faults: [Fault]) {
        self.faults = faults
        self.phases = Array(repeating: .pending, count: faults.count)
    }

    /// Every planned action with its offset, in the order `due` hands them out: by time, rollbacks before applies
    /// at the same instant (a window ending as another starts never leaves both in force), then plan order.
    public var plannedActions: [(offset: PlanDuration, action: Action)] {
        var out: [(PlanDuration, Action)] = []
        for (i, f) in faults.enumerated() {
            out.append((f.at, .apply(i)))
            if let end = f.end { out.append((end, .rollback(i))) }
        }
        return out.sorted { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            let ra = FaultSchedule.rank(a.1)
            let rb = FaultSchedule.rank(b.1)
            if ra != rb { return ra < rb }
            return a.1.fault < b.1.fault
        }
    }

    private static func rank(_ a: Action) -> Int {
        if case .rollback = a { return 0 }
        return 1
    }

    /// The actions due at `now` (offset from the drill start), updating each fault's phase. Call again with a later
    /// offset for the next ones; nothing is due once the schedule has stopped.
    public mutating func due(at now: PlanDuration) -> [Action] {
        guard !stopped else { return [] }
        var out: [Action] = []
        for (offset, action) in plannedActions where offset <= now {
            switch action {
            case .apply(let i) where phases[i] == .pending:
                phases[i] = .active
                applied.append(i)
                out.append(action)
            case .rollback(let i) where phases[i] == .active:
                phases[i] = .ended
                applied.removeAll { $0 == i }
                out.append(action)
            default:
                break
            }
        }
        return out
    }

    /// When the next action falls due, or nil when none remains.
    public func nextDue() -> PlanDuration? {
        guard !stopped else { return nil }
        for (offset, action) in plannedActions {
            switch action {
            case .apply(let i) where phases[i] == .pending: return offset
            case .rollback(let i) where phases[i] == .active: return offset
            default: continue
            }
        }
        return nil
    }

    /// Stops the schedule: the rollback of every fault in force (latest applied first); faults not yet applied are
    /// skipped. Idempotent: a second stop returns nothing.
    public mutating func stop() -> [Action] {
        guard !stopped else { return [] }
        stopped = true
        var out: [Action] = []
        for i in applied.reversed() {
            phases[i] = .ended
            if faults[i].hasRollback { out.append(.rollback(i)) }
        }
        applied.removeAll()
        for i in phases.indices where phases[i] == .pending { phases[i] = .skipped }
        return out
    }

    /// Marks a fault not applied yet as skipped: it will never be due. False (and no change) when it is not pending.
    public mutating func skip(_ i: Int) -> Bool {
        guard phases.indices.contains(i), phases[i] == .pending else { return false }
        phases[i] = .skipped
        return true
    }

    /// Faults currently in force.
    public var active: [Int] { applied }

    /// Whether two faults' planned windows overlap (a window is [at, end); a kill never restarted lasts forever).
    public static func windowsOverlap(_ a: Fault, _ b: Fault) -> Bool {
        let aEnd = a.end?.nanoseconds ?? Int64.max
        let bEnd = b.end?.nanoseconds ?? Int64.max
        return a.at.nanoseconds < bEnd && b.at.nanoseconds < aEnd
    }

    /// `30s–50s`, or `30s–end` for a kill never restarted.
    public static func windowText(_ f: Fault) -> String {
        "\(f.at)–\(f.end.map(\.description) ?? "end")"
    }
}
