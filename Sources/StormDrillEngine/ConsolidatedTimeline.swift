/// The drill's timeline merged over event loops while the drill runs: each loop hands over its finished 100 ms
/// slices (`LoopWorker.takeFinishedTimeline`) and they are added here at their place on the drill clock.
struct ConsolidatedTimeline: Sendable {
    private(set) var slices: [TimelineBucket] = []

    /// Adds `part`, whose first slice is slice `base` of the drill clock, to what is here.
    mutating func merge(_ part: [TimelineBucket], at base: Int) {
        guard !part.isEmpty else { return }
        let end = base + part.count
        if slices.count < end {
            slices += repeatElement(TimelineBucket(), count: end - slices.count)
        }
        for (i, slice) in part.enumerated() { slices[base + i].merge(slice) }
    }
}
