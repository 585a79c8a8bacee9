/// The command line of postconf(1), parsed with postconf 3.7's own rules.
///
/// Parsing follows `getopt("+aAbc:C:deEfFhHlmMno:pPtT:vxX#")` (options stop
/// at the first non-option argument, as on Linux), then postconf's two
/// compatibility tables, so a bad combination yields postconf's exact text
/// (`specify one of -d -n`, `with option -M, do not specify -h`).
public struct PostconfOptions: Equatable, Sendable {
  /// postconf's mode bits; their declaration order is the order postconf
  /// names them in messages.
  public struct Mode: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let showSASLServer = Mode(rawValue: 1 << 0)
    public static let showSASLClient = Mode(rawValue: 1 << 1)
    public static let expandTemplates = Mode(rawValue: 1 << 2)
    public static let paramClass = Mode(rawValue: 1 << 3)
    public static let showDefaults = Mode(rawValue: 1 << 4)
    public static let edit = Mode(rawValue: 1 << 5)
    public static let fold = Mode(rawValue: 1 << 6)
    public static let masterFields = Mode(rawValue: 1 << 7)
    public static let hideName = Mode(rawValue: 1 << 8)
    public static let hideValue = Mode(rawValue: 1 << 9)
    public static let showLocks = Mode(rawValue: 1 << 10)
    public static let showMaps = Mode(rawValue: 1 << 11)
    public static let masterEntries = Mode(rawValue: 1 << 12)
    public static let nonDefault = Mode(rawValue: 1 << 13)
    public static let override = Mode(rawValue: 1 << 14)
    public static let mainParameters = Mode(rawValue: 1 << 15)
    public static let masterParameters = Mode(rawValue: 1 << 16)
    public static let dumpTemplates = Mode(rawValue: 1 << 17)
    public static let showTLS = Mode(rawValue: 1 << 18)
    public static let expand = Mode(rawValue: 1 << 19)
    public static let exclude = Mode(rawValue: 1 << 20)
    public static let commentOut = Mode(rawValue: 1 << 21)

    /// Each bit with the option letter postconf shows for it, in postconf's order.
    static let names: [(Mode, String)] = [
      (.showSASLServer, "-a"), (.showSASLClient, "-A"), (.expandTemplates, "-b"),
      (.paramClass, "-C"), (.showDefaults, "-d"), (.edit, "-e"), (.fold, "-f"),
      (.masterFields, "-F"), (.hideName, "-h"), (.hideValue, "-H"), (.showLocks, "-l"),
      (.showMaps, "-m"), (.masterEntries, "-M"), (.nonDefault, "-n"), (.override, "-o"),
      (.mainParameters, "-p"), (.masterParameters, "-P"), (.dumpTemplates, "-t"),
      (.showTLS, "-T"), (.expand, "-x"), (.exclude, "-X"), (.commentOut, "-#"),
    ]

    /// The option letters of the bits set, space-separated, in postconf's order.
    var optionNames: String {
      Mode.names.filter { contains($0.0) }.map(\.1).joined(separator: " ")
    }

    static let majorModes: Mode = [
      .showSASLServer, .showSASLClient, .expandTemplates, .showLocks, .showMaps, .dumpTemplates,
      .mainParameters, .masterEntries, .masterFields, .masterParameters, .showTLS,
    ]
    static let editing: Mode = [.edit, .exclude, .commentOut]
    static let master: Mode = [.masterEntries, .masterFields, .masterParameters]

    static let exclusive: [Mode] = [
      majorModes,
      [.showDefaults, .edit, .nonDefault, .commentOut, .exclude],
      [.fold, .edit, .commentOut, .exclude],
      [.expand, .edit, .commentOut, .exclude],
      [.override, .showDefaults, .edit, .commentOut, .exclude],
      [.hideName, .edit, .commentOut, .exclude, .hideValue],
    ]

