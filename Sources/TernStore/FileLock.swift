#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` while holding an exclusive `flock(2)` on `path` (created if missing), so concurrent
/// pulls of one model take turns instead of sharing a pip folder. The kernel releases the lock when
/// its holder exits, so a pull that was killed never blocks the next one.
func withFileLock<T>(_ path: String, waitingMessage: String, _ body: () throws -> T) throws -> T {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        throw StoreError(.io, "cannot create lock file \(path) (\(String(cString: strerror(errno)))): make the folder writable or set TERN_HOME")
    }
    defer { close(fd) }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
        writeStandardError(waitingMessage + "\n")
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw StoreError(.io, "cannot lock \(path) (\(String(cString: strerror(errno)))): make the folder writable or set TERN_HOME")
            }
        }
    }
    defer { flock(fd, LOCK_UN) }
    return try body()
}
