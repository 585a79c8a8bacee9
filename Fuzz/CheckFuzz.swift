// libFuzzer harness for the audit and apply pipelines (PostfixHardening over
// PostfixConfig): the input is split at the first NUL into main.cf and
// master.cf; every rule runs over the effective configuration and every
// profile is planned. Nothing may trap, and the time taken must stay within
// a bound linear in the input's size (a quadratic path shows up as a crash).
// Build and run with `Fuzz/run.sh Check SECONDS`.

#if canImport(Glibc)
import Glibc
#endif

import PostfixConfig

let checkHost = HostEnvironment(
  hostname: "fuzz.example", interfaces: [], processID: 1, processName: "postconf")

func monotonicNanoseconds() -> UInt64 {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func checkFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let split = bytes.firstIndex(of: 0) ?? bytes.count
  let main = Array(bytes[..<split])
  let master: [UInt8]? = split < bytes.count ? Array(bytes[(split + 1)...]) : nil
  let start = monotonicNanoseconds()
  let configuration = PostfixConfiguration(
    mainCF: MainCF(bytes: main), masterCF: master.map { MasterCF(bytes: $0) }, host: checkHost,
    configDirectory: "/fuzz")
  for role: Role? in [nil, .mx, .relay, .submission, .sendOnly] {
    var options = AuditOptions()
    options.portTwentyFiveRole = role
    let report = Audit.run(configuration: configuration, options: options)
    precondition(report.findings.allSatisfy { !$0.id.isEmpty }, "a finding without an id")
  }
  var profileOptions = ProfileOptions()
  profileOptions.networks = (try? Network("192.0.2.0/24")).map { [$0] } ?? []
  profileOptions.domains = ["example.test"]
  profileOptions.certificate = Transform.Certificate(
    certificateFile: "/fuzz/cert.pem", keyFile: "/fuzz/key.pem")
  if let version = PostfixVersion("3.7.11") {
    let planner = ApplyPlanner(version: version, catalog: .embedded, host: checkHost)
    for profile in Profile.allCases {
      guard
        let build = try? profile.build(
          options: profileOptions, configuration: configuration, isReadable: { _ in true }),
        let plan = try? planner.plan(
          build.transforms, configDirectory: "/fuzz", mainCF: main, masterCF: master)
      else { continue }
      precondition(plan.mainCF.original == main, "the plan lost the original bytes")
    }
  }
  // Linear bound, generous for the sanitizer: 2 s plus 2 ms per input byte.
  let elapsed = monotonicNanoseconds() - start
  precondition(
    elapsed < 2_000_000_000 + UInt64(bytes.count) * 2_000_000,
    "\(elapsed / 1_000_000) ms for \(bytes.count) bytes")
  return 0
}
