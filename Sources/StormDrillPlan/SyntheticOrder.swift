/// One synthetic campus order, as indices into `CampusCatalog`: cheap to generate and to render, no strings.
public struct SyntheticOrder: Sendable, Hashable {
    /// Position of the order in the drill's order stream (the arrival index in the open model).
    public var index: UInt64
    /// Student number, 1...CampusCatalog.studentCount.
    public var student: Int
    public var dorm: Int
    public var vendor: Int
    public var itemCount: Int
    /// Item indices into the vendor's menu, one byte each (up to 4 items).
    public var itemIndices: UInt32
    /// Quantities, one byte each, parallel to `itemIndices`.
    public var quantities: UInt32
    public var slot: Int
    public var payment: Int
    /// Index into `CampusCatalog.pickupPoints`, or -1 for delivery to the dorm gate.
    public var pickupPoint: Int
    public var totalCents: Int
    public var keyHigh: UInt64
    public var keyLow: UInt64

    /// An empty order (placeholder for reusable slots).
    public static let empty = SyntheticOrder(
        index: 0, student: 0, dorm: 0, vendor: 0, itemCount: 0, itemIndices: 0, quantities: 0, slot: 0, payment: 0,
        pickupPoint: -1, totalCents: 0, keyHigh: 0, keyLow: 0)

    public func item(at i: Int) -> (index: Int, quantity: Int) {
        (Int((itemIndices >> UInt32(8 * i)) & 0xFF), Int((quantities >> UInt32(8 * i)) & 0xFF))
    }
}

/// The fields an order exposes to templates as `{{order.NAME}}`.
public enum OrderField: String, Sendable, CaseIterable, Hashable {
    case id, idempotencyKey, student, dorm, gate, canteen, items, total, slot, payment, pickupPoint

    /// How a field renders when a JSON body string is exactly this one placeholder.
    public enum JSONKind: Sendable { case string, array, number, stringOrNull }

    public var jsonKind: JSONKind {
        switch self {
        case .items: .array
        case .total: .number
        case .pickupPoint: .stringOrNull
        default: .string
        }
    }
}

/// Generates the seeded, campus-shaped order stream: order `i` depends only on the seed and `i`, so the stream is the
/// same however arrivals are spread over event loops or machines.
public struct OrderGenerator: Sendable {
    public let seed: UInt64

    private let dormChoice: WeightedChoice
    private let vendorChoice: WeightedChoice
    private let paymentChoice: WeightedChoice
    private let tables: Tables

    /// Byte forms of every catalog string, built once so rendering never allocates.
    final class Tables: Sendable {
        let dormIDs: [[UInt8]]
        let dormGates: [[UInt8]]
        let vendorIDs: [[UInt8]]
        let skus: [[[UInt8]]]
        let prices: [[Int]]
        let fees: [Int]
        let slots: [[UInt8]]
        let payments: [[UInt8]]
        let pickupPoints: [[UInt8]]

        init() {
            dormIDs = CampusCatalog.dorms.map { Array($0.id.utf8) }
            dormGates = CampusCatalog.dorms.map { Array($0.gate.utf8) }
            vendorIDs = CampusCatalog.vendors.map { Array($0.id.utf8) }
            skus = CampusCatalog.vendors.map { $0.items.map { Array($0.sku.utf8) } }
            prices = CampusCatalog.vendors.map { $0.items.map(\.priceCents) }
            fees = CampusCatalog.vendors.map(\.deliveryFeeCents)
            slots = CampusCatalog.slots.map { Array($0.utf8) }
            payments = CampusCatalog.paymentMethods.map { Array($0.id.utf8) }
            pickupPoints = CampusCatalog.pickupPoints.map { Array($0.utf8) }
        }
    }

    private static let orderStream: UInt64 = 0x6F72_6465_7273  // "orders"
    private static let studentStream: UInt64 = 0x7374_7564  // "stud"

