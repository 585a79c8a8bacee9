import Foundation
import Testing

@testable import PostfixConfig

/// The package's one layer of interruptible libc calls: results and errno
/// pass through, and a call a signal interrupts is made again.
@Suite(.serialized) struct SyscallTests {
  @Test func failuresKeepTheirErrno() {
    #expect(Syscall.open("/nonexistent/pfharden-syscall", O_RDONLY) == -1)
    #expect(errno == ENOENT)
    // Process 1 is never this process's child, whatever other tests run.
    var status: Int32 = 0
    #expect(Syscall.waitpid(1, &status, WNOHANG) == -1)
    #expect(errno == ECHILD)
  }

  @Test func writeAllWritesEveryByteAndSaysWhyItStopped() throws {
    let scratch = try IOScratch()
    let descriptor = Syscall.open(scratch.path("out"), O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
    try #require(descriptor >= 0)
    let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
    #expect(Syscall.writeAll(descriptor, bytes) == nil)
    _ = close(descriptor)
    #expect(try ConfigFile.read(path: scratch.path("out"), limit: 1 << 20) == bytes)
    let readOnly = Syscall.open(scratch.path("out"), O_RDONLY | O_CLOEXEC)
    defer { _ = close(readOnly) }
    #expect(Syscall.writeAll(readOnly, [1]) == .error(EBADF))
    #expect(Syscall.writeAll(readOnly, []) == nil)
  }

  @Test func aSecondExclusiveLockWouldBlock() throws {
    let scratch = try IOScratch()
    try scratch.write("lock", "")
    let first = Syscall.open(scratch.path("lock"), O_RDONLY | O_CLOEXEC)
    let second = Syscall.open(scratch.path("lock"), O_RDONLY | O_CLOEXEC)
    defer {
      _ = close(first)
      _ = close(second)
    }
    #expect(Syscall.flock(first, LOCK_EX | LOCK_NB) == 0)
    #expect(Syscall.flock(second, LOCK_EX | LOCK_NB) == -1)
    #expect(errno == EWOULDBLOCK)
    #expect(Syscall.flock(first, LOCK_UN) == 0)
    #expect(Syscall.flock(second, LOCK_EX | LOCK_NB) == 0)
  }

  @Test func sleepLastsAtLeastItsTime() {
    let start = Date()
    Syscall.sleep(milliseconds: 30)
    #expect(Date().timeIntervalSince(start) >= 0.03)
  }

  /// A blocking read on an empty pipe, interrupted by a signal whose handler
  /// does not ask for restarts, returns the bytes written after the signal
  /// instead of failing with EINTR.
  @Test func aReadInterruptedByASignalIsMadeAgain() throws {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in }
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    var previous = sigaction()
    try #require(sigaction(SIGUSR2, &action, &previous) == 0)
    defer { _ = sigaction(SIGUSR2, &previous, nil) }
    var ends: [Int32] = [-1, -1]
    try #require(pipe(&ends) == 0)
    defer {
      _ = close(ends[0])
      _ = close(ends[1])
    }
    let reader = PipeReader(descriptor: ends[0])
    let thread = Thread { reader.run() }
    thread.start()
    reader.started.wait()
    // Signal the reader while it is blocked, then give it something to read.
    for _ in 0..<5 {
      usleep(20_000)
      _ = pthread_kill(reader.thread, SIGUSR2)
    }
    usleep(20_000)
    #expect(Syscall.writeAll(ends[1], Array("after the signal".utf8)) == nil)
    reader.finished.wait()
    #expect(reader.result == Array("after the signal".utf8))
  }
}

/// Reads once from a descriptor on its own thread.
private final class PipeReader: @unchecked Sendable {
  let descriptor: Int32
  let started = DispatchSemaphore(value: 0)
  let finished = DispatchSemaphore(value: 0)
  // Written before `started`/`finished` are signalled, read after waiting on them.
  var thread = pthread_self()
  var result: [UInt8] = []

  init(descriptor: Int32) { self.descriptor = descriptor }

  func run() {
    thread = pthread_self()
    started.signal()
    var buffer = [UInt8](repeating: 0, count: 64)
    let got = buffer.withUnsafeMutableBytes { Syscall.read(descriptor, into: $0) }
    result = got > 0 ? Array(buffer[..<got]) : []
    finished.signal()
  }
}
