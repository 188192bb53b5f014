import Foundation

/// The tokens still in play at one sampling step, with their logits. Samplers narrow and reshape
/// this list in order; the buffers are reused from step to step, so sampling allocates nothing.
public struct Candidates {
    public var ids: [Int] = []
    public var logits: [Float] = []
    public var count = 0
    /// True when ids/logits are sorted by descending logit.
    public var sorted = false

    public init() {}

    /// Loads every token of `raw` (V logits).
    public mutating func load(_ raw: UnsafeBufferPointer<Float>) {
        if ids.count < raw.count {
            ids = Array(0..<raw.count)
            logits = Array(raw)
        } else {
            // Through buffer pointers: element-wise array writes would check uniqueness every time.
            ids.withUnsafeMutableBufferPointer { p in for i in 0..<raw.count { p[i] = i } }
            logits.withUnsafeMutableBufferPointer { p in p.baseAddress!.update(from: raw.baseAddress!, count: raw.count) }
        }
        count = raw.count
        sorted = false
    }

    /// Sorts the live candidates by descending logit (stable on id for equal logits).
    public mutating func sort() {
        guard !sorted else { return }
        var pairs = (0..<count).map { (logits[$0], ids[$0]) }
        pairs.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        for (i, p) in pairs.enumerated() { logits[i] = p.0; ids[i] = p.1 }
        sorted = true
    }

    /// Keeps the first `k` candidates (call after `sort` or `keepTop`).
    public mutating func truncate(_ k: Int) { count = min(count, max(k, 1)) }

    /// Moves the `k` highest logits to the front, sorted, and drops the rest, in O(V log k).
    public mutating func keepTop(_ k: Int) {
        guard k > 0, k < count else { sort(); return }
        // A min-heap of the best k seen so far, as (logit, id).
        var heap: [(Float, Int)] = []
        heap.reserveCapacity(k)
        func less(_ a: (Float, Int), _ b: (Float, Int)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 > b.1) }
        func siftDown(_ i: Int) {
            var i = i
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && less(heap[l], heap[m]) { m = l }
                if r < heap.count && less(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m); i = m
            }
        }
        // Once the heap is full, a logit below its smallest cannot enter: one comparison each.
        var floor = -Float.infinity
        logits.withUnsafeBufferPointer { lp in
            ids.withUnsafeBufferPointer { ip in
                for i in 0..<count where lp[i] >= floor {
                    let item = (lp[i], ip[i])
                    if heap.count < k {
                        heap.append(item)
                        var c = heap.count - 1
                        while c > 0, less(heap[c], heap[(c - 1) / 2]) { heap.swapAt(c, (c - 1) / 2); c = (c - 1) / 2 }
                    } else if less(heap[0], item) {
                        heap[0] = item
                        siftDown(0)
                    }
                    if heap.count == k { floor = heap[0].0 }
                }
            }
        }
        heap.sort { less($1, $0) }
        for (i, p) in heap.enumerated() { logits[i] = p.0; ids[i] = p.1 }
        count = heap.count
        sorted = true
    }

    /// Shannon entropy (nats) of the softmax of the live candidates, −Σ p ln(p + ε), in Double.
    public func entropy(epsilon: Double = 0) -> Double {
        guard count > 0 else { return 0 }
        var m = -Float.infinity
        for i in 0..<count { m = max(m, logits[i]) }
        var z = 0.0
        for i in 0..<count { z += exp(Double(logits[i] - m)) }
        var h = 0.0
        for i in 0..<count {
            let p = exp(Double(logits[i] - m)) / z
            if p > 0 { h -= p * log(p + epsilon) }
        }
        return h
    }

    /// Softmax probabilities of the live candidates (in candidate order).
    public func probabilities() -> [Float] {
        var m = -Float.infinity
        for i in 0..<count { m = max(m, logits[i]) }
        var p = (0..<count).map { expf(logits[$0] - m) }
        let s = p.reduce(0, +)
        for i in 0..<count { p[i] /= s }
        return p
    }
}
