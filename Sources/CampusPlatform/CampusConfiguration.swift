/// Everything that configures a campus platform: profile, storage, addresses and timing.
public struct CampusConfiguration: Sendable {
    public var profile: CampusProfile
    /// The folder holding `campus.sqlite`. `nil`: a fresh temporary folder, removed at a clean shutdown.
    public var dataDirectory: String?
    /// Address the order service (and the student page) binds; the dependencies always bind 127.0.0.1, since their
    /// admin routes (outages, gates) have no authentication.
    public var host: String
    /// Port of the order service (0 picks a free one).
    public var orderPort: Int
    /// Ports of the dependencies (0 picks a free one).
    public var paymentPort: Int
    public var dispatchPort: Int
    public var notificationPort: Int
    /// Base URLs the order service calls its dependencies at (e.g. a fault proxy in front of each). `nil`: straight to
    /// the dependency this platform started.
    public var paymentURL: String?
    public var dispatchURL: String?
    public var notificationURL: String?
    public var timing: CampusTiming

    public init(
        profile: CampusProfile = .resilient, dataDirectory: String? = nil, host: String = "127.0.0.1",
        orderPort: Int = 0, paymentPort: Int = 0, dispatchPort: Int = 0, notificationPort: Int = 0,
        paymentURL: String? = nil, dispatchURL: String? = nil, notificationURL: String? = nil,
        timing: CampusTiming = CampusTiming()
    ) {
        self.profile = profile
        self.dataDirectory = dataDirectory
        self.host = host
        self.orderPort = orderPort
        self.paymentPort = paymentPort
        self.dispatchPort = dispatchPort
        self.notificationPort = notificationPort
        self.paymentURL = paymentURL
        self.dispatchURL = dispatchURL
        self.notificationURL = notificationURL
        self.timing = timing
    }
}
