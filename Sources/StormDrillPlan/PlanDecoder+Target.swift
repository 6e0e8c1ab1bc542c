import Foundation

/// Decoding of `target`: the base URL or embedded target, headers, timeout, connections, the target process.
extension PlanDecoder {
    // MARK: - Target

    mutating func decodeTarget(_ node: JSONNode) -> Target? {
        let path: [PathComponent] = [.key("target")]
        guard let m = object(node, path, allowed: PlanDecoder.targetKeys) else { return nil }
        var endpoint: Target.Endpoint?
        switch (m["baseURL"], m["embedded"]) {
        case (nil, nil):
            report(node, path, "needs \"baseURL\" (a running service) or \"embedded\": \"campus\"")
        case (.some(let u), .some):
            report(u, path + [.key("baseURL")], "use either \"baseURL\" or \"embedded\", not both")
        case (.some(let u), nil):
            if var text = string(u, path + [.key("baseURL")]) {
                // The host and port may be {{vars.NAME}}, so `--var host=…` can aim a plan (the address rules apply
                // to what it names); the base path keeps its own templates.
                if let scheme = text.range(of: "://") {
                    let end = text[scheme.upperBound...].firstIndex(of: "/") ?? text.endIndex
                    let authority = String(text[scheme.upperBound..<end])
                    if authority.contains("{{") {
                        guard let substituted = staticText(authority, u, path + [.key("baseURL")]) else { return nil }
                        text = String(text[..<scheme.upperBound]) + substituted + String(text[end...])
                    }
                }
                switch TargetURL.parse(text) {
                case .success(let url):
                    endpoint = .url(url)
                    basePath = url.basePath
                case .failure(let problem):
                    report(u, path + [.key("baseURL")], problem.message)
                }
            }
        case (nil, .some(let e)):
            if let name = string(e, path + [.key("embedded")]) {
                if PlanDecoder.embeddedTargets.contains(name) {
                    endpoint = .embedded(name)
                } else {
                    var message = "unknown embedded target \"\(name)\""
                    if let s = Suggestion.closest(to: name, in: PlanDecoder.embeddedTargets) {
                        message += "; did you mean \"\(s)\"?"
                    } else {
                        message += " (available: campus)"
                    }
                    report(e, path + [.key("embedded")], message)
                }
            }
        }
        var headers: [Header] = []
        if let h = m["headers"] { headers = decodeHeaders(h, path + [.key("headers")], extracts: [:]) ?? [] }
        var timeout = Target.defaultTimeout
        if let t = m["timeout"] { timeout = duration(t, path + [.key("timeout")]) ?? timeout }
        var connections: Int?
        if let c = m["connections"] { connections = integer(c, path + [.key("connections")], min: 1, max: 100_000) }
        var profile: String?
        if let pn = m["profile"], let text = string(pn, path + [.key("profile")]) {
            if case .embedded = endpoint, let value = staticText(text, pn, path + [.key("profile")]) {
                if PlanDecoder.campusProfiles.contains(value) {
                    profile = value
                } else {
                    var message = "unknown campus profile \"\(value)\"; use \"resilient\" or \"fragile\""
                    if let s = Suggestion.closest(to: value, in: PlanDecoder.campusProfiles) {
                        message += "; did you mean \"\(s)\"?"
                    }
                    report(pn, path + [.key("profile")], message)
                }
            } else if endpoint != nil, case .url = endpoint {
                report(
                    pn, path + [.key("profile")],
                    "\"profile\" chooses how the embedded campus platform behaves; it needs \"embedded\": \"campus\"")
            }
        }
        var process: TargetProcess?
        if let p = m["process"] {
            process = decodeTargetProcess(p)
            if case .embedded = endpoint {
                report(p, path + [.key("process")], "a started process needs \"baseURL\", not \"embedded\"")
            }
        }
        var allowPublic = false
        if let a = m["allowPublic"] {
            if case .bool(let b) = a.value {
                allowPublic = b
            } else {
                report(a, path + [.key("allowPublic")], "must be true or false (got \(a.typeName))")
            }
        }
        var tls: TargetTLS?
        if let t = m["tls"] {
            tls = decodeTargetTLS(t)
            switch endpoint {
            case .embedded:
                report(
                    t, path + [.key("tls")], "\"tls\" is for an https:// baseURL; the embedded target speaks plain HTTP"
                )
            case .url(let url) where !url.isTLS:
                report(t, path + [.key("tls")], "\"tls\" needs an https:// baseURL (got \"\(url.scheme)://\")")
            default:
                break
            }
        }
        guard let endpoint else { return nil }
        var target = Target(
            endpoint: endpoint, headers: headers, timeout: timeout, connections: connections, process: process,
            profile: profile, tls: tls)
        target.allowPublic = allowPublic
        return target
    }

