/// Why the campus platform could not do something: opening or writing its store, or starting up.
public struct CampusPlatformError: Error, CustomStringConvertible, Sendable {
    private enum Kind: Sendable {
        case storeOpen(String)
        case storeWrite(String)
        case storeClosed
        case badDataDirectory(String)
        case badURL(String)
    }

    private let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    static func storeOpen(_ reason: String) -> Self { Self(.storeOpen(String(reason.prefix(200)))) }
    static func storeWrite(_ reason: String) -> Self { Self(.storeWrite(String(reason.prefix(200)))) }
    static let storeClosed = Self(.storeClosed)
    static func badDataDirectory(_ path: String) -> Self { Self(.badDataDirectory(String(path.prefix(200)))) }
    static func badURL(_ url: String) -> Self { Self(.badURL(String(url.prefix(200)))) }

    public var description: String {
        switch kind {
        case .storeOpen(let reason): "cannot open the order store: \(reason)"
        case .storeWrite(let reason): "cannot write to the order store: \(reason)"
        case .storeClosed: "the order store is closed"
        case .badDataDirectory(let path): "cannot use data directory \(path)"
        case .badURL(let url): "not an http:// base URL: \(url)"
        }
    }
}
