/// The page's charts: throughput, error rate and latency over drill time with fault windows, incidents and recovery
/// points, and the capacity chart.
extension HTMLReportRenderer.Page {
    // MARK: Charts over drill time

    mutating func charts() {
        let r = report
        let series = TimeSeries(r)
        let bands = timeBands()
        let markers = timeMarkers()
        let lastPoint = (series.t.last ?? 0) + series.stepSeconds / 2
        let end = Swift.max(r.durationSeconds.isFinite ? r.durationSeconds : 0, lastPoint, 1)
        let x = SVGChart.Axis(label: "drill time", format: .seconds, minimum: 0, maximum: end)
        open("charts", "Over drill time")
        if series.isEmpty {
            paragraph("The report has no timeline: nothing to draw.", class: "note")
        } else {
            var note = "Points are \(h(series.source))."
            if !bands.isEmpty {
                note += " Shaded: fault windows (labelled with the fault's name)"
                note += bands.contains { $0.style == .incident } ? " and unplanned incidents." : "."
            }
            if !markers.isEmpty {
                note += " Dashed lines: impact starts, recovery points\(r.abort == nil ? "" : ", the abort")."
            }
            paragraph(note, class: "note")
        }

        // 1. Throughput.
        var throughput = SVGChart(
            title: "Throughput", id: "chart-throughput", x: x,
            y: .init(label: "requests/s", format: .number(unit: "/s")), bands: bands, markers: markers)
        throughput.series = [
            .init(name: "ok/s", x: series.t, y: series.okPerSecond, style: .area, color: SVGChart.green),
            .init(name: "errors/s", x: series.t, y: series.errorsPerSecond, color: SVGChart.red),
        ]
        if series.droppedPerSecond.contains(where: { $0 > 0 }) {
            throughput.series.append(
                .init(
                    name: "dropped/s", x: series.t, y: series.droppedPerSecond, style: .dashed,
                    color: SVGChart.orange))
        }
        if let b = r.recovery?.baseline, b.throughput > 0 {
            let label = "baseline \(SummaryRenderer.rate(b.throughput)) ok/s"
            throughput.references.append(.init(y: b.throughput, label: label, style: .baseline))
        }
        decorate(&throughput)
        figure(throughput, caption: "Requests completed per second: successful (ok/s) and failed (errors/s).")

        // 2. Error rate.
        var errorRate = SVGChart(
            title: "Error rate", id: "chart-error-rate", x: x,
            y: .init(label: "failed share of requests", format: .percent), bands: bands, markers: markers)
        errorRate.series = [
            .init(name: "error rate", x: series.t, y: series.errorRate, style: .area, color: SVGChart.red)
        ]
        if let limit = objectiveLimit("errorRate") {
            errorRate.references.append(.init(y: limit, label: "SLO \(SummaryRenderer.percent(limit))"))
        }
        if let rec = r.recovery, let b = rec.baseline {
            let threshold = b.errorRate + rec.settings.errorTolerance
            if threshold > 0, threshold < 1 {
                let label = "degraded above \(SummaryRenderer.percent(threshold))"
                errorRate.references.append(.init(y: threshold, label: label, style: .baseline))
            }
        }
        decorate(&errorRate)
        figure(errorRate, caption: "Failed over completed requests in each step (gaps: nothing completed).")

        // 3. Latency.
        var latency = SVGChart(
            title: "Latency", id: "chart-latency", x: x,
            y: .init(label: "latency (ms)", format: .milliseconds), bands: bands, markers: markers)
        latency.series = [
            .init(name: "p50", x: series.t, y: series.p50, color: SVGChart.blue),
            .init(name: "p99", x: series.t, y: series.p99, color: SVGChart.purple),
        ]
        // The SLO line only when it is near the data: a 1 s limit over 5 ms latencies would flatten the lines.
        let highest = series.p99.filter(\.isFinite).max() ?? 0
        if let limit = objectiveLimit("p99"), limit <= max(highest, 1) * 4 {
            latency.references.append(.init(y: limit, label: "SLO p99 \(SummaryRenderer.ms(limit))"))
        }
        if let b = r.recovery?.baseline, b.p99Ms > 0 {
            let label = "baseline p99 \(SummaryRenderer.ms(b.p99Ms))"
            latency.references.append(.init(y: b.p99Ms, label: label, style: .baseline))
        }
        decorate(&latency)
        figure(
            latency,
            caption: "Request latency from the intended send time (coordinated-omission correct), per step: "
                + "p50 and p99 of the requests that completed in it.")
        close()
    }

    /// Fault windows (actual, else planned; skipped faults are not drawn) and unplanned incidents, in seconds.
    func timeBands() -> [SVGChart.Band] {
        let r = report
        var bands: [SVGChart.Band] = []
        if let faults = r.faults, !faults.isEmpty {
            for f in faults where f.outcome != .skipped {
                let start = f.actualStartMs ?? f.plannedStartMs
                let end = f.actualEndMs ?? f.plannedEndMs
                let detail = "\(f.name): \(f.type) on \(f.on), \(offset(start))–\(end.map(offset) ?? "end")"
                bands.append(
                    .init(from: start / 1000, to: end.map { $0 / 1000 }, label: f.name, detail: detail))
            }
        } else {
            for f in r.recovery?.faults ?? [] {
                let detail = "\(f.fault): \(offset(f.startMs))–\(f.endMs.map(offset) ?? "end")"
                bands.append(
                    .init(from: f.startMs / 1000, to: f.endMs.map { $0 / 1000 }, label: f.fault, detail: detail))
            }
        }
        for incident in r.recovery?.incidents ?? [] where incident.fault == nil {
            let end = incident.recoveredAtMs ?? (incident.startMs + incident.durationMs)
            let causes = incident.causes.joined(separator: ", ")
            let until = incident.recoveredAtMs.map(offset) ?? "not recovered"
            bands.append(
                .init(
                    from: incident.startMs / 1000, to: end / 1000, label: "incident #\(incident.id)",
                    style: .incident,
                    detail: "unplanned incident #\(incident.id) (\(causes)): "
                        + "\(offset(incident.startMs))–\(until)"))
        }
        return bands
    }

