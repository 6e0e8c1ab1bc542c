extension Plan {
    /// The plan with every time on the drill clock multiplied by `factor`: load stages (rates kept, so a ramp keeps
    /// its shape and covers the same rates faster), the closed model's duration, and faults' `at`, `duration` and
    /// `restartAfter`, and game-day phases' `at`. Think times, timeouts and abort windows are left alone: they describe people and the target,
    /// not the drill's length. `stormdrill run --duration-scale 0.05` runs a 5-minute drill in 15 s.
    public func scaled(by factor: Double) -> Plan {
        guard factor != 1, factor > 0 else { return self }
        func s(_ d: PlanDuration) -> PlanDuration {
            PlanDuration(nanoseconds: max(1_000_000, PlanDuration.saturating(Double(d.nanoseconds) * factor)))
        }
        var plan = self
        switch load {
        case .open(var open):
            open.stages = open.stages.map { Stage(duration: s($0.duration), from: $0.from, to: $0.to) }
            plan.load = .open(open)
        case .closed(var closed):
            closed.duration = s(closed.duration)
            plan.load = .closed(closed)
        }
        if var gameDay = plan.gameDay {
            gameDay.phases = gameDay.phases.map { p in
                var q = p
                q.at = p.at == .zero ? .zero : s(p.at)
                return q
            }
            plan.gameDay = gameDay
        }
        plan.faults = faults.map { f in
            var g = f
            g.at = f.at == .zero ? .zero : s(f.at)
            g.duration = f.duration.map(s)
            if case .kill(let signal, let restart) = f.action {
                g.action = .kill(signal: signal, restartAfter: restart.map(s))
            }
            return g
        }
        return plan
    }
}
