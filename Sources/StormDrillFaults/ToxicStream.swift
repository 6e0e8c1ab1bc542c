/// The direction of data a toxic acts on, as Toxiproxy names it.
public enum ToxicStream: String, Sendable, Hashable, CaseIterable, Codable {
    /// From the client to the upstream service.
    case upstream
    /// From the upstream service back to the client (Toxiproxy's default).
    case downstream
}
