import Synchronization

/// A probe connection announced before it connects: the proxy recognises it by its local source port on loopback
/// and connects it to the probe's own responder instead of the real upstream. It still passes the real listener
/// and the real toxic chain; the proxy records which toxics this connection was drawn for.
final class ProbeRoute: Sendable {
    let responder: HostPort
    private let selection = Mutex<[String: Bool]>([:])
    private let accepted = Mutex(false)

    init(responder: HostPort) {
        self.responder = responder
    }

    /// Whether the probe connection was drawn for each toxic (by toxicity), as its chains report.
    var selected: [String: Bool] { selection.withLock { $0 } }

    /// True once the proxy accepted the probe connection and chose the responder for it.
    var wasAccepted: Bool { accepted.withLock { $0 } }

    func markAccepted() { accepted.withLock { $0 = true } }

    func record(_ names: [String: Bool]) {
        selection.withLock { current in
            for (name, selected) in names { current[name] = selected }
        }
    }
}
