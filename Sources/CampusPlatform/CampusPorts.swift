/// The ports a running platform bound.
public struct CampusPorts: Sendable, Equatable {
    public var order: Int
    public var payment: Int
    public var dispatch: Int
    public var notification: Int

    public init(order: Int, payment: Int, dispatch: Int, notification: Int) {
        self.order = order
        self.payment = payment
        self.dispatch = dispatch
        self.notification = notification
    }
}
