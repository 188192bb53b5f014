import Foundation
import TernLM

/// `report.html`: one self-contained page (no scripts, no outside files) with the pass-rate table,
/// the comparisons, and every case's output beside its checks, failures first. Everything taken
/// from a model or a suite is escaped.
public enum SuiteReport {
    public static func html(_ r: SuiteResults) -> String {
        var h = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(r.description.isEmpty ? "tern eval" : r.description))</title>
        <style>
        body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:70rem;padding:0 1rem;color:#1d232b}
        table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #d5dbe3;padding:.35rem .6rem;text-align:left;vertical-align:top}
        th{background:#f1f4f8}.pass{color:#1b6e33}.fail{color:#a3231f}.rate{font-variant-numeric:tabular-nums}
        pre{white-space:pre-wrap;margin:0;font:13px/1.4 ui-monospace,monospace;max-height:14rem;overflow:auto}
        details{border:1px solid #d5dbe3;border-radius:6px;margin:.4rem 0;padding:.3rem .7rem}summary{cursor:pointer}
        .muted{color:#5d6876}
        </style></head><body>
        <h1>\(e(r.description.isEmpty ? "tern eval" : r.description))</h1>
        <p class="muted">\(r.rows.count) outputs · \(r.prompts.count) prompts × \(r.providers.count) providers × \(Set(r.rows.map(\.caseIndex)).count) cases × \(r.repeats) repeats · \(String(format: "%.1f", r.seconds)) s · overall pass rate \(pct(r.passRate))</p>
        <h2>Pass rates</h2>
        <table><tr><th>prompt</th>\(r.providers.map { "<th>\(e($0))</th>" }.joined())</tr>
        """
        let sums = r.summaries
        for p in r.prompts {
            h += "<tr><th>\(e(p))</th>"
            for pr in r.providers {
                let s = sums.first { $0.column.prompt == p && $0.column.provider == pr }!
                h += "<td class=\"rate\">\(s.passed)/\(s.total) (\(pct(s.passRate)))</td>"
            }
            h += "</tr>\n"
        }
        h += "</table>\n"
        let comparisons = r.comparisons
        if !comparisons.isEmpty {
            h += "<h2>Comparisons (paired bootstrap, 95% interval)</h2><ul>"
            for c in comparisons { h += "<li class=\"\(c.significant ? (c.difference > 0 ? "pass" : "fail") : "muted")\">\(e(c.sentence))</li>" }
            h += "</ul>\n"
        }
        h += "<h2>Cases</h2>\n"
        for row in r.rows.sorted(by: { ($0.passed ? 1 : 0, $0.caseIndex) < ($1.passed ? 1 : 0, $1.caseIndex) }) {
            h += "<details\(row.passed ? "" : " open")><summary><span class=\"\(row.passed ? "pass" : "fail")\">\(row.passed ? "pass" : "FAIL")</span> "
                + "\(e(row.provider)) · \(e(row.prompt)) · \(e(row.description))\(r.repeats > 1 ? " · repeat \(row.repeatIndex + 1)" : "")"
                + " <span class=\"muted\">score \(String(format: "%.2f", row.score)) · \(Int(row.latencyMs)) ms · \(row.tokens) tokens</span></summary>\n"
            if let err = row.error { h += "<p class=\"fail\">error: \(e(err))</p>" }
            h += "<pre>\(e(row.output))</pre><table><tr><th>assertion</th><th>result</th><th>why</th></tr>"
            for o in row.outcomes {
                h += "<tr><td>\(e(o.assertion))\(o.weight != 1 ? " ×\(o.weight)" : "")</td><td class=\"\(o.passed ? "pass" : "fail")\">\(o.passed ? "pass" : "fail")</td><td>\(e(o.reason))</td></tr>"
            }
            h += "</table><p class=\"muted\">trace rollout \(e(row.rolloutID))</p></details>\n"
        }
        return h + "</body></html>\n"
    }

    static func pct(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }

    /// HTML-escaped text.
    static func e(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