    /// Keys of `target.tls`.
    static let tlsKeys = ["ca", "serverName"]
    /// Keys people reach for in `target.tls` that StormDrill does not have, and what to do instead.
    static let tlsElsewhere = [
        "insecure": "certificate verification cannot be turned off; trust a private CA with \"ca\"",
        "verify": "certificate verification cannot be turned off; trust a private CA with \"ca\"",
        "skipVerify": "certificate verification cannot be turned off; trust a private CA with \"ca\"",
        "insecureSkipVerify": "certificate verification cannot be turned off; trust a private CA with \"ca\"",
        "caFile": "write \"ca\"",
        "sni": "write \"serverName\"",
        "cert": "client certificates are not supported",
        "key": "client certificates are not supported",
    ]

    /// `target.tls`: the CA file to trust (resolved against the plan file's folder) and the name to verify.
    mutating func decodeTargetTLS(_ node: JSONNode) -> TargetTLS? {
        let path: [PathComponent] = [.key("target"), .key("tls")]
        guard let m = object(node, path, allowed: PlanDecoder.tlsKeys, elsewhere: PlanDecoder.tlsElsewhere) else {
            return nil
        }
        if node.members?.isEmpty == true {
            report(node, path, "needs \"ca\" (a PEM file of CA certificates to trust) or \"serverName\"")
            return nil
        }
        var tls = TargetTLS()
        if let c = m["ca"], let text = string(c, path + [.key("ca")]),
            let value = staticText(text, c, path + [.key("ca")])
        {
            tls.ca = resolvePlanPath(value)
        }
        if let n = m["serverName"], let text = string(n, path + [.key("serverName")]),
            let value = staticText(text, n, path + [.key("serverName")])
        {
            if let problem = PlanDecoder.serverNameProblem(value) {
                report(n, path + [.key("serverName")], problem)
            } else {
                tls.serverName = value
            }
        }
        return tls
    }

    /// A path as written in the plan, made relative to the plan file's folder (absolute paths stay as they are).
    func resolvePlanPath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = (file as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }

    /// Why `name` cannot be a certificate name to verify and send as SNI, or nil if it can: a DNS name of letters,
    /// digits, hyphens and dots, each label 1…63 characters, 253 at most in all.
    static func serverNameProblem(_ name: String) -> String? {
        let isIPv4 = name.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
        let isIPv6 = name.contains(":") && name.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        if isIPv4 || isIPv6 {
            return "must be a DNS name, not an IP address (got \"\(name)\"); an address is checked against the"
                + " baseURL's host, so put it there"
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            name.utf8.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy {
                        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
                    }
            }
        if !valid {
            return "must be a DNS name such as \"campus.example.edu\" (got \"\(name)\")"
        }
        return nil
    }

    mutating func decodeHeaders(
        _ node: JSONNode, _ path: [PathComponent], extracts: [String: Int], definedLater: Set<String> = []
    ) -> [Header]? {
        guard let members = node.members else {
            report(node, path, "must be an object of header names to string values (got \(node.typeName))")
            return nil
        }
        var out: [Header] = []
        var seen = Set<String>()
        for m in members {
            let p = path + [.key(m.key)]
            guard PlanDecoder.isHeaderToken(m.key) else {
                report(at: m.keyPosition, p, "\"\(m.key)\" is not a valid header name")
                continue
            }
            if PlanDecoder.managedHeaders.contains(m.key.lowercased()) {
                report(at: m.keyPosition, p, "\(m.key) is set by StormDrill and cannot be overridden")
                continue
            }
            if !seen.insert(m.key.lowercased()).inserted {
                report(at: m.keyPosition, p, "duplicate header \"\(m.key)\"")
                continue
            }
            guard let value = m.value.stringValue else {
                report(m.value, p, "must be a string (got \(m.value.typeName))")
                continue
            }
            // Scalars, not Characters: "\r\n" is one Character and would slip past a Character test.
            if let bad = value.unicodeScalars.first(where: { !PlanDecoder.isFieldScalar($0) }) {
                let what = bad == "\r" || bad == "\n" ? "line breaks" : "control characters"
                report(
                    m.value, p,
                    "header values must not contain \(what) (found \(PlanDecoder.scalarName(bad)));"
                        + " a header cannot carry it")
                continue
            }
            if let t = compileTemplate(
                value, node: m.value, p, context: .text, extracts: extracts,
                definedLater: definedLater)
            {
                out.append(Header(name: m.key, value: t))
            }
        }
        return out
    }

    /// What a header value may hold (RFC 9110 field-value): visible characters, space and tab; no other control.
    static func isFieldScalar(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || (s.value >= 0x20 && s.value != 0x7F && !(0x80...0x9F).contains(s.value))
    }

    /// `U+0000`-style name of a scalar, for messages that must not print it raw.
    static func scalarName(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    static func isHeaderToken(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        let extra = Set("!#$%&'*+-.^_`|~".unicodeScalars)
        return s.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || extra.contains($0))
        }
    }
}
