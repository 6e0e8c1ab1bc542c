import SQLiteNIO

/// A message to a student, kept in the `outbox` table until the notification service accepts it.
struct OutboxMessage: Sendable, Equatable {
    var id: Int64
    var orderId: String
    var student: String
    var text: String
    var createdMs: Int64
    var attempts: Int
    /// When the notification service accepted it; nil while it waits.
    var deliveredMs: Int64?

    static let createTable = """
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY,
            order_id TEXT NOT NULL,
            student TEXT NOT NULL,
            text TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            delivered_ms INTEGER
        )
        """

    static let columns = ["id", "order_id", "student", "text", "created_ms", "attempts", "delivered_ms"]

    static func upsertSQL(rows: Int) -> String {
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        return "INSERT INTO outbox (\(columns.joined(separator: ","))) VALUES "
            + Array(repeating: placeholders, count: rows).joined(separator: ",")
            + " ON CONFLICT(id) DO UPDATE SET attempts=excluded.attempts, delivered_ms=excluded.delivered_ms"
    }

    var binds: [SQLiteData] {
        [
            .integer(Int(id)), .text(orderId), .text(student), .text(text), .integer(Int(createdMs)),
            .integer(attempts), deliveredMs.map { .integer(Int($0)) } ?? .null,
        ]
    }

    init(id: Int64, orderId: String, student: String, text: String, createdMs: Int64) {
        self.id = id
        self.orderId = orderId
        self.student = student
        self.text = text
        self.createdMs = createdMs
        self.attempts = 0
        self.deliveredMs = nil
    }

    init?(row: SQLiteRow) {
        guard let id = row.column("id")?.integer, let orderId = row.column("order_id")?.string,
            let student = row.column("student")?.string, let text = row.column("text")?.string
        else { return nil }
        self.id = Int64(id)
        self.orderId = orderId
        self.student = student
        self.text = text
        self.createdMs = Int64(row.column("created_ms")?.integer ?? 0)
        self.attempts = row.column("attempts")?.integer ?? 0
        self.deliveredMs = row.column("delivered_ms")?.integer.map { Int64($0) }
    }
}
