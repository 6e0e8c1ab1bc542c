import Foundation

/// Why a `report.json` that is valid JSON still cannot be read: a number too large for the whole-number field it
/// is in. Foundation's decoder calls that "not valid JSON", which sends people looking for a missing comma.
public struct ReportValueError: Error, Sendable, CustomStringConvertible {
    /// Where the value is, as a JSON path (`totals.requests`).
    public var path: String
    /// The number as written.
    public var value: String

    public var description: String {
        "\(path) holds \(value), too large for a whole number (at most \(Int64.max)); the file was edited or damaged"
    }

    /// For a decoding failure that Foundation reports as invalid JSON: when `data` is in fact valid JSON, the first
    /// number no whole-number field can hold; nil otherwise.
    public static func find(in data: Data) -> ReportValueError? {
        guard let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return nil
        }
        return search(root, path: "", depth: 0)
    }

    private static func search(_ value: Any, path: String, depth: Int) -> ReportValueError? {
        guard depth < 64 else { return nil }
        switch value {
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let p = path.isEmpty ? key : "\(path).\(key)"
                if let found = search(object[key]!, path: p, depth: depth + 1) { return found }
            }
        case let array as [Any]:
            for (i, element) in array.enumerated() {
                if let found = search(element, path: "\(path)[\(i)]", depth: depth + 1) { return found }
            }
        case let number as NSNumber:
            let d = number.doubleValue
            if !d.isFinite || abs(d) >= 9.2e18 {
                return ReportValueError(path: path.isEmpty ? "$" : path, value: "\(d)")
            }
        default:
            break
        }
        return nil
    }
}
