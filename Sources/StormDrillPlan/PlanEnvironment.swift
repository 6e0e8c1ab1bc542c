import Foundation

/// Where `{{env.NAME}}` placeholders get their values when a plan is decoded.
public enum PlanEnvironment: Sendable {
    /// Read them from these variables (a run, a dry run). An unset variable is a plan error naming it.
    case values([String: String])
    /// Read nothing (`stormdrill validate`): the plan is checked without the values, which may be absent where
    /// plans are validated (CI without secrets); each placeholder stands for a value checked only at run time.
    case deferred

    /// The driver process's own environment.
    public static var process: PlanEnvironment { .values(ProcessInfo.processInfo.environment) }

    /// The text a deferred `{{env.NAME}}` stands for while a plan is validated.
    static func standIn(_ name: String) -> String { "env-\(name)" }
}
