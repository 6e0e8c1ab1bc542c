import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization

/// The platform's orders: SQLite in WAL mode (`<data directory>/campus.sqlite`) with an in-memory copy that every
/// read is served from. All writes go through a group-committing ``StoreWriter``.
///
/// Durability: `journal_mode=WAL` with `synchronous=FULL`, so a committed transaction is fsync'd before the commit
/// returns: it survives a SIGKILL of the process and a power cut. (`NORMAL` would be enough for SIGKILL, since the
/// WAL is written before the commit returns, but not for a power cut; group commit makes `FULL` cheap: one fsync,
/// ≈ 0.5 ms here, per batch.)
public final class CampusOrderStore: Sendable {
    /// What happened to an idempotency key.
    enum Reservation: Sendable {
        /// First use: place the order under this id.
        case reserved(String)
        /// Used before with the same body: the original order.
        case existing(CampusOrder)
        /// Used before with the same body and still being placed: ask again shortly.
        case inFlight
        /// Used before with a different body.
        case conflict
    }

    private struct State {
        var orders: [String: StoredOrder] = [:]
        /// Idempotency key → (request hash, order id), including orders still being placed.
        var keys: [String: (hash: Int64, id: String)] = [:]
        /// Orders the lifecycle still has to move on.
        var active: Set<String> = []
        var outbox: [Int64: OutboxMessage] = [:]
        var nextMessageID: Int64 = 1
    }

    private let state: Mutex<State>
    let writer: StoreWriter
    private let connection: SQLiteConnection
    private let writerTask: Task<Void, Never>
    /// The folder holding the database.
    public let directory: String

    private init(directory: String, connection: SQLiteConnection, state: State, flushInterval: Duration?) {
        self.directory = directory
        self.connection = connection
        self.state = Mutex(state)
        let writer = StoreWriter(connection: connection, flushInterval: flushInterval)
        self.writer = writer
        writerTask = Task { await writer.run() }
    }

