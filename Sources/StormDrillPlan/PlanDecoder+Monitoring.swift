import Foundation

/// The `monitoring` section: the team's Prometheus and the alerts the drill's faults must raise.
extension PlanDecoder {
    static let monitoringKeys = ["prometheus", "every", "expectAlerts"]
    static let expectAlertKeys = ["alert", "labels", "during", "within"]

    /// Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isLabelName(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        for (i, c) in s.unicodeScalars.enumerated() {
            let letter = ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_"
            if !(letter || (i > 0 && ("0"..."9").contains(c))) { return false }
        }
        return true
    }

    mutating func decodeMonitoring(_ node: JSONNode, faults: [Fault]) -> MonitoringPlan? {
        let path: [PathComponent] = [.key("monitoring")]
        guard
            let m = object(
                node, path, allowed: PlanDecoder.monitoringKeys, required: ["prometheus"],
                elsewhere: [
                    "alerts": "expected alerts are \"expectAlerts\"", "interval": "the polling interval is \"every\"",
                    "alertmanager": "this build reads alerts from Prometheus's ALERTS series; give \"prometheus\"",
                ])
        else { return nil }
        var prometheus: TargetURL?
        if let p = m["prometheus"], let text = string(p, path + [.key("prometheus")]) {
            let substituted = staticText(text, p, path + [.key("prometheus")])
            if let substituted {
                switch TargetURL.parse(substituted) {
                case .success(let url): prometheus = url
                case .failure(let problem):
                    report(
                        p, path + [.key("prometheus")],
                        problem.message.replacingOccurrences(of: "baseURL", with: "prometheus"))
                }
            }
        }
        var every = MonitoringPlan.defaultEvery
        if let e = m["every"], let d = duration(e, path + [.key("every")]) {
            if d.nanoseconds < 100_000_000 || d.nanoseconds > 60_000_000_000 {
                report(e, path + [.key("every")], "must be between 100ms and 1m (got \(d))")
            } else {
                every = d
            }
        }
        var expected: [ExpectedAlert] = []
        if let list = m["expectAlerts"] {
            let lp = path + [.key("expectAlerts")]
            if let elements = list.elements {
                for (i, e) in elements.enumerated() {
                    if let a = decodeExpectedAlert(e, lp + [.index(i)], faults: faults) { expected.append(a) }
                }
            } else {
                report(list, lp, "must be an array of expected alerts (got \(list.typeName))")
            }
        }
        guard let prometheus else { return nil }
        return MonitoringPlan(prometheus: prometheus, every: every, expectAlerts: expected)
    }

    private mutating func decodeExpectedAlert(
        _ node: JSONNode, _ p: [PathComponent], faults: [Fault]
    )
        -> ExpectedAlert?
    {
        guard
            let m = object(
                node, p, allowed: PlanDecoder.expectAlertKeys, required: ["alert", "during", "within"],
                elsewhere: [
                    "name": "the alert's name is \"alert\"", "fault": "write \"during\": \"fault:NAME\"",
                    "for": "the deadline after the fault's start is \"within\"",
                ])
        else { return nil }
        var alert: String?
        if let a = m["alert"], let s = string(a, p + [.key("alert")]) {
            if PlanDecoder.isLabelName(s.replacingOccurrences(of: ":", with: "_")), s.count <= 200 {
                alert = s
            } else {
                report(a, p + [.key("alert")], "must be a Prometheus alert name such as \"PaymentDown\"")
            }
        }
        var labels: [String: String] = [:]
        if let l = m["labels"] {
            if let members = l.members {
                for member in members {
                    let lp = p + [.key("labels"), .key(member.key)]
                    guard PlanDecoder.isLabelName(member.key), member.key != "alertname" else {
                        report(
                            at: member.keyPosition, lp,
                            member.key == "alertname"
                                ? "the alert's name is \"alert\""
                                : "must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
                        continue
                    }
                    if let v = string(member.value, lp, nonEmpty: false) { labels[member.key] = v }
                }
            } else {
                report(l, p + [.key("labels")], "must be an object of label values (got \(l.typeName))")
            }
        }
        var fault: String?
        if let d = m["during"], let s = string(d, p + [.key("during")]) {
            let names = faults.map(\.name)
            if s.hasPrefix("fault:"), names.contains(String(s.dropFirst(6))) {
                fault = String(s.dropFirst(6))
            } else {
                let asked = s.hasPrefix("fault:") ? String(s.dropFirst(6)) : s
                var message = "must be \"fault:NAME\" naming one of the plan's faults"
                if let hint = Suggestion.closest(to: asked, in: names) {
                    message += "; did you mean \"fault:\(hint)\"?"
                } else if !names.isEmpty {
                    message += " (\(names.map { "fault:" + $0 }.joined(separator: ", ")))"
                } else {
                    message += " (the plan has no faults)"
                }
                report(d, p + [.key("during")], message)
            }
        }
        let within = m["within"].flatMap { duration($0, p + [.key("within")]) }
        guard let alert, let fault, let within else { return nil }
        return ExpectedAlert(alert: alert, labels: labels, fault: fault, within: within)
    }
}
