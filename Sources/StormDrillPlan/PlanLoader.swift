import Foundation

/// A plan read from a file, with the bytes it was decoded from (for hashing into reports).
public struct LoadedPlan: Sendable {
    public var plan: Plan
    public var file: String
    public var bytes: [UInt8]
}

/// Reads and validates plan files.
public enum PlanLoader {
    /// Plans larger than this are refused before parsing.
    public static let maximumSize = 8 * 1024 * 1024

    /// Reads `path` and decodes it. A missing or unreadable file is reported like any other plan error.
    /// `overrides` replace the values of vars the plan defines (`stormdrill run --var NAME=VALUE`); `environment`
    /// gives `{{env.NAME}}` values (`.deferred` for `validate`, which reads none).
    public static func load(
        path: String, overrides: [String: String] = [:], environment: PlanEnvironment = .process
    ) -> Result<LoadedPlan, PlanError> {
        let bytes: [UInt8]
        do {
            let url = URL(fileURLWithPath: path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                return .failure(fileError(path, "cannot read the plan: no such file"))
            }
            if isDirectory.boolValue {
                return .failure(fileError(path, "cannot read the plan: it is a directory"))
            }
            let data = try Data(contentsOf: url)
            guard data.count <= maximumSize else {
                return .failure(fileError(path, "the plan is larger than \(maximumSize / 1024 / 1024) MB"))
            }
            bytes = [UInt8](data)
        } catch {
            return .failure(fileError(path, "cannot read the plan: \(error.localizedDescription)"))
        }
        return PlanDecoder.decode(bytes, file: path, overrides: overrides, environment: environment).map {
            LoadedPlan(plan: $0, file: path, bytes: bytes)
        }
    }

    /// True when `path` holds a JSON Schema document (such as `plans/schema.json`) rather than a plan: its root has
    /// a `$schema` naming json-schema.org and no `stormdrill` key. `validate plans/*.json` skips such files.
    public static func isJSONSchemaDocument(path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count <= maximumSize,
            let root = try? JSONParser.parse([UInt8](data)), root["stormdrill"] == nil,
            let schema = root["$schema"]?.stringValue
        else { return false }
        return schema.contains("json-schema.org")
    }

    private static func fileError(_ path: String, _ message: String) -> PlanError {
        PlanError(diagnostics: [PlanDiagnostic(file: path, position: .start, path: "$", message: message)])
    }
}
