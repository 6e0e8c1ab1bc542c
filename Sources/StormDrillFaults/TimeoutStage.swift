import NIOCore

/// `timeout`: swallows all data; closes the connection `timeout` ms after the toxic reached it (0: never, the data
/// is simply held back until one side closes). Removing the toxic closes the connection, as in Toxiproxy.
final class TimeoutStage: ToxicStage {
    unowned let owner: any ToxicStageOwner
    var index = 0
    let timeout: Int64
    private var timer: Scheduled<Void>?
    private var closed = false

    init(owner: any ToxicStageOwner, timeout: Int) {
        self.owner = owner
        self.timeout = Int64(timeout)
    }

    func start() {
        guard timeout > 0 else { return }
        timer = owner.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(timeout)) { [weak self] in
            self?.fire()
        }
    }

    private func fire() {
        timer = nil
        guard !closed else { return }
        closed = true
        owner.emit(.close(reset: false, promise: nil), after: index)
    }

    func receive(_ event: StreamEvent) {
        switch event {
        case .data:
            event.discard()
        case .close:
            timer?.cancel()
            timer = nil
            if closed {
                event.discard()
            } else {
                closed = true
                owner.emit(event, after: index)
            }
        }
    }

    /// Toxiproxy's cleanup closes the link when a timeout toxic goes away.
    func drain() -> [StreamEvent] {
        timer?.cancel()
        timer = nil
        if closed { return [] }
        closed = true
        return [.close(reset: false, promise: nil)]
    }
}
