import Hummingbird
import NIOCore

/// Counts every request by route, method and status, and times it by route.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: CampusMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = NIODeadline.now()
        var status = 500
        defer {
            let route = context.endpointPath ?? "unmatched"
            metrics.count(
                "campus_http_requests_total",
                [("route", route), ("method", request.method.rawValue), ("status", String(status))])
            metrics.time(
                "campus_http_request_duration_seconds", [("route", route)],
                nanoseconds: Int64((NIODeadline.now() - started).nanoseconds))
        }
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            status = Int(error.status.code)
            throw error
        }
    }
}
