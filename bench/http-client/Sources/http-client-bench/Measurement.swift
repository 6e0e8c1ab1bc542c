import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let rusageSelf = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let rusageSelf = RUSAGE_SELF
#endif

/// Process CPU time (all threads) from getrusage(RUSAGE_SELF).
struct CPUSample {
    var user: Double
    var system: Double

    static func now() -> CPUSample {
        var usage = rusage()
        getrusage(rusageSelf, &usage)
        return CPUSample(user: seconds(usage.ru_utime), system: seconds(usage.ru_stime))
    }

    private static func seconds(_ t: timeval) -> Double {
        Double(t.tv_sec) + Double(t.tv_usec) / 1e6
    }
}

/// Peak resident set size of this process, in bytes (ru_maxrss is KiB on Linux, bytes on Darwin).
func peakRSSBytes() -> Int {
    var usage = rusage()
    getrusage(rusageSelf, &usage)
    #if canImport(Darwin)
    return Int(usage.ru_maxrss)
    #else
    return Int(usage.ru_maxrss) * 1024
    #endif
}

/// What one variant measured over its timed window.
struct Outcome {
    var variant: String
    var eventLoops: Int
    var connections: Int
    var requests: Int
    var errors: Int
    /// Wall time of the timed window: from the first connection attempt until the last response.
    var seconds: Double
    var cpuUser: Double
    var cpuSystem: Double
    var peakRSS: Int
    var errorSample: String?
    /// Variant-specific evidence, appended as `"key":number` pairs.
    var extra: [(String, String)] = []

    var cpuSeconds: Double { cpuUser + cpuSystem }
    var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }
    var cpuMicrosecondsPerRequest: Double { requests > 0 ? cpuSeconds * 1e6 / Double(requests) : 0 }

    /// One line of JSON, keys in a fixed order.
    var jsonLine: String {
        var fields: [String] = [
            "\"variant\":\"\(variant)\"",
            "\"event_loops\":\(eventLoops)",
            "\"connections\":\(connections)",
            "\"requests\":\(requests)",
            "\"errors\":\(errors)",
            "\"seconds\":\(fixed(seconds, 4))",
            "\"requests_per_second\":\(fixed(requestsPerSecond, 1))",
            "\"cpu_seconds\":\(fixed(cpuSeconds, 4))",
            "\"cpu_user_seconds\":\(fixed(cpuUser, 4))",
            "\"cpu_system_seconds\":\(fixed(cpuSystem, 4))",
            "\"cpu_us_per_request\":\(fixed(cpuMicrosecondsPerRequest, 3))",
            "\"peak_rss_bytes\":\(peakRSS)",
        ]
        for (key, value) in extra {
            fields.append("\"\(key)\":\(value)")
        }
        if let errorSample {
            fields.append("\"error_sample\":\"\(jsonEscaped(errorSample))\"")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// A decimal with `digits` fraction digits, without Foundation.
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    var text = String(fraction)
    while text.count < digits { text = "0" + text }
    return (value < 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + text : "")
}

func jsonEscaped(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars.prefix(200) {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20: out += " "
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Seconds between two points on NIO's monotonic clock.
func secondsBetween(_ a: NIODeadline, _ b: NIODeadline) -> Double {
    Double(Int64(b.uptimeNanoseconds) - Int64(a.uptimeNanoseconds)) / 1e9
}
