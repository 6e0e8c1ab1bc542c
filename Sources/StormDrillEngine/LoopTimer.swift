import NIOCore

/// Fires one of the loop's timers: the open model's next arrivals, or the housekeeping tick (timeouts, in-flight
/// gauge, CPU sampling). One instance per timer and loop, reused every time, so timers allocate nothing.
final class LoopTimer: NIOScheduledCallbackHandler {
    enum Kind { case arrivals, tick }

    unowned let worker: LoopWorker
    let kind: Kind

    init(worker: LoopWorker, kind: Kind) {
        self.worker = worker
        self.kind = kind
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        switch kind {
        case .arrivals: worker.arrivalsDue()
        case .tick: worker.tick()
        }
    }
}
