import Foundation
import StormDrillPlan

extension DrillReport {
    /// The report with every secret replaced by `***` in every string it holds (keys included), so that each format
    /// rendered from it (whatever its escaping) is clean. Numbers keep their exact text.
    public func redacted(by redactor: SecretRedactor) -> DrillReport {
        guard !redactor.isEmpty, let data = try? ReportStore.encode(self) else { return self }
        if let root = try? JSONParser.parse([UInt8](data)) {
            let clean = DrillReport.redact(root, redactor)
            if let report = try? JSONDecoder().decode(DrillReport.self, from: Data(clean.compactJSON().utf8)) {
                return report
            }
        }
        // Not reached with a report this module encoded; the bytes written are redacted again in any case.
        return (try? JSONDecoder().decode(DrillReport.self, from: redactor.redact(data))) ?? self
    }

    private static func redact(_ node: JSONNode, _ redactor: SecretRedactor) -> JSONNode {
        var node = node
        switch node.value {
        case .string(let s):
            node.value = .string(redactor.redact(s))
        case .array(let elements):
            node.value = .array(elements.map { redact($0, redactor) })
        case .object(let members):
            node.value = .object(
                members.map {
                    JSONNode.Member(
                        key: redactor.redact($0.key), keyPosition: $0.keyPosition, value: redact($0.value, redactor))
                })
        case .null, .bool, .number:
            break
        }
        return node
    }
}
