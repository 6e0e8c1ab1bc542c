/// The combined schedule of a plan's load and faults as text, for `stormdrill run --dry-run`.
public enum ScheduleDescription {
    public static func render(_ plan: Plan) -> String {
        var lines: [String] = []
        lines.append("plan \"\(plan.name)\": \(plan.loadDuration) of load, \(plan.faults.count) fault(s)")
        switch plan.target.endpoint {
        case .url(let u): lines.append("target \(u)")
        case .embedded(let name): lines.append("target embedded \(name) (started by the driver)")
        }
        if let p = plan.target.process {
            lines.append("  started by the driver: \(p.argv.joined(separator: " ")); ready when \(p.ready) answers")
        }
        for d in plan.dependencies {
            lines.append("dependency \(d.name): proxy \(d.listen) → \(d.upstream) (\(d.proto.rawValue))")
        }
        lines.append("")
        var events: [(PlanDuration, Int, String)] = []
        switch plan.load {
        case .open(let o):
            var t = PlanDuration.zero
            for (i, s) in o.stages.enumerated() {
                let what =
                    s.isRamp
                    ? "ramp \(PlanDecoder.format(s.from))→\(PlanDecoder.format(s.to)) journeys/s"
                    : "\(PlanDecoder.format(s.from)) journeys/s"
                events.append(
                    (t, 0, "load   stage \(i + 1): \(what) for \(s.duration) (≈\(Int(s.arrivals.rounded())) arrivals)"))
                t = t + s.duration
            }
        case .closed(let c):
            events.append(
                (.zero, 0, "load   \(c.users) virtual users, think time \(c.thinkTime), for \(c.duration)"))
        }
        events.append((plan.loadDuration, 3, "load   ends"))
        let schedule = FaultSchedule(faults: plan.faults)
        for (offset, action) in schedule.plannedActions {
            let f = plan.faults[action.fault]
            switch action {
            case .apply:
                events.append((offset, 2, "fault  \(f.name): apply \(describe(f))"))
            case .rollback:
                events.append((offset, 1, "fault  \(f.name): roll back \(rollbackText(f))"))
            }
        }
        if let g = plan.gameDay {
            lines.insert(
                "game day \"\(g.title)\": \(g.phases.count) phase(s), times below on the scenario clock", at: 1)
            for p in g.phases {
                // A gate comes before whatever else is planned at its time: that waits for the release.
                events.append(
                    (
                        p.at, p.gate ? -2 : 0,
                        "phase  \(p.name)" + (p.gate ? ": GATE, holds until the facilitator continues" : "")
                    ))
            }
        }
        for a in plan.abortWhen {
            events.append((.zero, -1, "abort  when \(a.description) (checked every second)"))
        }
        events.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        for (offset, _, text) in events {
            lines.append(pad(offset.description, 8) + "  " + text)
        }
        lines.append("")
        lines.append("dry run: nothing was sent, started or changed")
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    static func describe(_ f: Fault) -> String {
        switch f.action {
        case .down(let d): return "\(d) down (proxy refuses and closes connections)"
        case .toxic(let d, let spec):
            let attrs = spec.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\(PlanDecoder.format($0.value))" }
            var text = "\(spec.type.rawValue) on \(d)"
            if !spec.type.isHTTP { text += " \(spec.stream.rawValue)" }
            if !attrs.isEmpty { text += " (\(attrs.joined(separator: ", ")))" }
            if spec.toxicity < 1 { text += ", toxicity \(PlanDecoder.format(spec.toxicity))" }
            return text
        case .kill(let signal, let restart):
            return "SIG\(signal.rawValue) to the target process"
                + (restart.map { ", restart after \($0)" } ?? ", never restarted")
        case .pause: return "SIGSTOP to the target process"
        case .command(let start, _): return "run \(start.joined(separator: " "))"
        }
    }

    static func rollbackText(_ f: Fault) -> String {
        switch f.action {
        case .down(let d): return "(\(d) accepts again)"
        case .toxic: return "(remove the toxic)"
        case .kill: return "(restart the target process)"
        case .pause: return "(SIGCONT)"
        case .command(_, let rollback): return "run \(rollback.joined(separator: " "))"
        }
    }
}
