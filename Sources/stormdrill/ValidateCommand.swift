import ArgumentParser
import StormDrillPlan
import StormDrillReport

/// `stormdrill validate PLAN...`: checks plans and never sends traffic.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check plans without sending any traffic.",
        discussion:
            "Lists every problem of every file with file:line:column and JSON path; exits 2 if any plan is invalid."
    )

    @Flag(name: .long, help: "Print the load stages each plan expands to (campus shapes included).")
    var expand = false

    @Flag(name: .shortAndLong, help: "Print only problems.")
    var quiet = false

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp("Replace a var of the plans (repeatable).", valueName: "name=value"))
    var vars: [String] = []

    @Argument(help: "Plan files (JSON).")
    var plans: [String]

    func validate() throws {
        if plans.isEmpty { throw ValidationError("give at least one plan file") }
        _ = try VarOverrides.parse(vars)
    }

    func run() throws {
        var failed = 0
        for path in plans {
            if PlanLoader.isJSONSchemaDocument(path: path) {
                if !quiet {
                    FileHandleOutput.standardOutput.write("skip  \(path)  (a JSON Schema document, not a plan)\n")
                }
                continue
            }
            // `{{env.NAME}}` values are not read: plans validate where the secrets are absent (CI).
            switch PlanLoader.load(path: path, overrides: try VarOverrides.parse(vars), environment: .deferred) {
            case .failure(let error):
                failed += 1
                FileHandleOutput.standardError.write(error.description + "\n")
                let n = error.diagnostics.count
                FileHandleOutput.standardError.write("\(path): \(n) problem\(n == 1 ? "" : "s")\n")
            case .success(let loaded):
                FileHandleOutput.hideSecrets(loaded.plan.redactor)
                if !quiet {
                    FileHandleOutput.standardOutput.write("ok  \(path)  \(PlanDescription.oneLine(loaded.plan))\n")
                }
                if expand {
                    FileHandleOutput.standardOutput.write(PlanDescription.expandedStages(loaded.plan))
                }
            }
        }
        if failed > 0 { throw ExitCode(2) }
    }
}

/// Human descriptions of a plan for `validate` and `run`.
enum PlanDescription {
    static func oneLine(_ plan: Plan) -> String {
        var parts = ["\"\(plan.name)\""]
        switch plan.load {
        case .open(let open):
            var load = "open/\(open.arrival.rawValue)"
            if let shape = open.shape { load += " \(shape.name.rawValue)" }
            load += " \(open.stages.count) stage\(open.stages.count == 1 ? "" : "s"), \(open.duration)"
            load += ", peak \(SummaryRenderer.rate(open.peakRate))/s"
            parts.append(load)
        case .closed(let closed):
            parts.append("closed \(closed.users) users, think \(closed.thinkTime), \(closed.duration)")
        }
        let steps = plan.journeys.reduce(0) { $0 + $1.steps.count }
        parts.append("\(plan.journeys.count) journey\(plan.journeys.count == 1 ? "" : "s"), \(steps) steps")
        switch plan.target.endpoint {
        case .embedded(let name): parts.append("target embedded \(name)")
        case .url(let url): parts.append("target \(url)")
        }
        return parts.joined(separator: ", ")
    }

    /// The stages as plan JSON (paste-able into `load.stages`) with the arrivals each stage sends.
    static func expandedStages(_ plan: Plan) -> String {
        guard case .open(let open) = plan.load else {
            return "    (closed model: \(plan.loadDuration) with a fixed number of users; no stages)\n"
        }
        var out =
            "    stages (\(open.shape.map { "campus shape \($0.name.rawValue): \($0.name.summary)" } ?? "as written"))"
            + ":\n"
        out += "    [\n"
        var offset = PlanDuration.zero
        for (i, s) in open.stages.enumerated() {
            let rate =
                s.isRamp
                ? "\"from\": \(number(s.from)), \"to\": \(number(s.to))"
                : "\"rate\": \(number(s.from))"
            let comma = i == open.stages.count - 1 ? "" : ","
            let entry = "{\"duration\": \"\(s.duration)\", \(rate)}\(comma)"
            let padding = String(repeating: " ", count: max(1, 48 - entry.count))
            out +=
                "      \(entry)\(padding)// t=\(offset)…\(offset + s.duration),"
                + " ≈\(Int(s.arrivals.rounded())) arrivals\n"
            offset = offset + s.duration
        }
        out += "    ]\n"
        let schedule = ArrivalSchedule(load: open, seed: plan.seed)
        out += "    total \(open.duration), \(SummaryRenderer.fixed(schedule.expectedArrivals, 0)) arrivals expected\n"
        return out
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }
}
