import PostfixConfig

/// main.cf, master.cf, TLS private keys and the queue directory have the
/// ownership and modes `postfix check` expects.
///
/// Rationale: a configuration file writable by others lets them run commands
/// as root through master.cf; a world-readable private key gives the
/// certificate away.
///
/// Inspects (when the files are present): owner root and no group or world
/// write on main.cf, master.cf and `queue_directory`; owner root and no
/// group or world access beyond read for the group on `smtpd_tls_key_file`,
/// `smtpd_tls_eckey_file`, `smtpd_tls_chain_files` and `smtp_tls_key_file`.
///
/// Fix: `chown root:root` and `chmod go-w` (keys: `chmod 600`); no transform.
///
/// Reference: postfix(1) `check`; Postfix's postfix-files.
struct FilePermissionsRule: AuditRule {
  let id = RuleID.filePermissions
  let summary = "Ownership or mode of a Postfix file is unsafe."
  let inspects = [
    "queue_directory", "smtp_tls_key_file", "smtpd_tls_key_file", "smtpd_tls_eckey_file",
    "smtpd_tls_chain_files",
  ]

  func check(_ context: AuditContext) -> [Finding] {
    guard let host = context.options.host else { return [] }
    var findings: [Finding] = []
    let directory = context.configuration.configDirectory
    for name in ["main.cf", "master.cf"] {
      let path = directory + "/" + name
      guard let fact = host.files[path], fact.exists else { continue }
      if fact.uid != 0 {
        findings.append(
          Finding(
            id: id, severity: .warning, message: "\(path) is not owned by root", file: name,
            fix: "chown root \(path)"))
      }
      if fact.mode & 0o022 != 0 {
        findings.append(
          Finding(
            id: id, severity: .error,
            "\(path) is writable by group or others (mode \(octal(fact.mode)))", file: name,
            fix: "chmod go-w \(path)"))
      }
    }
    let queue = context.setting("queue_directory")
    let queuePath = queue.text.trimmingBlanks()
    if let fact = host.files[queuePath], fact.exists {
      if fact.uid != 0 || fact.mode & 0o022 != 0 {
        findings.append(
          context.finding(
            id, .error,
            "the queue directory \(queuePath) must be owned by root and not writable by others (mode \(octal(fact.mode)))",
            setting: queue, fix: "chown root \(queuePath); chmod 755 \(queuePath)"))
      }
    }
    // Each setting is judged as it is read: a file of many services has
    // three a service, which are not held at once.
    var seen: Set<String> = []
    func judgeKeys(_ setting: PostfixConfiguration.Setting) {
      for path in setting.words where !seen.contains(path) {
        seen.insert(path)
        guard let fact = host.files[path], fact.exists else { continue }
        if fact.mode & 0o007 != 0 || fact.mode & 0o020 != 0 || fact.uid != 0 {
          findings.append(
            context.finding(
              id, .error,
              "private key \(path) is accessible beyond root (owner uid \(fact.uid), mode \(octal(fact.mode)))",
              setting: setting, fix: "chown root \(path); chmod 600 \(path)"))
        }
      }
    }
    judgeKeys(context.setting("smtp_tls_key_file"))
    let scopes: [SMTPService?] = context.services.isEmpty ? [nil] : context.services
    for service in scopes {
      judgeKeys(context.setting("smtpd_tls_key_file", for: service))
      judgeKeys(context.setting("smtpd_tls_eckey_file", for: service))
      judgeKeys(context.setting("smtpd_tls_chain_files", for: service))
    }
    return findings
  }

  func octal(_ mode: UInt32) -> String {
    "0" + String(mode & 0o7777, radix: 8)
  }
}

extension Finding {
  init(id: String, severity: Severity, _ message: String, file: String, fix: String) {
    self.init(id: id, severity: severity, message: message, file: file, fix: fix)
  }
}
