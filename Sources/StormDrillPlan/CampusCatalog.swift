/// The campus the synthetic orders come from: dorm buildings behind gates, canteens and off-campus merchants with
/// menus and prices (in cents), delivery slots, payment methods and pickup points.
///
/// The embedded campus target serves the same catalog as its menu, so generated orders are valid against it.
public enum CampusCatalog {
    /// A residence hall; every dorm sits behind one campus gate where riders hand orders over.
    public struct Dorm: Sendable {
        public let id: String
        public let name: String
        public let gate: String
        /// Relative number of residents, used to spread students over dorms.
        public let residents: Int
    }

    /// Something a vendor sells.
    public struct MenuItem: Sendable {
        public let sku: String
        public let name: String
        public let priceCents: Int
    }

    /// A canteen on campus or a merchant off campus.
    public struct Vendor: Sendable {
        public enum Kind: String, Sendable { case canteen, merchant }
        public let id: String
        public let name: String
        public let kind: Kind
        /// Opening hours, local time, "HH:MM-HH:MM".
        public let hours: String
        public let deliveryFeeCents: Int
        /// Relative popularity, used to pick the vendor of an order.
        public let popularity: Int
        public let items: [MenuItem]
    }

    public static let dorms: [Dorm] = [
        Dorm(id: "maple-hall", name: "Maple Hall", gate: "north-gate", residents: 900),
        Dorm(id: "birch-hall", name: "Birch Hall", gate: "north-gate", residents: 750),
        Dorm(id: "cedar-court", name: "Cedar Court", gate: "east-gate", residents: 1200),
        Dorm(id: "willow-house", name: "Willow House", gate: "east-gate", residents: 400),
        Dorm(id: "oak-tower", name: "Oak Tower", gate: "south-gate", residents: 1500),
        Dorm(id: "pine-lodge", name: "Pine Lodge", gate: "south-gate", residents: 600),
        Dorm(id: "aspen-village", name: "Aspen Village", gate: "west-gate", residents: 1100),
        Dorm(id: "harbor-apartments", name: "Harbor Apartments", gate: "west-gate", residents: 550),
    ]

    public static let gates = ["north-gate", "east-gate", "south-gate", "west-gate"]

