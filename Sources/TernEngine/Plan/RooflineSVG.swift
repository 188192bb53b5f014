import Foundation

/// A roofline plot as one self-contained SVG (no scripts, fonts or links): log-log axes of
/// FLOPs per byte against FLOP/s, the device's roof (bandwidth slope, then the compute ceiling),
/// the balance point, and each layer kind as a labelled point on the roof.
///
///     try RooflineSVG(roof, title: "gemma3 on a100, batch 1").render()
///         .write(toFile: "roof.svg", atomically: true, encoding: .utf8)
public struct RooflineSVG {
    public let roofline: Roofline
    public let title: String

    public init(_ roofline: Roofline, title: String) {
        self.roofline = roofline
        self.title = title
    }

    private let width = 760.0, height = 480.0
    private let left = 80.0, right = 30.0, top = 50.0, bottom = 60.0

    public func render() -> String {
        let device = roofline.device
        let intensities = roofline.points.map(\.intensity).filter { $0 > 0 } + [device.balance]
        // Decades that hold every point and the balance, with a decade of room either side.
        let xLow = floor(log10(intensities.min() ?? 0.1)) - 1, xHigh = ceil(log10(intensities.max() ?? 1000)) + 1
        let yHigh = ceil(log10(device.peakFLOPS)) + 0.5
        let yLow = min(floor(log10(pow(10, xLow) * device.peakBandwidth)), yHigh - 4)
        func x(_ intensity: Double) -> Double { left + (log10(intensity) - xLow) / (xHigh - xLow) * (width - left - right) }
        func y(_ flops: Double) -> Double { top + (yHigh - log10(flops)) / (yHigh - yLow) * (height - top - bottom) }

        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int(width / 2))" y="24" text-anchor="middle" font-size="15">\(escaped(title))</text>

        """
        // Grid and decade labels.
        for decade in stride(from: xLow, through: xHigh, by: 1) {
            let px = x(pow(10, decade))
            svg += line(px, top, px, height - bottom, stroke: "#e4e4e4")
            svg += text(px, height - bottom + 16, "10^\(Int(decade))", anchor: "middle")
        }
        for decade in stride(from: ceil(yLow), through: floor(yHigh), by: 1) {
            let py = y(pow(10, decade))
            svg += line(left, py, width - right, py, stroke: "#e4e4e4")
            svg += text(left - 6, py + 4, "10^\(Int(decade))", anchor: "end")
        }
        svg += line(left, height - bottom, width - right, height - bottom, stroke: "black")
        svg += line(left, top, left, height - bottom, stroke: "black")
        svg += text((left + width - right) / 2, height - 18, "arithmetic intensity (FLOPs per byte)", anchor: "middle")
        svg += "<text x=\"18\" y=\"\(fmt((top + height - bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(fmt((top + height - bottom) / 2)))\">attainable FLOP/s</text>\n"

        // The roof: bandwidth × intensity up to the balance point, then the peak.
        let start = pow(10, xLow), end = pow(10, xHigh)
        let startFLOPS = max(start * device.peakBandwidth, pow(10, yLow))
        let startX = startFLOPS / device.peakBandwidth
        svg += "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"2.5\" points=\"\(fmt(x(startX))),\(fmt(y(startFLOPS))) \(fmt(x(device.balance))),\(fmt(y(device.peakFLOPS))) \(fmt(x(end))),\(fmt(y(device.peakFLOPS)))\"/>\n"
        svg += line(x(device.balance), y(device.peakFLOPS), x(device.balance), height - bottom, stroke: "#1f5fbf", dashed: true)
        svg += text(x(device.balance) + 6, height - bottom - 8, String(format: "balance %.3g FLOP/byte", device.balance), anchor: "start", fill: "#1f5fbf")
        svg += text(x(end) - 4, y(device.peakFLOPS) - 8,
                    "\(device.name): " + String(format: "%.3g TFLOP/s ", device.peakFLOPS / 1e12) + device.precision
                        + String(format: ", %.3g GB/s", device.peakBandwidth / 1e9),
                    anchor: "end", fill: "#1f5fbf")

        // One labelled point per layer kind, labels staggered so neighbours do not overlap.
        for (i, point) in roofline.points.enumerated() where point.intensity > 0 {
            let px = x(point.intensity), py = y(max(point.attainable, pow(10, yLow)))
            let color = point.bound == "memory" ? "#c0392b" : "#27ae60"
            svg += "<circle cx=\"\(fmt(px))\" cy=\"\(fmt(py))\" r=\"5\" fill=\"\(color)\"/>\n"
            let dy = i % 2 == 0 ? -10.0 : 18.0
            svg += text(px + 7, py + dy, point.kind + String(format: " (%.3g)", point.intensity), anchor: "start", fill: color)
        }
        svg += text(left + 8, top + 14, "batch \(roofline.batch), context \(roofline.context); red: memory-bound, green: compute-bound", anchor: "start", fill: "#555")
        return svg + "</svg>\n"
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, dashed: Bool = false) -> String {
        "<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(stroke)\"\(dashed ? " stroke-dasharray=\"5,4\"" : "")/>\n"
    }

    private func text(_ x: Double, _ y: Double, _ s: String, anchor: String, fill: String = "black") -> String {
        "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\">\(escaped(s))</text>\n"
    }

    private func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
