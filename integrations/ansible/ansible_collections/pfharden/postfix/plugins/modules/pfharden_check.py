#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: pfharden_check
short_description: Audit a Postfix configuration with pfharden
description:
  - Runs C(pfharden check --format json) on the managed host and returns the
    report (schema version 1), that is what Postfix will actually do, per smtpd
    service with its C(master.cf) overrides, judged by each service's role.
  - Never changes anything. Findings do not fail the task unless O(fail_on)
    asks for it.
  - Needs the C(pfharden) binary on the managed host, on E(PATH) or given with
    O(executable).
version_added: "0.1.0"
author:
  - pfharden maintainers (!UNKNOWN)
options:
  config_dir:
    description:
      - The Postfix configuration directory (C(-c)). Default
        E(MAIL_CONFIG) when set, else C(/etc/postfix).
    type: path
  role:
    description:
      - The role of the port-25 service (C(--role ROLE)). Default inferred
        and stated in the report.
    type: str
    choices: [send-only, relay, mx, submission]
  service_roles:
    description:
      - Roles of other smtpd services, keyed by service (C(submission), or
        name/type such as C(127.0.0.1:10025/inet)); each entry becomes
        C(--role SERVICE=ROLE).
    type: dict
    default: {}
  postfix_version:
    description:
      - The Postfix release the configuration is for (C(--postfix-version)).
    type: str
  min_severity:
    description:
      - The lowest severity reported (C(--min-severity)).
    type: str
    choices: [info, warning, error]
    default: warning
  live:
    description:
      - Also compare the TCP sockets listening now with the configuration
        (C(--live)).
    type: bool
    default: false
  config_only:
    description:
      - Audit the files' text only, for a copy from another host
        (C(--config-only)). Mutually exclusive with I(live).
    type: bool
    default: false
  fail_on:
    description:
      - Fail the task when a reported finding is of this severity or worse.
        V(none) (the default) never fails on findings.
      - Only findings at or above O(min_severity) are reported, so
        O(fail_on=warning) needs O(min_severity) V(info) or V(warning).
    type: str
    choices: [none, warning, error]
    default: none
  executable:
    description:
      - The pfharden binary. Default C(pfharden) found on E(PATH) (and in the
        sbin directories) of the managed host.
    type: path
attributes:
  check_mode:
    support: full
    description: The audit only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
notes:
  - The report is documented in C(docs/check-json-schema.md) of the pfharden
    repository. An incomplete audit (pfharden's exit status 2, such as an
    unreadable C(master.cf)) and usage errors (64) fail the task.
seealso:
  - module: pfharden.postfix.pfharden_apply
'''

EXAMPLES = r'''
- name: Audit the configuration
  pfharden.postfix.pfharden_check:
  register: audit

- name: Show the findings
  ansible.builtin.debug:
    msg: "{{ audit.findings | map(attribute='message') | list }}"

- name: Fail on any error
  pfharden.postfix.pfharden_check:
    role: mx
    service_roles:
      submission: submission
    fail_on: error
'''

RETURN = r'''
report:
  description:
    - The object C(pfharden check --format json) printed (schema version 1,
      C(docs/check-json-schema.md)).
  returned: success
  type: dict
  contains:
    schemaVersion:
      description: The schema version.
      type: int
      sample: 1
    services:
      description: The smtpd services audited, with their role and why.
      type: list
      elements: dict
    findings:
      description: The findings.
      type: list
      elements: dict
    summary:
      description: Counts per severity, and of suppressed findings.
      type: dict
      sample: {error: 0, warning: 3, info: 0, suppressed: 0}
findings:
  description: The same as RV(report.findings); each has C(id), C(severity), C(message), C(file), C(line), C(service), C(parameter), C(fix).
  returned: success
  type: list
  elements: dict
summary:
  description: The same as RV(report.summary).
  returned: success
  type: dict
worst:
  description: The highest severity among the findings, or null.
  returned: success
  type: str
  sample: warning
cmd:
  description: The command run.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pfharden.postfix.plugins.module_utils.pfharden import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    at_or_above,
    executable_argument_spec,
    fail,
    parse_json,
    run,
    worst_severity,
)


def arguments(params):
    """The pfharden command line for the module's parameters."""
    argv = ['check', '--format', 'json', '--min-severity', params['min_severity']]
    if params['config_dir']:
        argv += ['-c', params['config_dir']]
    if params['role']:
        argv += ['--role', params['role']]
    for service in sorted(params['service_roles'] or {}):
        argv += ['--role', '%s=%s' % (service, params['service_roles'][service])]
    if params['postfix_version']:
        argv += ['--postfix-version', params['postfix_version']]
    if params['live']:
        argv.append('--live')
    if params['config_only']:
        argv.append('--config-only')
    return argv


def main():
    argument_spec = dict(
        config_dir=dict(type='path'),
        role=dict(type='str', choices=['send-only', 'relay', 'mx', 'submission']),
        service_roles=dict(type='dict', default={}),
        postfix_version=dict(type='str'),
        min_severity=dict(type='str', choices=['info', 'warning', 'error'], default='warning'),
        live=dict(type='bool', default=False),
        config_only=dict(type='bool', default=False),
        fail_on=dict(type='str', choices=['none', 'warning', 'error'], default='none'),
    )
    argument_spec.update(executable_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec, supports_check_mode=True,
        mutually_exclusive=[['live', 'config_only']])

    command, rc, stdout, stderr = run(module, arguments(module.params))
    report = parse_json(stdout)
    if rc not in (EXIT_CLEAN, EXIT_FINDINGS) or report is None:
        extra = dict(report=report) if report is not None else {}
        fail(module, command, rc, stdout, stderr, **extra)

    findings = report.get('findings', [])
    result = dict(
        changed=False,
        report=report,
        findings=findings,
        summary=report.get('summary', {}),
        worst=worst_severity(findings),
        cmd=command,
    )
    threshold = module.params['fail_on']
    if threshold != 'none':
        failing = at_or_above(findings, threshold)
        if failing:
            result['msg'] = '%d finding(s) at or above %s: %s' % (
                len(failing), threshold,
                '; '.join('[%s] %s' % (f.get('id'), f.get('message')) for f in failing[:5]))
            module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
