import Foundation

/// Toxiproxy's JSON shapes, both ways: proxies and toxics as its API writes them, and the request bodies it reads.
enum ToxiproxyJSON {
    static func proxy(_ info: ProxyInfo) -> JSONValue {
        .object([
            "name": .string(info.name),
            "listen": .string(info.listen.description),
            "upstream": .string(info.upstream.description),
            "enabled": .bool(info.enabled),
            "protocol": .string(info.proto.rawValue),
            "toxics": .array(info.toxics.map(toxic)),
        ])
    }

    static func toxic(_ info: ToxicInfo) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(info.toxic.name),
            "type": .string(info.toxic.kind.typeName),
            "stream": .string(info.toxic.stream.rawValue),
            "toxicity": .number(info.toxic.toxicity),
            "attributes": .object(info.toxic.kind.attributes),
        ]
        if let stats = info.stats {
            object["stats"] = .object([
                "requests_seen": .number(Double(stats.requestsSeen)),
                "requests_faulted": .number(Double(stats.requestsFaulted)),
            ])
        }
        return .object(object)
    }

    static func error(_ error: FaultProxyError) -> JSONValue {
        .object(["error": .string(error.apiMessage), "status": .number(Double(error.apiStatus))])
    }

    static func encode(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses a request body; an empty or malformed body is Toxiproxy's "bad request body".
    static func decode(_ bytes: [UInt8]) throws -> JSONValue {
        guard !bytes.isEmpty else { throw FaultProxyError.badRequestBody("EOF") }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw FaultProxyError.badRequestBody("not valid JSON")
        }
    }

    static func object(_ value: JSONValue) throws -> [String: JSONValue] {
        guard let object = value.objectValue else { throw FaultProxyError.badRequestBody("expected a JSON object") }
        return object
    }

    /// A proxy in a create or populate body. `enabled` defaults to true, `listen` to 127.0.0.1:0.
    static func proxyConfig(_ object: [String: JSONValue]) throws -> ProxyConfig {
        let f = JSONFields(object)
        let protocolName = try f.string("protocol", "tcp") ?? "tcp"
        guard let proto = ProxyProtocol(rawValue: protocolName) else {
            throw FaultProxyError.badRequestBody("protocol must be tcp or http")
        }
        return ProxyConfig(
            name: try f.string("name", "") ?? "", listen: try f.string("listen", "") ?? "",
            upstream: try f.string("upstream", "") ?? "", enabled: try f.bool("enabled", true), proto: proto)
    }

    /// A toxic in a create body, checked in Toxiproxy's order: stream, default name, type, attributes.
    static func toxic(_ object: [String: JSONValue]) throws -> Toxic {
        let f = JSONFields(object)
        let streamName = try f.string("stream", "downstream") ?? "downstream"
        guard let stream = ToxicStream(rawValue: streamName.lowercased()) else { throw FaultProxyError.invalidStream }
        let type = try f.string("type", "") ?? ""
        var kind = try ToxicKind.defaults(typeName: type)
        switch object["attributes"] {
        case nil, .null?: break
        case .object(let attributes)?: kind = try kind.applying(attributes)
        default: throw FaultProxyError.badRequestBody("attributes must be an object")
        }
        let name = try f.string("name", nil)
        let toxicity = try f.double("toxicity", 1)
        return Toxic(name: name?.isEmpty == false ? name : nil, kind: kind, stream: stream, toxicity: toxicity)
    }
}

extension ProxyConfig {
    /// Reads Toxiproxy's populate format (the `-config` file): a JSON array of `{"name", "listen", "upstream",
    /// "enabled"}` objects, plus StormDrill's optional `"protocol"`.
    /// - Throws: `badRequestBody` or `missingField` with a short reason.
    public static func list(fromJSON bytes: [UInt8]) throws -> [ProxyConfig] {
        guard case .array(let items) = try ToxiproxyJSON.decode(bytes) else {
            throw FaultProxyError.badRequestBody("expected a JSON array of proxies")
        }
        let configs = try items.map { try ToxiproxyJSON.proxyConfig(ToxiproxyJSON.object($0)) }
        for (i, config) in configs.enumerated() {
            if config.name.isEmpty { throw FaultProxyError.missingField("name at proxy \(i + 1)") }
            if config.upstream.isEmpty { throw FaultProxyError.missingField("upstream at proxy \(i + 1)") }
        }
        return configs
    }
}
