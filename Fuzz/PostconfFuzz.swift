// libFuzzer harness for the whole postconf emulation: the input is split at
// the first NUL into main.cf and master.cf, and `postconf -n`, `-nx` and an
// edit run over them. Nothing may trap; every run ends with a status, and
// the two-thread reading and printing give what the one-thread ones give.
// Build and run with `Fuzz/run.sh Postconf SECONDS`.

let fuzzHost = HostEnvironment(
  hostname: "fuzz", interfaces: [], processID: 1, processName: "postconf")

@_cdecl("LLVMFuzzerTestOneInput")
public func postconfFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let split = bytes.firstIndex(of: 0) ?? bytes.count
  let main = Array(bytes[..<split])
  let master = split < bytes.count ? Array(bytes[(split + 1)...]) : []
  let inputs = PostconfInputs(
    programName: "postconf", configDirectory: "/fuzz", configDirectoryInjected: true,
    mainCF: .contents(main), masterCF: .contents(master), host: fuzzHost, catalog: .embedded)
  for arguments in [["-n"], ["-nx"], ["-e", "relayhost=x"], ["-M"], ["-P"]] {
    let outcome = Postconf.run(arguments: arguments.map { Array($0.utf8) }, inputs: inputs)
    precondition(outcome.exitStatus == 0 || outcome.exitStatus == 1, "unexpected status")
  }
  // The large-file paths on this small input: main.cf scanned on a second
  // thread and the listing formatted on two; the result must be the same.
  if case .success(let options) = PostconfOptions.parse(
    [Array("-nx".utf8)], programName: "postconf")
  {
    var plain = PostconfSession(options: options, inputs: inputs)
    plain.execute()
    var threaded = PostconfSession(options: options, inputs: inputs)
    threaded.pipelinedReadThreshold = 0
    threaded.parallelListingThreshold = 1
    threaded.execute()
    let one = plain.finish()
    let two = threaded.finish()
    precondition(one.stdout == two.stdout && one.stderr == two.stderr, "threaded run differs")
    precondition(one.exitStatus == two.exitStatus, "threaded status differs")
  }
  return 0
}
