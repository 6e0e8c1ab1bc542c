import Synchronization

/// Where the platform's services post the ports they bound, so the order service can find its dependencies and the
/// caller hears about every port once all four listen.
final class PortBoard: Sendable {
    enum Slot: Sendable, Hashable { case order, payment, dispatch, notification }

    private struct State {
        var ports: [Slot: Int] = [:]
        var reported = false
    }

    private let state = Mutex(State())
    private let onRunning: @Sendable (CampusPorts) async -> Void

    init(onRunning: @escaping @Sendable (CampusPorts) async -> Void) {
        self.onRunning = onRunning
    }

    func post(_ slot: Slot, _ port: Int) async {
        let ports = state.withLock { s -> CampusPorts? in
            s.ports[slot] = port
            guard !s.reported, let o = s.ports[.order], let p = s.ports[.payment], let d = s.ports[.dispatch],
                let n = s.ports[.notification]
            else { return nil }
            s.reported = true
            return CampusPorts(order: o, payment: p, dispatch: d, notification: n)
        }
        if let ports { await onRunning(ports) }
    }

    /// Waits for a slot's port; nil if the task is cancelled first.
    func port(_ slot: Slot) async -> Int? {
        while !Task.isCancelled {
            if let port = state.withLock({ $0.ports[slot] }) { return port }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }
}
