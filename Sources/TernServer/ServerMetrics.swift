import Foundation
import TernLM

/// Counters for `GET /metrics`, in Prometheus' text format.
final class ServerMetrics: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var requests: [String: Int] = [:]  // "endpoint status" → count
    private var promptTokens = 0, completionTokens = 0
    private var seconds = 0.0, timed = 0
    private var inFlight = 0

    func started() { lock.withLock { inFlight += 1 } }

    func finished(endpoint: String, status: Int, seconds s: Double) {
        lock.withLock {
            inFlight -= 1
            requests["\(endpoint) \(status)", default: 0] += 1
            seconds += s
            timed += 1
        }
    }

    /// Adds a completed generation's tokens.
    func count(_ usage: Usage) {
        lock.withLock {
            promptTokens += usage.promptTokens
            completionTokens += usage.completionTokens
        }
    }

    var text: String {
        lock.withLock {
            var out = "# HELP tern_requests_total Requests answered, by endpoint and status.\n# TYPE tern_requests_total counter\n"
            for (key, n) in requests.sorted(by: { $0.key < $1.key }) {
                let parts = key.split(separator: " ")
                out += "tern_requests_total{endpoint=\"\(parts[0])\",status=\"\(parts[1])\"} \(n)\n"
            }
            out += "# HELP tern_requests_in_flight Requests being answered now.\n# TYPE tern_requests_in_flight gauge\n"
            out += "tern_requests_in_flight \(inFlight)\n"
            out += "# HELP tern_prompt_tokens_total Prompt tokens processed.\n# TYPE tern_prompt_tokens_total counter\n"
            out += "tern_prompt_tokens_total \(promptTokens)\n"
            out += "# HELP tern_completion_tokens_total Tokens generated.\n# TYPE tern_completion_tokens_total counter\n"
            out += "tern_completion_tokens_total \(completionTokens)\n"
            out += "# HELP tern_request_duration_seconds Time to answer a request.\n# TYPE tern_request_duration_seconds summary\n"
            out += "tern_request_duration_seconds_sum \(seconds)\ntern_request_duration_seconds_count \(timed)\n"
            return out
        }
    }
}
