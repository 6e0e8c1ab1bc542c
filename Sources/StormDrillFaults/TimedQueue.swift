import NIOCore

/// A queue of events each released at its due time, in order, on one event loop: the common part of the toxics
/// that hold data (latency, bandwidth, slicer, slow_close).
final class TimedQueue {
    private unowned let owner: any ToxicStageOwner
    private var items = CircularBuffer<(event: StreamEvent, due: NIODeadline)>()
    private var timer: Scheduled<Void>?
    private let release: (StreamEvent) -> Void

    init(owner: any ToxicStageOwner, release: @escaping (StreamEvent) -> Void) {
        self.owner = owner
        self.release = release
    }

    var isEmpty: Bool { items.isEmpty }

    /// The due time of the last queued event, if any.
    var lastDue: NIODeadline? { items.last?.due }

    /// Queues `event` for `due`; releases it at once if nothing is queued and it is already due.
    func push(_ event: StreamEvent, due: NIODeadline) {
        if items.isEmpty && due <= owner.eventLoop.now {
            release(event)
            return
        }
        owner.adjustHeld(by: event.byteCount)
        items.append((event, due))
        if items.count == 1 { schedule() }
    }

    func drain() -> [StreamEvent] {
        timer?.cancel()
        timer = nil
        let events = items.map(\.event)
        owner.adjustHeld(by: -events.reduce(0) { $0 + $1.byteCount })
        items.removeAll()
        return events
    }

    private func schedule() {
        guard let first = items.first else { return }
        let loop = owner.eventLoop
        timer = loop.assumeIsolated().scheduleTask(deadline: first.due) { [weak self] in self?.fire() }
    }

    private func fire() {
        timer = nil
        let now = owner.eventLoop.now
        while let first = items.first, first.due <= now {
            items.removeFirst()
            owner.adjustHeld(by: -first.event.byteCount)
            release(first.event)
        }
        schedule()
    }
}
