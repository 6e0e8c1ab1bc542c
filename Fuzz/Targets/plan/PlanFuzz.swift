import StormDrillPlan

/// libFuzzer entry point for the plan decoder: any bytes must decode to a usable plan or to diagnostics with
/// positions inside the input (the properties `PlanFuzzTests` checks), and never trap. A decoded open-model plan is
/// also turned into its arrival schedule and stage arithmetic, as `stormdrill validate --expand` does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    let lines = bytes.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    switch PlanDecoder.decode(bytes, file: "fuzz.json") {
    case .success(let plan):
        precondition(!plan.journeys.isEmpty, "a valid plan without journeys")
        precondition(plan.journeys.allSatisfy { !$0.steps.isEmpty }, "a valid journey without steps")
        precondition(plan.loadDuration > .zero, "a valid plan without load duration")
        if case .open(let open) = plan.load {
            var arrivals = 0.0
            for stage in open.stages { arrivals += stage.arrivals }
            let schedule = ArrivalSchedule(load: open, seed: plan.seed)
            precondition(schedule.expectedArrivals >= 0 && open.peakRate >= 0, "negative arrivals")
            _ = "\(open.duration) \(arrivals)"
        }
    case .failure(let error):
        precondition(!error.diagnostics.isEmpty, "a failure without diagnostics")
        for d in error.diagnostics {
            precondition(d.position.line >= 1 && d.position.line <= lines, "diagnostic outside the input: \(d)")
            precondition(d.position.column >= 1, "diagnostic before column 1: \(d)")
            precondition(!d.message.isEmpty && !d.path.isEmpty, "empty diagnostic: \(d)")
        }
        _ = error.description
    }
    return 0
}
