import Foundation

/// An append-only JSONL file of records with ids, safe to interrupt: each record is one line
/// written and flushed whole, and opening the file again drops a torn last line (the one record
/// an interruption can cut) and reports the ids already there, so a run can resume where it
/// stopped without losing or repeating a record.
///
///     let out = try JSONLWriter(path: "synth.jsonl")
///     if !out.contains("if-17") { try out.append(id: "if-17", record) }
public final class JSONLWriter: @unchecked Sendable {  // `lock` guards the handle and ids
    public let path: String
    /// The ids of the records in the file.
    public var ids: Set<String> { lock.withLock { written } }
    /// How many records the file holds.
    public var count: Int { lock.withLock { written.count } }

    public func contains(_ id: String) -> Bool { lock.withLock { written.contains(id) } }
    private var written: Set<String> = []
    private let handle: FileHandle
    private let lock = NSLock()

    public init(path: String) throws {
        self.path = path
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        // Keep everything up to the last newline: a line without one was cut mid-write.
        let end = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        for line in data[..<end].split(separator: UInt8(ascii: "\n")) {
            if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let id = object["id"] as? String {
                written.insert(id)
            }
        }
        handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(end))
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Writes `record` with its "id" as one line, flushed to disk before returning.
    public func append(id: String, _ record: [String: Any]) throws {
        var r = record
        r["id"] = id
        var line = try JSONSerialization.data(withJSONObject: r, options: [.sortedKeys, .withoutEscapingSlashes])
        line.append(UInt8(ascii: "\n"))
        try lock.withLock {
            try handle.write(contentsOf: line)
            try handle.synchronize()
            written.insert(id)
        }
    }
}