    public static let vendors: [Vendor] = [
        Vendor(
            id: "central-canteen", name: "Central Canteen", kind: .canteen, hours: "10:30-20:30",
            deliveryFeeCents: 150, popularity: 30,
            items: [
                MenuItem(sku: "central-braised-pork-rice", name: "Braised pork rice", priceCents: 1250),
                MenuItem(sku: "central-kung-pao-chicken", name: "Kung pao chicken", priceCents: 1180),
                MenuItem(sku: "central-tomato-egg-noodles", name: "Tomato and egg noodles", priceCents: 890),
                MenuItem(sku: "central-veggie-bowl", name: "Seasonal veggie bowl", priceCents: 950),
                MenuItem(sku: "central-soy-milk", name: "Soy milk", priceCents: 250),
            ]),
        Vendor(
            id: "north-canteen", name: "North Canteen", kind: .canteen, hours: "11:00-20:00",
            deliveryFeeCents: 150, popularity: 20,
            items: [
                MenuItem(sku: "north-beef-noodle-soup", name: "Beef noodle soup", priceCents: 1320),
                MenuItem(sku: "north-fried-rice", name: "Egg fried rice", priceCents: 980),
                MenuItem(sku: "north-dumplings-10", name: "Dumplings (10)", priceCents: 850),
                MenuItem(sku: "north-green-tea", name: "Green tea", priceCents: 300),
            ]),
        Vendor(
            id: "engineering-cafe", name: "Engineering Cafe", kind: .canteen, hours: "08:00-19:00",
            deliveryFeeCents: 150, popularity: 12,
            items: [
                MenuItem(sku: "eng-chicken-wrap", name: "Chicken wrap", priceCents: 1050),
                MenuItem(sku: "eng-caesar-salad", name: "Caesar salad", priceCents: 990),
                MenuItem(sku: "eng-latte", name: "Latte", priceCents: 420),
                MenuItem(sku: "eng-brownie", name: "Brownie", priceCents: 350),
            ]),
        Vendor(
            id: "noodle-house", name: "Noodle House", kind: .merchant, hours: "11:00-23:00",
            deliveryFeeCents: 300, popularity: 12,
            items: [
                MenuItem(sku: "noodle-dan-dan", name: "Dan dan noodles", priceCents: 1450),
                MenuItem(sku: "noodle-wonton-soup", name: "Wonton soup", priceCents: 1280),
                MenuItem(sku: "noodle-spring-rolls", name: "Spring rolls", priceCents: 690),
            ]),
        Vendor(
            id: "pizza-corner", name: "Pizza Corner", kind: .merchant, hours: "11:30-01:00",
            deliveryFeeCents: 300, popularity: 10,
            items: [
                MenuItem(sku: "pizza-margherita", name: "Margherita", priceCents: 1890),
                MenuItem(sku: "pizza-pepperoni", name: "Pepperoni", priceCents: 2190),
                MenuItem(sku: "pizza-garlic-bread", name: "Garlic bread", priceCents: 590),
                MenuItem(sku: "pizza-cola", name: "Cola", priceCents: 250),
            ]),
        Vendor(
            id: "bubble-tea-lab", name: "Bubble Tea Lab", kind: .merchant, hours: "10:00-22:00",
            deliveryFeeCents: 300, popularity: 9,
            items: [
                MenuItem(sku: "tea-milk-tea", name: "Milk tea", priceCents: 520),
                MenuItem(sku: "tea-taro-slush", name: "Taro slush", priceCents: 590),
                MenuItem(sku: "tea-brown-sugar-boba", name: "Brown sugar boba", priceCents: 620),
            ]),
        Vendor(
            id: "green-bowl", name: "Green Bowl", kind: .merchant, hours: "10:30-21:00",
            deliveryFeeCents: 300, popularity: 7,
            items: [
                MenuItem(sku: "green-poke-bowl", name: "Poke bowl", priceCents: 1690),
                MenuItem(sku: "green-falafel-wrap", name: "Falafel wrap", priceCents: 1290),
                MenuItem(sku: "green-smoothie", name: "Berry smoothie", priceCents: 650),
            ]),
    ]

    /// Pickup points where students collect an order themselves instead of waiting at a dorm gate.
    public static let pickupPoints = [
        "library-lockers", "student-union-desk", "sports-center-shelf", "north-gate-kiosk",
    ]

    /// Delivery slots: eight 15-minute lunch slots and ten dinner slots.
    public static let lunchSlots = [
        "11:30-11:45", "11:45-12:00", "12:00-12:15", "12:15-12:30",
        "12:30-12:45", "12:45-13:00", "13:00-13:15", "13:15-13:30",
    ]
    public static let dinnerSlots = [
        "17:30-17:45", "17:45-18:00", "18:00-18:15", "18:15-18:30", "18:30-18:45",
        "18:45-19:00", "19:00-19:15", "19:15-19:30", "19:30-19:45", "19:45-20:00",
    ]
    public static var slots: [String] { lunchSlots + dinnerSlots }

    /// Payment methods with their share of orders (percent).
    public static let paymentMethods: [(id: String, share: Int)] = [
        ("campus-card", 45), ("mobile-wallet", 35), ("credit-card", 15), ("meal-plan", 5),
    ]

    /// Students are numbered 1...studentCount (`stu-00001`...).
    public static let studentCount = 12_000

    /// Share of orders, in percent, that choose a pickup point instead of delivery to the dorm gate.
    public static let pickupSharePercent = 20

    /// Finds a vendor by id.
    public static func vendor(id: String) -> Vendor? { vendors.first { $0.id == id } }

    /// Finds a menu item by SKU across all vendors.
    public static func item(sku: String) -> (vendor: Vendor, item: MenuItem)? {
        for v in vendors {
            if let i = v.items.first(where: { $0.sku == sku }) { return (v, i) }
        }
        return nil
    }
}
