/// The order service's three dependencies.
enum Dependency: String, Sendable, CaseIterable, Hashable {
    case payment
    case dispatch
    case notification
}
