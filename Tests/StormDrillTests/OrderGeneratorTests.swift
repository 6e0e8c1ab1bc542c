import Foundation
import StormDrillPlan
import Testing

@testable import CampusPlatform

extension StormDrillTests {
    @Suite("Seeded campus order generator and templates")
    struct OrderGeneratorTests {
        static func smokePlan() throws -> Plan {
            try PlanLoader.load(path: Repository.path("plans/smoke.json")).get().plan
        }

        /// The rendered bodies of the first `n` orders of a plan's first body-carrying step.
        static func bodies(_ plan: Plan, count n: Int) -> [String] {
            let generator = OrderGenerator(seed: plan.seed)
            let step = plan.journeys.flatMap(\.steps).first { $0.body != nil }!
            let extracts = ExtractSlots(count: plan.maxExtractSlots)
            return (0..<UInt64(n)).map {
                step.body!.renderString(order: generator.order(at: $0), generator: generator, extracts: extracts)
            }
        }

        @Test("the same plan and seed produce the same sequence of order bodies")
        func deterministic() throws {
            let first = Self.bodies(try Self.smokePlan(), count: 2000)
            let second = Self.bodies(try Self.smokePlan(), count: 2000)
            #expect(first == second)
            var other = try Self.smokePlan()
            other.seed = 43
            let third = Self.bodies(other, count: 2000)
            #expect(third != first)
            #expect(Set(first).count == 2000)
        }

        @Test("order i depends only on the seed and i")
        func indexed() {
            let g = OrderGenerator(seed: 99)
            let forward = (0..<100).map { g.order(at: UInt64($0)) }
            let backward = (0..<100).reversed().map { g.order(at: UInt64($0)) }.reversed()
            #expect(forward == Array(backward))
        }

        @Test("rendered bodies are valid JSON that the campus service accepts")
        func bodiesAreValid() throws {
            for body in Self.bodies(try Self.smokePlan(), count: 500) {
                let data = Data(body.utf8)
                let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                #expect((object["items"] as? [Any])?.isEmpty == false)
                #expect(object["total"] is NSNumber)
                let request = try JSONDecoder().decode(PlaceOrderRequest.self, from: data)
                let priced = try OrderValidator.validate(request)
                #expect(abs(Int((request.total! * 100).rounded()) - priced.total) <= 1)
            }
        }

        @Test("the stream is campus-shaped")
        func distribution() {
            let g = OrderGenerator(seed: 1)
            let orders = (0..<20_000).map { g.order(at: UInt64($0)) }
            let pickup = Double(orders.filter { $0.pickupPoint >= 0 }.count) / Double(orders.count)
            #expect(abs(pickup - 0.20) < 0.02)
            let lunch = Double(orders.filter { $0.slot < CampusCatalog.lunchSlots.count }.count) / Double(orders.count)
            #expect(abs(lunch - 0.60) < 0.02)
            let campusCard = Double(orders.filter { $0.payment == 0 }.count) / Double(orders.count)
            #expect(abs(campusCard - 0.45) < 0.02)
            // Every dorm and vendor appears; popular vendors more often.
            #expect(Set(orders.map(\.dorm)).count == CampusCatalog.dorms.count)
            let counts = Dictionary(grouping: orders, by: \.vendor).mapValues(\.count)
            #expect(counts.count == CampusCatalog.vendors.count)
            #expect(counts[0]! > counts[6]!)
            // A student always lives in the same dorm.
            let byStudent = Dictionary(grouping: orders, by: \.student)
            #expect(byStudent.values.allSatisfy { Set($0.map(\.dorm)).count == 1 })
            // Totals are priced from the menu.
            for o in orders.prefix(200) {
                let vendor = CampusCatalog.vendors[o.vendor]
                var sum = 0
                for i in 0..<o.itemCount {
                    let (item, qty) = o.item(at: i)
                    sum += qty * vendor.items[item].priceCents
                }
                #expect(o.totalCents == sum + (o.pickupPoint >= 0 ? 0 : vendor.deliveryFeeCents))
            }
        }

        @Test("fields render as documented")
        func fields() {
            let g = OrderGenerator(seed: 5)
            let o = g.order(at: 17)
            #expect(g.string(.id, of: o) == "ord-17")
            #expect(g.string(.student, of: o).hasPrefix("stu-") && g.string(.student, of: o).count == 9)
            let key = g.string(.idempotencyKey, of: o)
            #expect(key.count == 36 && UUID(uuidString: key) != nil)
            #expect(Array(key)[14] == "4")
            #expect(CampusCatalog.dorms.map(\.id).contains(g.string(.dorm, of: o)))
            #expect(CampusCatalog.gates.contains(g.string(.gate, of: o)))
            #expect(CampusCatalog.slots.contains(g.string(.slot, of: o)))
            #expect(g.string(.total, of: o).split(separator: ".").last?.count == 2)
        }

        @Test("body templates: whole-string placeholders become JSON values")
        func bodyTemplate() throws {
            let text = """
                {"stormdrill": 1, "name": "t", "vars": {"tenant": "a\\"b"}, "target": {"baseURL": "http://127.0.0.1:1"},
                 "load": {"model": "open", "stages": [{"duration": "1s", "rate": 1}]},
                 "journeys": [{"name": "j", "steps": [
                   {"name": "a", "method": "POST", "path": "/o", "body": {"items": "{{order.items}}", "total": "{{ order.total }}",
                     "pickup": "{{order.pickupPoint}}", "note": "for {{order.student}} at {{vars.tenant}}", "tenant": "{{vars.tenant}}",
                     "n": [1, true, null]}, "extract": {"id": "/id"}},
                   {"name": "b", "path": "/o/{{extract.id}}", "headers": {"X-Id": "{{extract.id}}"},
                    "method": "PUT", "body": {"id": "{{extract.id}}", "label": "id={{extract.id}}"}}
                 ]}]}
                """
            let plan = try PlanDecoder.decode(Array(text.utf8), file: "t").get()
            let g = OrderGenerator(seed: plan.seed)
            let order = (0..<100).map { g.order(at: $0) }.first { $0.pickupPoint < 0 }!
            var extracts = ExtractSlots(count: plan.maxExtractSlots)
            let a = plan.journeys[0].steps[0].body!.renderString(order: order, generator: g, extracts: extracts)
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any])
            #expect(obj["items"] is [Any])
            #expect(obj["total"] is NSNumber)
            #expect(obj["pickup"] is NSNull)
            #expect(obj["note"] as? String == "for \(g.string(.student, of: order)) at a\"b")
            #expect(obj["tenant"] as? String == "a\"b")
            extracts.set(slot: 0, token: Array(#""ord 1/x""#.utf8))
            let step = plan.journeys[0].steps[1]
            #expect(step.path.renderString(order: order, generator: g, extracts: extracts) == "/o/ord%201%2Fx")
            #expect(step.headers[0].value.renderString(order: order, generator: g, extracts: extracts) == "ord 1/x")
            let b = step.body!.renderString(order: order, generator: g, extracts: extracts)
            #expect(b == #"{"id":"ord 1/x","label":"id=ord 1/x"}"#)
            extracts.set(slot: 0, token: Array("42".utf8))
            #expect(
                step.body!.renderString(order: order, generator: g, extracts: extracts) == #"{"id":42,"label":"id=42"}"#
            )
        }
    }
}
