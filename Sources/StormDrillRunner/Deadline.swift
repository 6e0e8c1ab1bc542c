/// Waiting with a time limit.
enum Deadline {
    /// The value of `operation`, or nil if it has none within `timeout` (the operation is then cancelled).
    static func first<T: Sendable>(
        within timeout: Duration, _ operation: @escaping @Sendable () async -> T?
    ) async
        -> T?
    {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await operation() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