    public init(seed: UInt64) {
        self.seed = seed
        dormChoice = WeightedChoice(weights: CampusCatalog.dorms.map(\.residents))
        vendorChoice = WeightedChoice(weights: CampusCatalog.vendors.map(\.popularity))
        paymentChoice = WeightedChoice(weights: CampusCatalog.paymentMethods.map(\.share))
        tables = Tables()
    }

    /// The dorm a student lives in: fixed per student and seed, weighted by dorm size.
    public func dorm(ofStudent student: Int) -> Int {
        var rng = SplitMix64(
            seed: SplitMix64.mix(
                seed: seed, stream: OrderGenerator.studentStream,
                index: UInt64(student)))
        return dormChoice.pick(using: &rng)
    }

    /// Order number `index` of the stream.
    public func order(at index: UInt64) -> SyntheticOrder {
        var rng = SplitMix64(seed: SplitMix64.mix(seed: seed, stream: OrderGenerator.orderStream, index: index))
        let student = 1 + rng.nextInt(below: CampusCatalog.studentCount)
        let vendor = vendorChoice.pick(using: &rng)
        let menuSize = tables.skus[vendor].count
        // 1 item 50 %, 2 items 30 %, 3 items 15 %, 4 items 5 %.
        let countDraw = rng.nextInt(below: 100)
        let wanted = countDraw < 50 ? 1 : countDraw < 80 ? 2 : countDraw < 95 ? 3 : 4
        let itemCount = min(wanted, menuSize)
        var chosen: UInt32 = 0  // bit set of chosen item indices
        var itemIndices: UInt32 = 0
        var quantities: UInt32 = 0
        var subtotal = 0
        for slot in 0..<itemCount {
            var pick = rng.nextInt(below: menuSize)
            while chosen & (1 << UInt32(pick)) != 0 { pick = (pick + 1) % menuSize }
            chosen |= 1 << UInt32(pick)
            let qtyDraw = rng.nextInt(below: 100)
            let qty = qtyDraw < 80 ? 1 : qtyDraw < 97 ? 2 : 3
            itemIndices |= UInt32(pick) << UInt32(8 * slot)
            quantities |= UInt32(qty) << UInt32(8 * slot)
            subtotal += qty * tables.prices[vendor][pick]
        }
        // Lunch slots 60 %, dinner 40 %; within a meal, slots near the middle are busier (triangular).
        let lunch = rng.nextInt(below: 100) < 60
        let mealSlots = lunch ? CampusCatalog.lunchSlots.count : CampusCatalog.dinnerSlots.count
        let triangular = (rng.nextInt(below: mealSlots) + rng.nextInt(below: mealSlots) + 1) / 2
        let slot = (lunch ? 0 : CampusCatalog.lunchSlots.count) + min(triangular, mealSlots - 1)
        let payment = paymentChoice.pick(using: &rng)
        let pickup =
            rng.nextInt(below: 100) < CampusCatalog.pickupSharePercent
            ? rng.nextInt(below: CampusCatalog.pickupPoints.count) : -1
        let keyHigh = rng.next()
        let keyLow = rng.next()
        return SyntheticOrder(
            index: index, student: student, dorm: dorm(ofStudent: student), vendor: vendor, itemCount: itemCount,
            itemIndices: itemIndices, quantities: quantities, slot: slot, payment: payment, pickupPoint: pickup,
            totalCents: subtotal + (pickup >= 0 ? 0 : tables.fees[vendor]), keyHigh: keyHigh, keyLow: keyLow
        )
    }

    // MARK: - Rendering

    /// Writes one field of an order. `quoted` wraps string fields in JSON quotes (for a body value that is exactly
    /// this placeholder); array and number fields are always written as JSON.
    @inlinable
    public func write(
        _ field: OrderField, of order: SyntheticOrder, quoted: Bool, into sink: inout some TemplateByteSink
    ) {
        _write(field, of: order, quoted: quoted, into: &sink)
    }

