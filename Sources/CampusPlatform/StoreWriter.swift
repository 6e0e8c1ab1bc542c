import SQLiteNIO
import Synchronization

/// One row to write.
enum StoreWrite: Sendable {
    case order(StoredOrder)
    case message(OutboxMessage)
}

/// Group commit: writes queue up while a transaction is being committed and all go into the next one (one
/// multi-row upsert per table, one `COMMIT`, one fsync), so the cost of durability is shared by every order that
/// arrived in the meantime. Callers get a ticket when they enqueue and wait for it to be committed.
///
/// With a flush interval (the fragile profile) the writer only commits every interval, whatever is waiting.
final class StoreWriter: Sendable {
    /// Rows per statement: SQLite allows 32,766 bound variables; orders have 26 columns.
    static let rowsPerStatement = 500

    private struct State {
        var pending: [StoreWrite] = []
        var nextTicket: UInt64 = 0
        var committed: UInt64 = 0
        var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var failedUpTo: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let connection: SQLiteConnection
    private let flushInterval: Duration?
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    init(connection: SQLiteConnection, flushInterval: Duration?) {
        self.connection = connection
        self.flushInterval = flushInterval
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues rows; returns the ticket to wait for. Cheap and synchronous, so callers can enqueue while holding their
    /// own lock and rows reach the database in the order their changes were made.
    func enqueue(_ writes: [StoreWrite]) -> UInt64 {
        let ticket = state.withLock { s -> UInt64 in
            s.pending.append(contentsOf: writes)
            s.nextTicket += 1
            return s.nextTicket
        }
        wake.yield()
        return ticket
    }

    /// Returns once everything up to `ticket` is committed; throws if its transaction failed or the writer closed.
    func waitFor(_ ticket: UInt64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { s -> Result<Void, any Error>? in
                if ticket <= s.committed {
                    return ticket <= s.failedUpTo
                        ? .failure(CampusPlatformError.storeWrite("commit failed")) : .success(())
                }
                if s.closed { return .failure(CampusPlatformError.storeClosed) }
                s.waiters.append((ticket, continuation))
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// Commits batches until `finish()`, then commits what is left and returns.
    func run() async {
        if let flushInterval {
            while !state.withLock({ $0.closed }) {
                try? await Task.sleep(for: flushInterval)
                await commitPending()
            }
        } else {
            for await _ in wakes {
                await commitPending()
            }
        }
        await commitPending()
        let waiters = state.withLock { s in
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: CampusPlatformError.storeClosed) }
    }

    /// Stops `run()` after a last commit.
    func finish() {
        state.withLock { $0.closed = true }
        wake.finish()
    }

    private func commitPending() async {
        let (writes, upTo) = state.withLock { s in
            defer { s.pending = [] }
            return (s.pending, s.nextTicket)
        }
        guard !writes.isEmpty else { return }
        var failed = false
        do {
            try await commit(writes)
        } catch {
            failed = true
        }
        let ready = state.withLock { s in
            s.committed = upTo
            if failed { s.failedUpTo = upTo }
            let ready = s.waiters.filter { $0.ticket <= upTo }
            s.waiters.removeAll { $0.ticket <= upTo }
            return ready
        }
        for waiter in ready {
            if failed {
                waiter.continuation.resume(throwing: CampusPlatformError.storeWrite("commit failed"))
            } else {
                waiter.continuation.resume()
            }
        }
    }

    /// One transaction: the last version of each order and message in `writes`.
    private func commit(_ writes: [StoreWrite]) async throws {
        var orders: [StoredOrder] = []
        var orderIndex: [String: Int] = [:]
        var messages: [OutboxMessage] = []
        var messageIndex: [Int64: Int] = [:]
        for write in writes {
            switch write {
            case .order(let o):
                if let i = orderIndex[o.id] {
                    orders[i] = o
                } else {
                    orderIndex[o.id] = orders.count
                    orders.append(o)
                }
            case .message(let m):
                if let i = messageIndex[m.id] {
                    messages[i] = m
                } else {
                    messageIndex[m.id] = messages.count
                    messages.append(m)
                }
            }
        }
        let single = orders.count + messages.count <= Self.rowsPerStatement && (orders.isEmpty || messages.isEmpty)
        if !single { _ = try await connection.query("BEGIN IMMEDIATE") }
        do {
            for chunk in orders.chunked(Self.rowsPerStatement) {
                _ = try await connection.query(StoredOrder.upsertSQL(rows: chunk.count), chunk.flatMap(\.binds))
            }
            for chunk in messages.chunked(Self.rowsPerStatement) {
                _ = try await connection.query(OutboxMessage.upsertSQL(rows: chunk.count), chunk.flatMap(\.binds))
            }
            if !single { _ = try await connection.query("COMMIT") }
        } catch {
            if !single { _ = try? await connection.query("ROLLBACK") }
            throw error
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
