import NIOCore

/// `reset_peer`: on the first data (or close) it waits `timeout` ms and resets the connection: SO_LINGER 0, so the
/// peers see a TCP RST instead of a FIN. Nothing passes meanwhile.
final class ResetPeerStage: ToxicStage {
    unowned let owner: any ToxicStageOwner
    var index = 0
    let timeout: Int64
    private var timer: Scheduled<Void>?
    private var triggered = false
    private var done = false

    init(owner: any ToxicStageOwner, timeout: Int) {
        self.owner = owner
        self.timeout = Int64(timeout)
    }

    func receive(_ event: StreamEvent) {
        event.discard()
        guard !triggered else { return }
        triggered = true
        if timeout == 0 {
            fire()
        } else {
            timer = owner.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(timeout)) { [weak self] in
                self?.fire()
            }
        }
    }

    private func fire() {
        timer = nil
        guard !done else { return }
        done = true
        owner.emit(.close(reset: true, promise: nil), after: index)
    }

    func drain() -> [StreamEvent] {
        timer?.cancel()
        timer = nil
        return []
    }
}
