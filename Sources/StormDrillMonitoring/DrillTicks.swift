import NIOCore

/// The polling loop every watcher of the drill shares: ticks on whole multiples of `every` after the drill's start
/// (from tick `first`), on the monotonic clock the load and the faults use; a slow `body` skips the ticks that passed
/// rather than firing a burst. Ends when the task is cancelled or `body` returns false.
public enum DrillTicks {
    public static func run(
        from start: NIODeadline, every: TimeAmount, first: Int64 = 0, _ body: () async -> Bool
    ) async {
        let step = max(1, every.nanoseconds)
        var tick = first
        while !Task.isCancelled {
            let wait = start + .nanoseconds(step * tick) - NIODeadline.now()
            if wait.nanoseconds > 0 {
                do { try await Task.sleep(nanoseconds: UInt64(wait.nanoseconds)) } catch { return }
            }
            if Task.isCancelled { return }
            tick += 1
            guard await body() else { return }
            tick = max(tick, (NIODeadline.now() - start).nanoseconds / step + 1)
        }
    }

    /// Milliseconds on the drill clock now.
    public static func atMs(since start: NIODeadline) -> Double {
        Double((NIODeadline.now() - start).nanoseconds) / 1e6
    }
}
