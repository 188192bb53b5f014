#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that appears whole or not at all: bytes go to a temporary file beside `path`, which
/// `commit()` flushes to disk and renames over `path`. Dropped without a commit (an error, an
/// interrupted job), the temporary file is removed and `path` is left as it was.
public final class AtomicFile {
    let path: String
    private let temporary: String
    private var fd: Int32

    init(path: String) throws(GGUFError) {
        self.path = path
        temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.error("cannot create \(temporary)", path) }
        Self.setPending(temporary)
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporary)
            Self.setPending(nil)
        }
    }

    // MARK: Interruption

    /// The temporary file being written, as a C string a signal handler can unlink.
    nonisolated(unsafe) private static var pending: UnsafeMutablePointer<CChar>?

    private static func setPending(_ path: String?) {
        let old = pending
        pending = path.map { strdup($0) }
        free(old)
    }

    /// Makes SIGINT, SIGTERM and SIGHUP remove the temporary file being written before the
    /// process ends, so an interrupted `tern quantize` leaves nothing behind. For commands only.
    public static func removeTemporaryOnInterrupt() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { sig in
                if let path = AtomicFile.pending { unlink(path) }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(GGUFError) {
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = systemWrite(fd, next, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.error("cannot write", path)
            }
            next += n
            left -= n
        }
    }

    func write(_ bytes: [UInt8]) throws(GGUFError) {
        let failure: GGUFError? = bytes.withUnsafeBytes { buffer in
            do throws(GGUFError) { try write(buffer) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Flushes, closes and renames the file into place.
    func commit() throws(GGUFError) {
        guard fsync(fd) == 0 else { throw Self.error("cannot flush", path) }
        let closed = close(fd) == 0
        fd = -1
        Self.setPending(nil)
        guard closed else {
            unlink(temporary)
            throw Self.error("cannot close", path)
        }
        guard rename(temporary, path) == 0 else {
            let error = Self.error("cannot rename \(temporary) to it", path)
            unlink(temporary)
            throw error
        }
    }

    private static func error(_ what: String, _ path: String) -> GGUFError {
        GGUFError(.io, field: "\(what) (\(MappedFile.message(errno)))", offset: 0, path: path)
    }
}

/// POSIX write(2); a plain `write` inside a type with a `write` method would name the method.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, bytes, count)
    #elseif canImport(Musl)
    return Musl.write(fd, bytes, count)
    #else
    return Darwin.write(fd, bytes, count)
    #endif
}
