import Foundation

/// A training run's state in one file: the step reached, every parameter's values and the
/// optimizer's moments. Written to a temporary file and renamed into place, so a run killed at
/// any moment leaves either the previous checkpoint or the new one, never half of one.
///
/// Layout: "TERNCKPT", a UInt64 header length, the header (JSON: step, run fingerprint, parameter
/// names and counts), then float32 values, first moments and second moments, parameter by
/// parameter, little-endian.
public struct Checkpoint: Sendable {
    public struct Header: Codable, Sendable, Equatable {
        public var step: Int
        /// Identifies the run (data, model and settings): resuming another run's checkpoint is an error.
        public var fingerprint: String
        public var names: [String]
        public var counts: [Int]
    }

    static let magic = Array("TERNCKPT".utf8)

    /// Writes `parameters` and `optimizer` at `step` to `path` atomically.
    public static func write(to path: String, step: Int, fingerprint: String, parameters: [Parameter], optimizer: AdamW) throws {
        let header = Header(step: step, fingerprint: fingerprint, names: parameters.map(\.name), counts: parameters.map(\.count))
        let json = try JSONEncoder().encode(header)
        var data = Data(magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for p in parameters { data.append(UnsafeBufferPointer(start: p.value, count: p.count)) }
        for (i, p) in parameters.enumerated() { data.append(UnsafeBufferPointer(start: optimizer.m[i], count: p.count)) }
        for (i, p) in parameters.enumerated() { data.append(UnsafeBufferPointer(start: optimizer.v[i], count: p.count)) }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TrainingError("cannot write checkpoint \(path) (\(error.localizedDescription)): check the disk and the --out folder")
        }
    }

    /// Reads the header only (nil when there is no file).
    public static func header(at path: String) throws -> Header? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try parse(data, path: path).header
    }

    /// Restores `parameters` and `optimizer` from `path`; returns the step the checkpoint was taken after.
    public static func restore(from path: String, fingerprint: String, parameters: [Parameter], optimizer: AdamW) throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError("cannot read checkpoint \(path)") }
        let (header, offset) = try parse(data, path: path)
        guard header.fingerprint == fingerprint else {
            throw TrainingError("\(path) belongs to another run (other data, model or settings): use a new --out folder or the original command")
        }
        guard header.names == parameters.map(\.name), header.counts == parameters.map(\.count) else {
            throw TrainingError("\(path) holds other parameters than this model: use a new --out folder")
        }
        let total = parameters.reduce(0) { $0 + $1.count }
        guard data.count == offset + 3 * total * 4 else { throw TrainingError("\(path) is truncated: delete it to start over") }
        data.withUnsafeBytes { raw in
            var at = offset
            func read(into p: UnsafeMutablePointer<Float>, _ n: Int) {
                UnsafeMutableRawPointer(p).copyMemory(from: raw.baseAddress! + at, byteCount: n * 4)
                at += n * 4
            }
            for p in parameters { read(into: p.value, p.count) }
            for (i, p) in parameters.enumerated() { read(into: optimizer.m[i], p.count) }
            for (i, p) in parameters.enumerated() { read(into: optimizer.v[i], p.count) }
            optimizer.restore(steps: header.step)
        }
        return header.step
    }

    private static func parse(_ data: Data, path: String) throws -> (header: Header, offset: Int) {
        guard data.count >= 16, Array(data.prefix(8)) == magic else { throw TrainingError("\(path) is not a Tern checkpoint") }
        let length = data.subdata(in: 8..<16).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard length >= 0, 16 + length <= data.count,
              let header = try? JSONDecoder().decode(Header.self, from: data.subdata(in: 16..<16 + length)) else {
            throw TrainingError("\(path) has a corrupt header: delete it to start over")
        }
        return (header, 16 + length)
    }
}

/// Where a training run resumes: `out` created if needed; with a checkpoint there, the parameters
/// and optimizer restored from it; the log trimmed to the steps the checkpoint covers (a run killed
/// after its last checkpoint may have logged more) and opened for appending. Returns the first
/// step to take.
public func resumeRun(out: String, checkpoint: String, log: String, fingerprint: String, parameters: [Parameter],
                      optimizer: AdamW) throws -> (first: Int, log: LogWriter) {
    do {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    } catch {
        throw TrainingError("cannot create \(out) (\(error.localizedDescription)): choose another --out")
    }
    var first = 0
    if FileManager.default.fileExists(atPath: checkpoint) {
        first = try Checkpoint.restore(from: checkpoint, fingerprint: fingerprint, parameters: parameters, optimizer: optimizer)
    }
    try LogWriter.trim(log, toStep: first)
    return (first, try LogWriter(path: log))
}
