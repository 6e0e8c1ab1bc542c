import StormDrillPlan

/// Where the driver serves its Prometheus metrics: `--metrics [HOST:]PORT` (loopback unless a host is given).
public struct MetricsOptions: Sendable, Hashable {
    public var host: String
    /// 0 picks a free port (`DrillRunner.Options.onMetrics` is told which).
    public var port: Int

    public static let defaultHost = "127.0.0.1"

    public init(host: String = MetricsOptions.defaultHost, port: Int) {
        self.host = host
        self.port = port
    }

    /// Whether only this machine can reach it.
    public var isLoopback: Bool { NetworkAddress.isLoopback(host: host) }

    /// `9464`, `127.0.0.1:9464`, `0.0.0.0:9464` or `[::1]:9464`; nil for anything else (the live view's syntax).
    public static func parse(_ text: String) -> MetricsOptions? {
        LiveOptions.parse(text).map { MetricsOptions(host: $0.host, port: $0.port) }
    }
}
