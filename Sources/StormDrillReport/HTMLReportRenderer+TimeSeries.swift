// MARK: - Series over drill time

extension HTMLReportRenderer {
    /// The report's timeline as chart points: rates per second at the middle of each step.
    struct TimeSeries {
        /// Seconds from the drill start (middle of each step).
        var t: [Double] = []
        var okPerSecond: [Double] = []
        var errorsPerSecond: [Double] = []
        var droppedPerSecond: [Double] = []
        /// errors / (ok + errors); NaN when nothing completed.
        var errorRate: [Double] = []
        /// ms; NaN when nothing completed.
        var p50: [Double] = []
        var p99: [Double] = []
        /// Length of one step, seconds.
        var stepSeconds: Double = 1
        /// Where the points came from, for the captions.
        var source = ""

        var isEmpty: Bool { t.isEmpty }

        /// From the 100 ms `detail` when present (aggregated to at most about 600 points), else from the per-second
        /// `timeline`.
        init(_ report: DrillReport) {
            if let detail = report.detail, detail.count > 0 {
                self.init(detail: detail)
            } else {
                self.init(timeline: report.timeline)
            }
        }

        init(detail d: TimelineDetail) {
            let resolution = d.resolutionMs > 0 && d.resolutionMs.isFinite ? d.resolutionMs : 100
            let stepMs = HTMLReportRenderer.chartStepMs(slices: d.count, resolutionMs: resolution)
            let k = Swift.max(1, Int((stepMs / resolution).rounded()))
            stepSeconds = stepMs / 1000
            let slice = HTMLReportRenderer.duration(resolution)
            source = "\(HTMLReportRenderer.duration(stepMs)) steps from the \(slice) timeline"
            func at<T: Numeric>(_ a: [T], _ i: Int) -> T { i < a.count ? a[i] : 0 }
            var start = 0
            while start < d.count {
                let end = Swift.min(start + k, d.count)
                var ok = 0
                var errors = 0
                var dropped = 0
                var p99 = -Double.infinity
                var p50Sum = 0.0
                var p50Weight = 0.0
                for i in start..<end {
                    let o = at(d.ok, i)
                    let e = at(d.errors, i)
                    ok += o
                    errors += e
                    dropped += at(d.dropped, i)
                    let q99 = at(d.p99, i)
                    if q99 > 0, q99.isFinite { p99 = Swift.max(p99, q99) }
                    let q50 = at(d.p50, i)
                    if q50 > 0, q50.isFinite {
                        let w = Double(Swift.max(o + e, 1))
                        p50Sum += q50 * w
                        p50Weight += w
                    }
                }
                let seconds = Double(end - start) * resolution / 1000
                t.append((Double(start) * resolution + Double(end - start) * resolution / 2) / 1000)
                okPerSecond.append(Double(ok) / seconds)
                errorsPerSecond.append(Double(errors) / seconds)
                droppedPerSecond.append(Double(dropped) / seconds)
                errorRate.append(ok + errors > 0 ? Double(errors) / Double(ok + errors) : .nan)
                self.p99.append(p99 > 0 ? p99 : .nan)
                p50.append(p50Weight > 0 ? p50Sum / p50Weight : .nan)
                start = end
            }
        }

        init(timeline: [TimelineEntry]) {
            stepSeconds = 1
            source = "1 s steps"
            for e in timeline.sorted(by: { $0.t < $1.t }) {
                t.append(Double(e.t) + 0.5)
                okPerSecond.append(Double(e.ok))
                errorsPerSecond.append(Double(e.errors))
                droppedPerSecond.append(Double(e.dropped))
                errorRate.append(e.ok + e.errors > 0 ? Double(e.errors) / Double(e.ok + e.errors) : .nan)
                p50.append(e.p50 > 0 ? e.p50 : .nan)
                p99.append(e.p99 > 0 ? e.p99 : .nan)
            }
        }
    }
}
