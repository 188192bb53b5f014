import Foundation

/// A line chart written as SVG, for the experiments' pictures (accuracy against N, outcome
/// probability along a path). No dependencies: the file opens in any browser, and `PNGConverter`
/// turns it into a PNG where a converter is installed.
///
///     var chart = LineChart(title: "Accuracy", xLabel: "N", yLabel: "accuracy")
///     chart.series.append(.init(name: "best-of-N", points: [(1, 0.1), (4, 0.2)]))
///     try chart.svg().write(toFile: "plot.svg", atomically: true, encoding: .utf8)
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var dashed: Bool
        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    /// Tick positions on the x axis and their labels (default: five evenly spaced numbers).
    public var xTicks: [(x: Double, label: String)]?
    /// Slant the x tick labels (for token labels).
    public var slantedXLabels = false
    /// The x axis is log2 (for budgets 1, 2, 4, …).
    public var logX = false
    /// x positions marked by a dashed vertical line (forking tokens).
    public var markers: [Double] = []
    /// The y range; nil fits the data (from 0).
    public var yRange: ClosedRange<Double>?
    public var width = 720.0
    public var height = 420.0

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// A standalone SVG document.
    public func svg() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"sans-serif\">\n"
            + body() + "</svg>\n"
    }

    /// Several charts one above the other in one SVG document.
    public static func stacked(_ charts: [LineChart]) -> String {
        let w = charts.map(\.width).max() ?? 0, h = charts.reduce(0) { $0 + $1.height }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(w))\" height=\"\(n(h))\" viewBox=\"0 0 \(n(w)) \(n(h))\" font-family=\"sans-serif\">\n"
        var y = 0.0
        for c in charts {
            out += "<g transform=\"translate(0,\(n(y)))\">\n" + c.body() + "</g>\n"
            y += c.height
        }
        return out + "</svg>\n"
    }

    package func body() -> String {
        let left = 64.0, right = 170.0, top = 36.0, bottom = slantedXLabels ? 96.0 : 52.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) } + (xTicks?.map(\.x) ?? [])
        let tx: (Double) -> Double = { logX ? log2(max($0, 1e-9)) : $0 }
        let x0 = tx(xs.min() ?? 0), x1 = max(tx(xs.max() ?? 1), x0 + 1e-9)
        let ys = series.flatMap { $0.points.map(\.y) }
        let yr = yRange ?? 0...Self.niceCeiling(max(ys.max() ?? 1, 1e-9))
        func px(_ x: Double) -> Double { left + (tx(x) - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * plotH }

        var s = "<rect width=\"\(n(width))\" height=\"\(n(height))\" fill=\"white\"/>\n"
        s += "<text x=\"\(n(left))\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>\n"
        // Grid and y ticks.
        for i in 0...5 {
            let v = yr.lowerBound + Double(i) / 5 * (yr.upperBound - yr.lowerBound), y = py(v)
            s += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(left + plotW))\" y2=\"\(n(y))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(n(left - 6))\" y=\"\(n(y + 4))\" font-size=\"11\" text-anchor=\"end\">\(Self.format(v))</text>\n"
        }
        let ticks = xTicks ?? (0...4).map { i in
            let v = x0 + Double(i) / 4 * (x1 - x0)
            let x = logX ? pow(2, v) : v
            return (x, Self.format(x))
        }
        for t in ticks {
            let x = px(t.x)
            s += "<line x1=\"\(n(x))\" y1=\"\(n(top + plotH))\" x2=\"\(n(x))\" y2=\"\(n(top + plotH + 4))\" stroke=\"#333\"/>\n"
            if slantedXLabels {
                s += "<text x=\"\(n(x))\" y=\"\(n(top + plotH + 12))\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-60 \(n(x)) \(n(top + plotH + 12)))\">\(escape(t.label))</text>\n"
            } else {
                s += "<text x=\"\(n(x))\" y=\"\(n(top + plotH + 18))\" font-size=\"11\" text-anchor=\"middle\">\(escape(t.label))</text>\n"
            }
        }
        for m in markers {
            s += "<line x1=\"\(n(px(m)))\" y1=\"\(n(top))\" x2=\"\(n(px(m)))\" y2=\"\(n(top + plotH))\" stroke=\"#d62728\" stroke-dasharray=\"3 3\"/>\n"
        }
        s += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(n(left + plotW / 2))\" y=\"\(n(height - 8))\" font-size=\"12\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text x=\"16\" y=\"\(n(top + plotH / 2))\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(n(top + plotH / 2)))\">\(escape(yLabel))</text>\n"
        // Lines, markers and the legend.
        for (i, line) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let path = line.points.map { "\(n(px($0.x))),\(n(py($0.y)))" }.joined(separator: " ")
            s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            if line.points.count <= 40 {
                for p in line.points { s += "<circle cx=\"\(n(px(p.x)))\" cy=\"\(n(py(p.y)))\" r=\"3\" fill=\"\(color)\"/>\n" }
            }
            let ly = top + 8 + Double(i) * 18
            s += "<line x1=\"\(n(left + plotW + 12))\" y1=\"\(n(ly))\" x2=\"\(n(left + plotW + 32))\" y2=\"\(n(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            s += "<text x=\"\(n(left + plotW + 38))\" y=\"\(n(ly + 4))\" font-size=\"11\">\(escape(line.name))</text>\n"
        }
        return s
    }

    /// 1, 2 or 5 times a power of ten, at least `v`.
    static func niceCeiling(_ v: Double) -> Double {
        let p = pow(10, floor(log10(v)))
        for m in [1.0, 2, 5, 10] where m * p >= v - 1e-12 { return m * p }
        return 10 * p
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        return String(format: "%.2f", v)
    }

    private func n(_ v: Double) -> String { Self.n(v) }
    private static func n(_ v: Double) -> String { String(format: "%.1f", v) }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// Converts an SVG file to PNG with whichever converter is installed (rsvg-convert, ImageMagick,
/// Inkscape); returns the PNG's path, or nil when none is.
public enum PNGConverter {
    public static func convert(svg path: String) -> String? {
        let png = (path as NSString).deletingPathExtension + ".png"
        let candidates: [(String, [String])] = [
            ("rsvg-convert", ["-o", png, path]), ("magick", [path, png]), ("convert", [path, png]),
            ("inkscape", [path, "--export-filename=\(png)"]),
        ]
        for (tool, args) in candidates {
            guard let exe = which(tool) else { continue }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            p.waitUntilExit()
            if p.terminationStatus == 0 && FileManager.default.fileExists(atPath: png) { return png }
        }
        return nil
    }

    static func which(_ tool: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
