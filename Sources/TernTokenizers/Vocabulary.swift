/// Token texts as bytes, stored back to back, with a hash index from byte string to id.
///
/// The SentencePiece merge loop asks "is this byte range a token?" for every candidate pair, so
/// lookups take a pointer and a length and allocate nothing. The index is open addressing with
/// linear probing over a power-of-two table at most half full, hashed with 64-bit FNV-1a.
struct Vocabulary: Sendable {
    let count: Int
    /// Longest token text in bytes; longer ranges are rejected without hashing.
    let maxLength: Int
    private let storage: [UInt8]
    private let starts: [Int]  // (count + 1): token i is storage[starts[i] ..< starts[i + 1]]
    private let slots: [Int32]  // token id or -1
    private let mask: Int

    /// Throws if two tokens have the same text (llama.cpp refuses such a vocabulary too).
    init(_ texts: [String]) throws(TokenizerError) {
        var storage: [UInt8] = []
        storage.reserveCapacity(texts.count * 8)
        var starts = [0]
        starts.reserveCapacity(texts.count + 1)
        var maxLength = 0
        for (id, text) in texts.enumerated() {
            if text.isEmpty {
                // As llama.cpp: an empty entry would match nothing useful, so give it a unique name.
                storage.append(contentsOf: "[EMPTY_\(id)]".utf8)
            } else {
                storage.append(contentsOf: text.utf8)
            }
            maxLength = max(maxLength, storage.count - starts[starts.count - 1])
            starts.append(storage.count)
        }

        var capacity = 16
        while capacity < 2 * texts.count { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        try storage.withUnsafeBufferPointer { (bytes) throws(TokenizerError) in
            let base = bytes.baseAddress!
            for id in 0..<texts.count {
                let start = starts[id], length = starts[id + 1] - start
                var slot = Self.slot(base + start, length, mask)
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    if starts[other + 1] - starts[other] == length,
                       Self.equal(base + starts[other], base + start, length) {
                        throw TokenizerError(
                            "duplicate token \(String(reflecting: texts[id])) at ids \(other) and \(id): the GGUF vocabulary is corrupt; re-convert the model")
                    }
                    slot = (slot + 1) & mask
                }
                slots[slot] = Int32(id)
            }
        }
        self.count = texts.count
        self.maxLength = maxLength
        self.storage = storage
        self.starts = starts
        self.slots = slots
        self.mask = mask
    }

    /// The id of the token whose text is exactly `bytes[0..<length]`, or -1.
    @inline(__always)
    func id(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> Int {
        guard length > 0, length <= maxLength else { return -1 }
        return storage.withUnsafeBufferPointer { storage in
            var slot = Self.slot(bytes, length, mask)
            while true {
                let candidate = Int(slots[slot])
                if candidate < 0 { return -1 }
                let start = starts[candidate]
                if starts[candidate + 1] - start == length, Self.equal(storage.baseAddress! + start, bytes, length) {
                    return candidate
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The id of the token whose text is `bytes`, or -1.
    func id(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { $0.isEmpty ? -1 : id($0.baseAddress!, $0.count) }
    }

    /// The stored text of token `id` (`0..<count`).
    func text(_ id: Int) -> ArraySlice<UInt8> {
        storage[starts[id] ..< starts[id + 1]]
    }

    @inline(__always)
    private static func slot(_ bytes: UnsafePointer<UInt8>, _ length: Int, _ mask: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<length {
            hash = (hash ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
    }

    @inline(__always)
    private static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        for i in 0..<length where a[i] != b[i] { return false }
        return true
    }
}
