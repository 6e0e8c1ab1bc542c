/// What a proxy understands of the bytes it carries.
public enum ProxyProtocol: String, Sendable, Hashable, CaseIterable, Codable {
    /// Bytes only (Toxiproxy's behaviour): TCP toxics.
    case tcp
    /// HTTP/1.1 parsed on the client side: TCP toxics plus per-request HTTP faults.
    case http
}
