import StormDrillPlan

/// Per-journey state in the loop's slab; slots are reused so steady state allocates nothing.
struct JourneyState {
    var active = false
    var waiting = false
    var generation: UInt32 = 0
    var journey = 0
    var step = 0
    var lastStep = 0
    var order = SyntheticOrder.empty
    var intendedStart: Int64 = 0
    var stepIntended: Int64 = 0
    var stepSent: Int64 = 0
    var serviceTotal: Int64 = 0
    var user = -1
    var extracts: ExtractSlots

    init(extractSlots: Int) {
        extracts = ExtractSlots(count: extractSlots)
    }
}
