import Foundation

/// An answer of the live server's API: a status and a JSON object.
public struct LiveAnswer: Sendable, Equatable {
    public var status: Int
    public var body: String

    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }

    /// `status` with an encodable body.
    public static func json(_ status: Int, _ value: some Encodable) -> LiveAnswer {
        LiveAnswer(status: status, body: LiveJSON.encode(value))
    }

    /// `{"error": message}`, the message cut to 300 characters.
    public static func error(_ status: Int, _ message: String) -> LiveAnswer {
        LiveAnswer(status: status, body: LiveJSON.encode(["error": String(message.prefix(300))]))
    }
}

/// What the facilitator's buttons do to the drill. The runner implements it; the live server calls it only after
/// the token was checked, and answers with what it returns.
public protocol LiveDrillControl: Sendable {
    /// Releases the gate or hold now holding (409 when nothing holds).
    func continueDrill() async -> LiveAnswer
    /// Holds the scenario clock now (409 when it holds already or the load is over).
    func holdDrill() async -> LiveAnswer
    /// The safety lever: rolls back every fault, stops the load, ends the drill `aborted`.
    func haltDrill() async -> LiveAnswer
    /// Skips a fault not applied yet (404 unknown, 409 applied or over).
    func skipFault(_ name: String) async -> LiveAnswer
}
