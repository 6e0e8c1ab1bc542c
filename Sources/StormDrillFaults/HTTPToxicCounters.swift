import Synchronization

/// Per HTTP toxic, shared by all of a proxy's connections: requests seen and faulted (the report's evidence) and,
/// for `fail_first`, how many of its budget have been spent. Probe requests are never counted.
final class HTTPToxicCounters: Sendable {
    private let state = Mutex(HTTPToxicStats())

    var stats: HTTPToxicStats { state.withLock { $0 } }

    /// Records a request the toxic decided on.
    func record(faulted: Bool) {
        state.withLock {
            $0.requestsSeen += 1
            if faulted { $0.requestsFaulted += 1 }
        }
    }

    /// `fail_first`: counts the request and says whether it is among the first `count` (and so fails).
    func takeFailFirst(count: Int) -> Bool {
        state.withLock {
            $0.requestsSeen += 1
            guard $0.requestsFaulted < count else { return false }
            $0.requestsFaulted += 1
            return true
        }
    }
}
