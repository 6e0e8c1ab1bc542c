import StormDrillReport

/// The live view's pages, style sheets and scripts: files in `Resources/`, embedded in the binary by the package
/// manager (`embedInCode`), plus the drill report's own style sheet so the live pages look like report.html.
enum LiveAssets {
    struct File {
        var bytes: [UInt8]
        var contentType: String
    }

    /// The file served as `/assets/NAME` (or a page), nil for any other name.
    static func file(named name: String) -> File? {
        switch name {
        case "dashboard.html": File(bytes: PackageResources.dashboard_html, contentType: html)
        case "facilitator.html": File(bytes: PackageResources.facilitator_html, contentType: html)
        case "join.html": File(bytes: PackageResources.join_html, contentType: html)
        case "live.css": File(bytes: PackageResources.live_css, contentType: css)
        case "report.css": File(bytes: Array(HTMLReportRenderer.css.utf8), contentType: css)
        case "live.js": File(bytes: PackageResources.live_js, contentType: javascript)
        case "dashboard.js": File(bytes: PackageResources.dashboard_js, contentType: javascript)
        case "facilitator.js": File(bytes: PackageResources.facilitator_js, contentType: javascript)
        case "join.js": File(bytes: PackageResources.join_js, contentType: javascript)
        case "favicon.svg": File(bytes: PackageResources.favicon_svg, contentType: "image/svg+xml")
        default: nil
        }
    }

    static let html = "text/html; charset=utf-8"
    static let css = "text/css; charset=utf-8"
    static let javascript = "text/javascript; charset=utf-8"

    /// Every name served under `/assets/`.
    static let names = [
        "report.css", "live.css", "live.js", "dashboard.js", "facilitator.js", "join.js", "favicon.svg",
    ]
}