    @usableFromInline
    func _write(_ field: OrderField, of order: SyntheticOrder, quoted: Bool, into sink: inout some TemplateByteSink) {
        let quote = UInt8(ascii: "\"")
        switch field {
        case .items:
            writeItems(of: order, into: &sink)
            return
        case .total:
            sink.appendCents(order.totalCents)
            return
        case .pickupPoint where order.pickupPoint < 0:
            if quoted { sink.appendBytes(OrderGenerator.nullBytes) }
            return
        default:
            break
        }
        if quoted { sink.appendByte(quote) }
        switch field {
        case .id:
            sink.appendBytes(OrderGenerator.idPrefix)
            sink.appendDecimal(order.index)
        case .idempotencyKey:
            // A version-4 style UUID built from 122 seeded bits.
            sink.appendHex(order.keyHigh >> 32, digits: 8)
            sink.appendByte(UInt8(ascii: "-"))
            sink.appendHex((order.keyHigh >> 16) & 0xFFFF, digits: 4)
            sink.appendByte(UInt8(ascii: "-"))
            sink.appendHex(0x4000 | (order.keyHigh & 0x0FFF), digits: 4)
            sink.appendByte(UInt8(ascii: "-"))
            sink.appendHex(0x8000 | ((order.keyLow >> 48) & 0x3FFF), digits: 4)
            sink.appendByte(UInt8(ascii: "-"))
            sink.appendHex(order.keyLow & 0xFFFF_FFFF_FFFF, digits: 12)
        case .student:
            sink.appendBytes(OrderGenerator.studentPrefix)
            sink.appendDecimal(UInt64(order.student), width: 5)
        case .dorm:
            sink.appendBytes(tables.dormIDs[order.dorm])
        case .gate:
            sink.appendBytes(tables.dormGates[order.dorm])
        case .canteen:
            sink.appendBytes(tables.vendorIDs[order.vendor])
        case .slot:
            sink.appendBytes(tables.slots[order.slot])
        case .payment:
            sink.appendBytes(tables.payments[order.payment])
        case .pickupPoint:
            sink.appendBytes(tables.pickupPoints[order.pickupPoint])
        case .items, .total:
            break
        }
        if quoted { sink.appendByte(quote) }
    }

    private func writeItems(of order: SyntheticOrder, into sink: inout some TemplateByteSink) {
        sink.appendByte(UInt8(ascii: "["))
        for i in 0..<order.itemCount {
            let (item, qty) = order.item(at: i)
            if i > 0 { sink.appendByte(UInt8(ascii: ",")) }
            sink.appendBytes(OrderGenerator.skuOpen)
            sink.appendBytes(tables.skus[order.vendor][item])
            sink.appendBytes(OrderGenerator.qtyOpen)
            sink.appendDecimal(UInt64(qty))
            sink.appendBytes(OrderGenerator.priceOpen)
            sink.appendDecimal(UInt64(tables.prices[order.vendor][item]))
            sink.appendByte(UInt8(ascii: "}"))
        }
        sink.appendByte(UInt8(ascii: "]"))
    }

    @usableFromInline static let nullBytes: [UInt8] = Array("null".utf8)
    @usableFromInline static let idPrefix: [UInt8] = Array("ord-".utf8)
    @usableFromInline static let studentPrefix: [UInt8] = Array("stu-".utf8)
    static let skuOpen: [UInt8] = Array("{\"sku\":\"".utf8)
    static let qtyOpen: [UInt8] = Array("\",\"qty\":".utf8)
    static let priceOpen: [UInt8] = Array(",\"price\":".utf8)

    /// Renders a field as a `String` (for summaries, tests and tools; not for the hot path).
    public func string(_ field: OrderField, of order: SyntheticOrder) -> String {
        var bytes: [UInt8] = []
        write(field, of: order, quoted: false, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
