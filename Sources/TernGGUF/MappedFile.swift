#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only (PROT_READ, MAP_PRIVATE), unmapped when the last reference goes.
///
/// `GGUFFile` keeps it as the owner of its bytes, so tensor pointers stay valid exactly as long as
/// the `GGUFFile` does. Pages are read lazily by the kernel: opening a 250 MB model touches only
/// the header until a tensor is used.
final class MappedFile: @unchecked Sendable {
    /// Empty (nil base address) for an empty file, which cannot be mapped.
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(GGUFError) {
        let (fd, size) = try Self.openRegularFile(path)
        defer { close(fd) }
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw GGUFError(.io, field: "cannot map \(size) bytes (\(Self.message(errno)))", offset: 0, path: path)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let address = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: address), bytes.count)
        }
    }

    /// Drops the whole pages inside [start, start + count) from this process's memory; being a
    /// read-only file mapping, they come back from the file on the next access.
    func releasePages(_ start: UnsafeRawPointer, count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = (Int(bitPattern: start) + page - 1) / page * page
        let hi = (Int(bitPattern: start) + count) / page * page
        guard hi > lo, let address = UnsafeMutableRawPointer(bitPattern: lo) else { return }
        _ = madvise(address, hi - lo, MADV_DONTNEED)
    }

    /// Opens `path` read-only and returns its descriptor (the caller closes it) and size; a
    /// missing path is `.fileNotFound`, a folder or device `.io`.
    static func openRegularFile(_ path: String) throws(GGUFError) -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw GGUFError(.fileNotFound, field: "path", offset: 0, path: path)
            }
            throw GGUFError(.io, field: "cannot open (\(message(code)))", offset: 0, path: path)
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            close(fd)
            throw GGUFError(.io, field: "cannot stat (\(message(code)))", offset: 0, path: path)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw GGUFError(.io, field: "not a regular file", offset: 0, path: path)
        }
        return (fd, Int(exactly: status.st_size) ?? 0)
    }

    static func message(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