    /// Impact starts and recovery points of the incidents, and the abort.
    func timeMarkers() -> [SVGChart.Marker] {
        var markers: [SVGChart.Marker] = []
        for i in report.recovery?.incidents ?? [] {
            markers.append(.init(x: i.startMs / 1000, label: "#\(i.id) impact", style: .impact))
            if let at = i.recoveredAtMs {
                markers.append(.init(x: at / 1000, label: "#\(i.id) recovered", style: .recovery))
            }
        }
        if let a = report.abort { markers.append(.init(x: a.atMs / 1000, label: "abort", style: .neutral)) }
        return markers
    }

    /// The plan's SLO limit for an objective, in chart units (ms, share); nil when absent or unreadable.
    func objectiveLimit(_ name: String) -> Double? {
        guard let o = report.slo.first(where: { $0.name == name }) else { return nil }
        return name == "errorRate"
            ? HTMLReportRenderer.parseShare(o.limit) : HTMLReportRenderer.parseMilliseconds(o.limit)
    }

    // MARK: Capacity

    mutating func capacity() {
        guard let c = report.capacity else { return }
        open("capacity", "Capacity")
        var facts: [String] = []
        if let cap = c.capacity {
            var s = "<strong>\(c.limitReached ? "" : "at least ")\(h(SummaryRenderer.rate(cap))) journeys/s"
            s += "</strong> carried within the SLO"
            if let at = c.throughputAtCapacity {
                s += " (achieved \(h(SummaryRenderer.rate(at))) journeys/s there)"
            }
            facts.append(s)
        } else {
            facts.append("<strong>no rate</strong> was carried within the SLO for a whole window")
        }
        facts.append("window \(h(SummaryRenderer.ms(c.windowMs)))")
        if let at = c.brokeAtMs {
            var s = "SLO first broke at \(h(offset(at)))"
            if let rate = c.brokeAtRate { s += " (offered \(h(SummaryRenderer.rate(rate))) journeys/s)" }
            if !c.brokenBy.isEmpty { s += " by \(h(c.brokenBy.joined(separator: ", ")))" }
            facts.append(s)
        } else if !c.limitReached {
            facts.append("the SLO never broke")
        }
        facts.append("peak \(h(SummaryRenderer.rate(c.peakThroughput))) journeys/s")
        facts.append("past the knee: \(h(c.pastKnee))")
        paragraph(facts.joined(separator: " · "))
        if let f = c.forecast {
            var s = "Forecast: peak \(h(SummaryRenderer.rate(f.peakRate))) journeys/s × headroom "
            s += "\(h(SummaryRenderer.fixed(f.headroom, 2))) = "
            s += "<strong>\(h(SummaryRenderer.rate(f.required))) journeys/s required</strong>: "
            s += f.covered ? "covered" : "NOT covered"
            if let m = f.margin { s += " (margin \(h(signedPercent(m))))" }
            paragraph(s + ".", class: f.covered ? "good" : "bad")
        }

        let points = c.points.sorted { ($0.offered, $0.t) < ($1.offered, $1.t) }
        let offered = points.map(\.offered)
        var chart = SVGChart(
            title: "Achieved against offered rate", id: "chart-capacity",
            x: .init(label: "offered (journeys/s)", format: .number(unit: "/s")),
            y: .init(label: "achieved (journeys/s)", format: .number(unit: "/s")),
            y2: .init(label: "p99 (ms)", format: .milliseconds))
        let p99 = points.map { $0.p99Ms > 0 ? $0.p99Ms : .nan }
        chart.series = [
            .init(name: "achieved", x: offered, y: points.map(\.achieved), style: .dots, color: SVGChart.green),
            .init(name: "p99", x: offered, y: p99, color: SVGChart.purple, axis: .right),
        ]
        if let lo = offered.min(), let hi = offered.max(), hi > lo {
            chart.series.append(
                .init(name: "achieved = offered", x: [lo, hi], y: [lo, hi], style: .dashed, color: SVGChart.grey))
        }
        if let cap = c.capacity {
            chart.markers.append(.init(x: cap, label: "capacity \(SummaryRenderer.rate(cap))/s", style: .knee))
        }
        if let f = c.forecast {
            let label = "forecast need \(SummaryRenderer.rate(f.required))/s"
            chart.markers.append(.init(x: f.required, label: label, style: .forecast))
        }
        if let limit = objectiveLimit("p99") {
            chart.references.append(.init(y: limit, label: "SLO p99 \(SummaryRenderer.ms(limit))", axis: .right))
        }
        figure(
            chart,
            caption: "One point per second of the ramp: journeys completed successfully against the planned "
                + "arrival rate, and the p99 latency (right axis).")
        close()
    }
}
