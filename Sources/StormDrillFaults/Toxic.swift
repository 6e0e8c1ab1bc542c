/// One toxic on a proxy, with Toxiproxy's fields: `name`, `type` with its `attributes`, `stream` and `toxicity`.
public struct Toxic: Sendable, Hashable {
    /// Unique on its proxy; Toxiproxy's default is `<type>_<stream>`.
    public var name: String
    /// The type and its attributes.
    public var kind: ToxicKind
    /// The direction it acts on (default downstream). HTTP faults act on requests and ignore it.
    public var stream: ToxicStream
    /// The share of connections it affects, 0 to 1 (default 1), decided once per connection and direction.
    public var toxicity: Double

    /// - Parameters:
    ///   - name: nil gives Toxiproxy's default `<type>_<stream>`.
    public init(name: String? = nil, kind: ToxicKind, stream: ToxicStream = .downstream, toxicity: Double = 1) {
        self.name = name ?? "\(kind.typeName)_\(stream.rawValue)"
        self.kind = kind
        self.stream = stream
        self.toxicity = toxicity
    }

    /// Throws if the name is empty or too long, the toxicity is outside 0...1 or an attribute is out of range.
    public func validate() throws {
        if name.isEmpty || name.utf8.count > 200 { throw FaultProxyError.invalid("toxic name must be 1 to 200 bytes") }
        if !(0...1).contains(toxicity) { throw FaultProxyError.invalid("toxicity must be from 0 to 1") }
        try kind.validate()
    }
}