    /// Opens (or creates) the store in `directory` and loads every order.
    /// - Parameter flushInterval: nil (the default) commits as soon as rows wait (acknowledge after commit);
    ///   a value batches commits at that interval (the fragile profile's write-behind).
    public static func open(directory: String, flushInterval: Duration? = nil) async throws -> CampusOrderStore {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CampusPlatformError.badDataDirectory(directory)
        }
        let path = (directory as NSString).appendingPathComponent("campus.sqlite")
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: NIOThreadPool.singleton,
                logger: Logger(label: "campus.sqlite"), on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            throw CampusPlatformError.storeOpen("\(error)")
        }
        var state = State()
        do {
            for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000"] {
                _ = try await connection.query(pragma)
            }
            _ = try await connection.query(StoredOrder.createTable)
            _ = try await connection.query(OutboxMessage.createTable)
            let columns = StoredOrder.columns.joined(separator: ",")
            for row in try await connection.query("SELECT \(columns) FROM orders") {
                guard let order = StoredOrder(row: row) else { continue }
                state.orders[order.id] = order
                if let key = order.idempotencyKey { state.keys[key] = (order.requestHash, order.id) }
                if !order.isFinished { state.active.insert(order.id) }
            }
            let messageColumns = OutboxMessage.columns.joined(separator: ",")
            var sent: [String: Int] = [:]
            var queued: [String: Int] = [:]
            for row in try await connection.query("SELECT \(messageColumns) FROM outbox") {
                guard let message = OutboxMessage(row: row) else { continue }
                state.nextMessageID = max(state.nextMessageID, message.id + 1)
                if message.deliveredMs == nil {
                    state.outbox[message.id] = message
                    queued[message.orderId, default: 0] += 1
                } else {
                    sent[message.orderId, default: 0] += 1
                }
            }
            // The outbox is the record of the resilient profile's messages; its counts win over the order rows'.
            for id in Set(sent.keys).union(queued.keys) {
                state.orders[id]?.order.notifications.count = sent[id] ?? 0
                state.orders[id]?.order.notifications.queued = queued[id] ?? 0
            }
        } catch {
            try? await connection.close()
            throw CampusPlatformError.storeOpen("\(error)")
        }
        return CampusOrderStore(
            directory: directory, connection: connection, state: state, flushInterval: flushInterval)
    }

    /// Commits what is queued and closes the database.
    public func close() async {
        writer.finish()
        // Wakes a write-behind writer from its interval sleep; it still commits what is queued before returning.
        writerTask.cancel()
        await writerTask.value
        try? await connection.close()
    }

    /// Orders in memory (every acknowledged order of the resilient profile).
    public var count: Int { state.withLock { $0.orders.count } }

    /// The order with this id.
    public func order(id: String) -> CampusOrder? {
        state.withLock { $0.orders[id]?.order }
    }

    /// Rows in the `orders` table (a fresh query, for tests and audits).
    public func rowCount() async throws -> Int {
        let rows = try await connection.query("SELECT COUNT(*) AS n FROM orders")
        return rows.first?.column("n")?.integer ?? 0
    }

    /// Rows in the `orders` table with this idempotency key (0 or 1: the column is UNIQUE).
    public func rowCount(idempotencyKey: String) async throws -> Int {
        let rows = try await connection.query(
            "SELECT COUNT(*) AS n FROM orders WHERE idempotency_key = ?", [.text(idempotencyKey)])
        return rows.first?.column("n")?.integer ?? 0
    }

    /// A pragma's value as text (e.g. `journal_mode`).
    func pragma(_ name: String) async throws -> String? {
        let rows = try await connection.query("PRAGMA \(name)")
        guard let data = rows.first?.columns.first?.data else { return nil }
        return data.string ?? data.integer.map { String($0) }
    }

    /// Orders by state, for metrics.
    func countsByState() -> [String: Int] {
        state.withLock { s in
            var counts: [String: Int] = [:]
            for order in s.orders.values { counts[order.order.state, default: 0] += 1 }
            return counts
        }
    }

    /// Payment states of the orders, for metrics and tests.
    func countsByPaymentState() -> [String: Int] {
        state.withLock { s in
            var counts: [String: Int] = [:]
            for order in s.orders.values { counts[order.order.paymentState, default: 0] += 1 }
            return counts
        }
    }

    // MARK: - Placing

    /// Claims an idempotency key (or, without a key, a fresh id).
    func reserve(key: String?, hash: Int64) -> Reservation {
        state.withLock { s in
            guard let key else { return .reserved(Self.randomID()) }
            if let existing = s.keys[key] {
                guard existing.hash == hash else { return .conflict }
                if let order = s.orders[existing.id] { return .existing(order.order) }
                return .inFlight
            }
            var id = Self.id(forKey: key)
            if s.orders[id] != nil { id = Self.randomID() }
            s.keys[key] = (hash, id)
            return .reserved(id)
        }
    }

    /// Gives a key back after its placement failed, so a retry can try again.
    func release(key: String?) {
        guard let key else { return }
        state.withLock { s in
            if let existing = s.keys[key], s.orders[existing.id] == nil { s.keys[key] = nil }
        }
    }

    /// Writes a new order and waits until it is committed; only then do reads see it.
    func insertDurably(_ order: StoredOrder) async throws {
        let ticket = writer.enqueue([.order(order)])
        try await writer.waitFor(ticket)
        state.withLock { s in
            s.orders[order.id] = order
            if !order.isFinished { s.active.insert(order.id) }
        }
    }

    /// Records a new order at once and writes it later (the fragile profile: acknowledged before it is written).
    func insertLazily(_ order: StoredOrder) {
        state.withLock { s in
            s.orders[order.id] = order
            if !order.isFinished { s.active.insert(order.id) }
            _ = writer.enqueue([.order(order)])
        }
    }

    // MARK: - Changing

    /// Changes an order under the lock and queues the new row (plus any messages `change` returns). Returns the
    /// new order and the write's ticket, or nil if there is no such order or `change` returned nil (no change).
    /// With `outbox` false (the fragile profile) the messages are returned to be sent once, directly, and are not
    /// kept.
    func update(
        id: String, now: Int64, outbox: Bool = true,
        _ change: (inout StoredOrder) -> [String]?
    ) -> (order: StoredOrder, ticket: UInt64, messages: [OutboxMessage])? {
        state.withLock { s in
            guard var order = s.orders[id], let texts = change(&order) else { return nil }
            order.order.status = order.order.state
            order.order.updatedAt = CampusClock.timestamp(ms: now)
            var messages: [OutboxMessage] = []
            for text in texts {
                let message = OutboxMessage(
                    id: s.nextMessageID, orderId: id, student: order.order.student, text: text, createdMs: now)
                s.nextMessageID += 1
                messages.append(message)
                order.order.notifications.last = text
                if outbox {
                    s.outbox[message.id] = message
                    order.order.notifications.queued += 1
                }
            }
            s.orders[id] = order
            if order.isFinished { s.active.remove(id) } else { s.active.insert(id) }
            let ticket = writer.enqueue([.order(order)] + (outbox ? messages.map { .message($0) } : []))
            return (order, ticket, messages)
        }
    }

    /// Orders the lifecycle should look at now, among those `which` selects.
    func due(now: Int64, limit: Int, which: (StoredOrder) -> Bool) -> [StoredOrder] {
        state.withLock { s in
            var due: [StoredOrder] = []
            for id in s.active {
                guard let order = s.orders[id], order.nextStepMs <= now, which(order) else { continue }
                due.append(order)
                if due.count >= limit { break }
            }
            return due
        }
    }

    /// Messages still waiting for the notification service, oldest first.
    func waitingMessages(limit: Int) -> [OutboxMessage] {
        state.withLock { s in
            Array(s.outbox.values.sorted { $0.id < $1.id }.prefix(limit))
        }
    }

    /// Messages waiting in the outbox.
    var outboxCount: Int { state.withLock { $0.outbox.count } }

    /// Marks messages delivered (or counts a failed attempt) and updates their orders' notification counts. Only the
    /// outbox rows are written: the counts are derived from the outbox again when the store is opened.
    func messagesAttempted(ids: [Int64], delivered: Bool, now: Int64) {
        state.withLock { s in
            var writes: [StoreWrite] = []
            for id in ids {
                guard var message = s.outbox[id] else { continue }
                message.attempts += 1
                if delivered {
                    message.deliveredMs = now
                    s.outbox[id] = nil
                    if var order = s.orders[message.orderId] {
                        order.order.notifications.count += 1
                        order.order.notifications.queued = max(0, order.order.notifications.queued - 1)
                        s.orders[order.id] = order
                    }
                } else {
                    s.outbox[id] = message
                }
                writes.append(.message(message))
            }
            if !writes.isEmpty { _ = writer.enqueue(writes) }
        }
    }

    /// Drops a message that was sent once without an outbox (the fragile profile) and counts it if it arrived.
    func messageSentDirectly(orderId: String, text: String, delivered: Bool, now: Int64) {
        state.withLock { s in
            guard var order = s.orders[orderId] else { return }
            if delivered { order.order.notifications.count += 1 }
            order.order.notifications.last = text
            s.orders[orderId] = order
            _ = writer.enqueue([.order(order)])
        }
    }

    // MARK: - Ids

    /// The id an idempotency key's order gets: derived from the key, so a retry after a crash between charging and
    /// committing charges the same order id again (and the payment service deduplicates it).
    static func id(forKey key: String) -> String {
        "ord_" + String(FNV1a.hash(Array(key.utf8)), radix: 36)
    }

    static func randomID() -> String {
        "ord_" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
    }
}

/// 64-bit FNV-1a: a hash that stays the same across processes (Swift's `Hasher` is seeded per process).
enum FNV1a {
    static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
