extension Transform {
  /// A greeting without the software name or version (`smtpd_banner = $myhostname ESMTP`).
  public static let banner = Transform(
    id: "banner", summary: "greet without naming the software",
    settings: [Setting("smtpd_banner", "$myhostname ESMTP")], ruleIDs: [RuleID.bannerDisclosure])
}