    static let compatible: [(Mode, Mode)] = [
      (.showSASLServer, []), (.showSASLClient, []), (.expandTemplates, []), (.showLocks, []),
      (.showMaps, []), (.showTLS, []), (.dumpTemplates, []),
      (
        .mainParameters,
        [
          .edit, .exclude, .commentOut, .fold, .hideName, .paramClass, .expand, .showDefaults,
          .nonDefault, .override, .hideValue,
        ]
      ),
      (.masterEntries, [.edit, .exclude, .commentOut, .fold, .override, .expand]),
      (.masterFields, [.edit, .fold, .hideName, .override, .expand, .hideValue]),
      (
        .masterParameters,
        [.edit, .exclude, .fold, .hideName, .override, .expand, .hideValue]
      ),
      (.paramClass, [.mainParameters, .showDefaults, .nonDefault]),
    ]
  }

  /// Which parameters `-C` selects.
  public struct ParameterClass: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let builtin = ParameterClass(rawValue: 1)
    public static let service = ParameterClass(rawValue: 2)
    public static let user = ParameterClass(rawValue: 4)
    public static let all: ParameterClass = [.builtin, .service, .user]
  }

  /// The mode bits after postconf's implicit additions (`-p`, implied `-e`).
  public var mode: Mode = []
  /// `-c DIR`, the last one given.
  public var configDirectory: String?
  /// `-o name=value` overrides, in order.
  public var overrides: [[UInt8]] = []
  /// `-C` classes.
  public var parameterClass: ParameterClass = .all
  /// The `-T` argument.
  public var tlsArgument: String?
  /// `-v` count.
  public var verbose = 0
  /// The non-option arguments.
  public var operands: [[UInt8]] = []

  /// A fatal or usage error, with the lines postconf prints before exiting 1.
  public struct Failure: Error, Equatable, Sendable {
    /// Lines for stderr before the fatal line, without the program prefix.
    ///
    /// These are getopt's own complaints, such as `invalid option -- 'Z'`.
    public var plainLines: [String]
    /// The text after `fatal: `.
    public var fatal: String
  }

  /// Parses postconf's arguments (without the program name).
  /// - Parameters:
  ///   - arguments: The arguments after the program name, as bytes.
  ///   - programName: argv[0], as postconf shows it in the usage message.
  /// - Returns: The options, or the failure postconf would report.
  public static func parse(_ arguments: [[UInt8]], programName: String) -> Result<
    PostconfOptions, Failure
  > {
    var options = PostconfOptions()
    var index = 0
    let withArgument: Set<UInt8> = Set("cCoT".utf8)
    let flags: [UInt8: Mode] = [
      UInt8(ascii: "a"): .showSASLServer, UInt8(ascii: "A"): .showSASLClient,
      UInt8(ascii: "b"): .expandTemplates, UInt8(ascii: "d"): .showDefaults,
      UInt8(ascii: "e"): .edit, UInt8(ascii: "f"): .fold, UInt8(ascii: "F"): .masterFields,
      UInt8(ascii: "#"): .commentOut, UInt8(ascii: "h"): .hideName,
      UInt8(ascii: "H"): .hideValue, UInt8(ascii: "l"): .showLocks, UInt8(ascii: "m"): .showMaps,
      UInt8(ascii: "M"): .masterEntries, UInt8(ascii: "n"): .nonDefault,
      UInt8(ascii: "p"): .mainParameters, UInt8(ascii: "P"): .masterParameters,
      UInt8(ascii: "t"): .dumpTemplates, UInt8(ascii: "x"): .expand, UInt8(ascii: "X"): .exclude,
    ]
    let usage = Failure(plainLines: [], fatal: usageText(programName))
    argumentLoop: while index < arguments.count {
      let argument = arguments[index]
      if argument == Array("--".utf8) {
        index += 1
        break
      }
      guard argument.count >= 2, argument[0] == UInt8(ascii: "-") else { break }
      index += 1
      var position = 1
      while position < argument.count {
        let letter = argument[position]
        position += 1
        if withArgument.contains(letter) {
          var value: [UInt8]
          if position < argument.count {
            value = Array(argument[position...])
          } else if index < arguments.count {
            value = arguments[index]
            index += 1
          } else {
            var failure = usage
            failure.plainLines = [
              "option requires an argument -- '\(Character(Unicode.Scalar(letter)))'"
            ]
            return .failure(failure)
          }
          position = argument.count
          switch letter {
          case UInt8(ascii: "c"):
            options.configDirectory = String(decoding: value, as: UTF8.self)
          case UInt8(ascii: "C"):
            switch parseClass(value) {
            case .success(let cls): options.parameterClass = cls
            case .failure(let failure): return .failure(failure)
            }
          case UInt8(ascii: "o"):
            options.mode.insert(.override)
            options.overrides.append(value)
          default:
            if options.mode.contains(.showTLS) {
              return .failure(
                Failure(plainLines: [], fatal: "At most one -T <mode> option may be specified"))
            }
            options.mode.insert(.showTLS)
            options.tlsArgument = String(decoding: value, as: UTF8.self)
          }
          continue
        }
        if letter == UInt8(ascii: "v") {
          options.verbose += 1
          continue
        }
        if letter == UInt8(ascii: "E") { continue }
        guard let bit = flags[letter] else {
          var failure = usage
          let shown = Printable.sanitize([letter])
          failure.plainLines = ["invalid option -- '\(shown)'"]
          return .failure(failure)
        }
        if bit == .expandTemplates || bit == .dumpTemplates,
          options.mode.contains(.expandTemplates) || options.mode.contains(.dumpTemplates)
        {
          return .failure(Failure(plainLines: [], fatal: "specify one of -b and -t"))
        }
        options.mode.insert(bit)
      }
      continue argumentLoop
    }
    options.operands = Array(arguments[index...])

    if options.mode.intersection(Mode.majorModes).isEmpty {
      options.mode.insert(.mainParameters)
    }
    if !options.mode.intersection([
      .mainParameters, .masterEntries, .masterFields, .masterParameters,
    ])
    .isEmpty, let first = options.operands.first, first.contains(UInt8(ascii: "=")) {
      options.mode.insert(.edit)
    }
    for group in Mode.exclusive {
      let set = options.mode.intersection(group)
      if set.rawValue.nonzeroBitCount > 1 {
        return .failure(Failure(plainLines: [], fatal: "specify one of \(set.optionNames)"))
      }
    }
    for (major, allowed) in Mode.compatible where options.mode.contains(major) {
      let excess = options.mode.subtracting(major.union(allowed))
      if !excess.isEmpty {
        return .failure(
          Failure(
            plainLines: [],
            fatal: "with option \(major.optionNames), do not specify \(excess.optionNames)"))
      }
    }
    if options.mode.contains(.edit), options.operands.isEmpty {
      return .failure(Failure(plainLines: [], fatal: "-e requires name=value argument"))
    }
    return .success(options)
  }

  static func parseClass(_ value: [UInt8]) -> Result<ParameterClass, Failure> {
    var result: ParameterClass = []
    let separators: Set<UInt8> = Set(" \t\r\n,|".utf8)
    for word in value.split(whereSeparator: { separators.contains($0) }) {
      switch String(decoding: word, as: UTF8.self).lowercased() {
      case "builtin": result.insert(.builtin)
      case "service": result.insert(.service)
      case "user": result.insert(.user)
      case "all": result.formUnion(.all)
      default:
        return .failure(
          Failure(
            plainLines: [],
            fatal:
              "unknown -C option value \"\(Printable.sanitize(word))\" in \"\(Printable.sanitize(value))\""
          ))
      }
    }
    return .success(result)
  }

  static func usageText(_ program: String) -> String {
    "usage: \(program) [-a (server SASL types)] [-A (client SASL types)] [-b (bounce templates)]"
      + " [-c config_dir] [-c param_class] [-d (parameter defaults)] [-e (edit configuration)]"
      + " [-f (fold lines)] [-F (master.cf fields)] [-h (no names)] [-H (no values)]"
      + " [-l (lock types)] [-m (map types)] [-M (master.cf)] [-n (non-default parameters)]"
      + " [-o name=value (override parameter value)] [-p (main.cf, default)]"
      + " [-P (master.cf parameters)] [-t (bounce templates)]"
      + " [-T compile-version|run-version|public-key-algorithms] [-v (verbose)]"
      + " [-x (expand parameter values)] [-X (exclude)] [-# (comment-out)] [name...]"
  }
}
