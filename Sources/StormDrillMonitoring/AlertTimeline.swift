import StormDrillPlan
import StormDrillReport

/// The firing intervals of alert series, built from successive polls of `ALERTS{alertstate="firing"}`. Pure: the
/// watcher feeds it, tests feed it by hand. Bounded: at most ``maximumIntervals`` intervals are kept.
public struct AlertTimeline: Sendable, Equatable {
    /// An alert series: its name and labels (without `alertstate`).
    public struct Series: Sendable, Hashable {
        public var alert: String
        public var labels: [String: String]

        public init(alert: String, labels: [String: String]) {
            self.alert = alert
            self.labels = labels
        }

        /// Name and labels in one sortable string.
        var key: String { ExpectedAlert.selector(alert, labels) }

        /// From one sample of `ALERTS`.
        public init?(sample labels: [String: String]) {
            guard let name = labels["alertname"] else { return nil }
            var rest = labels
            rest["alertname"] = nil
            rest["alertstate"] = nil
            self.init(alert: name, labels: rest)
        }
    }

    public static let maximumIntervals = 1000

    public private(set) var intervals: [ObservedAlert] = []
    /// Index into `intervals` of each series firing at the last poll.
    private var open: [Series: Int] = [:]
    public private(set) var polls = 0
    public private(set) var failedPolls = 0
    public private(set) var failedAtMs: [Double] = []
    public private(set) var lastError: String?

    public init() {}

    /// A poll at `atMs` saw these series firing.
    public mutating func observe(atMs: Double, firing: Set<Series>) {
        polls += 1
        for (series, index) in open where !firing.contains(series) {
            intervals[index].resolvedMs = atMs
            open[series] = nil
        }
        // In a stable order, so that intervals first seen in the same poll are listed the same way every time.
        for series in firing.sorted(by: { $0.key < $1.key }) {
            if let index = open[series] {
                intervals[index].lastMs = atMs
            } else if intervals.count < Self.maximumIntervals {
                open[series] = intervals.count
                intervals.append(
                    ObservedAlert(
                        alert: series.alert, labels: series.labels, firstMs: atMs, lastMs: atMs, resolvedMs: nil))
            }
        }
    }

    /// A poll at `atMs` failed: nothing is known of that moment (open intervals stay open).
    public mutating func failed(atMs: Double, error: String) {
        polls += 1
        failedPolls += 1
        if failedAtMs.count < 10_000 { failedAtMs.append(atMs) }
        lastError = String(error.prefix(200))
    }
}
