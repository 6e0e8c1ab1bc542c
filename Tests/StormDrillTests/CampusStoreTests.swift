import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import CampusPlatform

extension StormDrillTests {
    @Suite("Campus order store (SQLite)")
    struct CampusStoreTests {
        static func order(_ id: String, key: String?) -> StoredOrder {
            StoredOrder(
                order: CampusOrder(
                    id: id, status: "paid", state: "paid", paymentState: "paid", student: "stu-00001",
                    canteen: "central-canteen",
                    items: [CampusOrder.Line(sku: "central-soy-milk", name: "Soy milk", qty: 2, priceCents: 250)],
                    totalCents: 650, dorm: "maple-hall", gate: "north-gate", slot: "12:00-12:15",
                    payment: "campus-card", pickupPoint: nil, clientReference: "ref-\(id)",
                    dispatch: CampusOrder.Dispatch(
                        mode: "delivery", rider: nil, etaMinutes: nil, pickupPoint: nil, note: nil),
                    notifications: CampusOrder.Notifications(count: 0, queued: 0, last: nil),
                    compensation: CampusOrder.Compensation(issued: false, coupon: nil, reason: nil),
                    createdAt: "2026-01-01T12:00:00.000Z", updatedAt: "2026-01-01T12:00:00.000Z"),
                idempotencyKey: key, requestHash: 42, createdMs: 1, nextStepMs: 2, promiseMs: 3, chargeId: "ch_\(id)")
        }

        @Test("committed orders survive closing and reopening, field for field; updates overwrite the row")
        func durability() async throws {
            let dir = Repository.temporaryDirectory("campus-store")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let store = try await CampusOrderStore.open(directory: dir)
            var written: [StoredOrder] = []
            for i in 0..<300 {
                let o = Self.order("ord_\(i)", key: i % 2 == 0 ? "key-\(i)" : nil)
                try await store.insertDurably(o)
                written.append(o)
            }
            let updated = store.update(id: "ord_7", now: 10) { o in
                o.order.state = "delivered"
                return ["delivered"]
            }
            try await store.writer.waitFor(try #require(updated).ticket)
            await store.close()

            let reopened = try await CampusOrderStore.open(directory: dir)
            #expect(try await reopened.rowCount() == 300)
            #expect(reopened.count == 300)
            for o in written where o.id != "ord_7" {
                #expect(reopened.order(id: o.id) == o.order)
            }
            let seven = try #require(reopened.order(id: "ord_7"))
            #expect(
                seven.state == "delivered" && seven.notifications.queued == 1 && seven.notifications.last == "delivered"
            )
            #expect(reopened.waitingMessages(limit: 10).map(\.text) == ["delivered"])
            // The key survives too: the same key and hash is the same order, another hash a conflict.
            if case .existing(let o) = reopened.reserve(key: "key-4", hash: 42) {
                #expect(o.id == "ord_4")
            } else {
                Issue.record("key-4 was not found after reopening")
            }
            if case .conflict = reopened.reserve(key: "key-4", hash: 43) {} else { Issue.record("no conflict") }
            await reopened.close()
            let files = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(files.contains("campus.sqlite"))
        }

        @Test("the database is in WAL mode with synchronous=FULL")
        func walMode() async throws {
            let dir = Repository.temporaryDirectory("campus-store")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let store = try await CampusOrderStore.open(directory: dir)
            try await store.insertDurably(Self.order("ord_a", key: "k"))
            #expect(FileManager.default.fileExists(atPath: dir + "/campus.sqlite-wal"))
            #expect(try await store.pragma("journal_mode") == "wal")
            #expect(try await store.pragma("synchronous") == "2")
            await store.close()
        }
    }
}
