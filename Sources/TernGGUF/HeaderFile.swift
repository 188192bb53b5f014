#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for reading its first bytes with plain reads (no mapping), for `GGUFHeader`:
/// reading a header must not cost the pages, or the address space, of the data behind it.
final class HeaderFile {
    let path: String
    let size: Int
    private let fd: Int32

    init(path: String) throws(GGUFError) {
        (fd, size) = try MappedFile.openRegularFile(path)
        self.path = path
    }

    deinit { close(fd) }

    /// The first `count` bytes (fewer only if the file shrank meanwhile).
    func read(_ count: Int) throws(GGUFError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw GGUFError(.io, field: "cannot read (\(MappedFile.message(errno)))", offset: done, path: path)
            }
            if n == 0 { break }
            done += n
        }
        return done == count ? bytes : Array(bytes[..<done])
    }
}
