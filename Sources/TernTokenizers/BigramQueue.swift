/// A pair of adjacent symbols whose concatenation is a vocabulary token.
struct Bigram {
    /// The score of the token the pair would form.
    var score: Float
    var left: Int32
    var right: Int32
    /// Byte length of the pair when it was queued; a pair whose symbols have since grown is stale.
    var size: Int32

    /// Queue order as llama.cpp's `llm_bigram_spm::comparator`: the highest score first, and of
    /// equal scores the leftmost pair.
    @inline(__always)
    func precedes(_ other: Bigram) -> Bool {
        score > other.score || (score == other.score && left < other.left)
    }
}

/// A binary max-heap of bigrams in `Bigram.precedes` order.
struct BigramQueue {
    private var heap: [Bigram] = []

    var isEmpty: Bool { heap.isEmpty }

    mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    mutating func push(_ bigram: Bigram) {
        heap.append(bigram)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Bigram? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        let count = heap.count
        while true {
            let left = 2 * parent + 1, right = left + 1
            var first = parent
            if left < count, heap[left].precedes(heap[first]) { first = left }
            if right < count, heap[right].precedes(heap[first]) { first = right }
            if first == parent { break }
            heap.swapAt(parent, first)
            parent = first
        }
        return top
    }
}
