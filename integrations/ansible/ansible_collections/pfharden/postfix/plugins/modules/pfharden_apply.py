#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: pfharden_apply
short_description: Apply a pfharden hardening profile to a Postfix configuration
description:
  - Runs C(pfharden apply --format json) on the managed host. pfharden edits
    C(main.cf) and C(master.cf) as the smallest changes that close each risk,
    keeping comments and layout; backs up first, writes atomically, validates
    with C(postconf) and, with O(reload=true), reloads or restarts Postfix and
    verifies every listener, putting the old files back when that fails.
  - In check mode it runs C(pfharden apply --check) and writes nothing.
  - In diff mode it returns the unified diff of both files.
  - The task reports C(changed) exactly when C(main.cf) or C(master.cf)
    changed (or, in check mode, would change).
  - Needs the C(pfharden) binary on the managed host, on E(PATH) or given with
    O(executable). The role M(pfharden.postfix.harden) installs it.
version_added: "0.1.0"
author:
  - pfharden maintainers (!UNKNOWN)
options:
  profile:
    description:
      - The profile, C(pfharden apply --profile).
      - One of V(send-only), V(relay), V(mx), V(submission). pfharden checks
        the name itself and suggests the closest one when it is misspelt.
    type: str
    required: true
  network:
    description:
      - Internal networks a relay serves, in CIDR notation (C(--network),
        once per element). Required for V(relay).
    type: list
    elements: str
    default: []
  relay_domain:
    description:
      - Domains a relay forwards mail for (C(--relay-domain), once per element).
    type: list
    elements: str
    default: []
  domain:
    description:
      - Domains an MX receives mail for (C(--domain), once per element).
    type: list
    elements: str
    default: []
  tls:
    description:
      - TLS strength where the role allows it (C(--tls)); pfharden's default
        is V(intermediate).
    type: str
    choices: [compatible, intermediate, modern]
  cert:
    description:
      - The server certificate (C(--cert)), a file on the managed host.
        Requires O(key). pfharden checks the pair with openssl before
        writing anything.
    type: path
  key:
    description:
      - The server private key (C(--key)), a file on the managed host.
        Requires O(cert).
    type: path
  sasl:
    description:
      - The SASL implementation for the submission profile (C(--sasl));
        pfharden's default is V(dovecot).
    type: str
    choices: [dovecot, cyrus]
  sasl_path:
    description:
      - C(smtpd_sasl_path) for the submission profile (C(--sasl-path)).
    type: str
  postfix_version:
    description:
      - Plan for this Postfix release (C(--postfix-version)), for example
        V(3.7.11). Default the installed release.
    type: str
  config_dir:
    description:
      - The Postfix configuration directory (C(-c)). Default
        E(MAIL_CONFIG) when set, else C(/etc/postfix).
    type: path
  backup_dir:
    description:
      - Where the backup archive and the postconf snapshot go
        (C(--backup-dir)); pfharden's default is C(/var/backups/pfharden).
    type: path
  reload:
    description:
      - Reload or restart Postfix as the changes need (C(--reload)), only the
        instance that runs O(config_dir), then connect to each listener.
        When a listener does not answer, the previous files are put back and
        the task fails.
    type: bool
    default: false
  executable:
    description:
      - The pfharden binary. Default C(pfharden) found on E(PATH) (and in the
        sbin directories) of the managed host.
    type: path
attributes:
  check_mode:
    support: full
    description: Runs C(pfharden apply --check); nothing is written.
  diff_mode:
    support: full
    description: Returns the unified diff of C(main.cf) and C(master.cf).
notes:
  - The JSON this module reads is documented in C(docs/apply-json-schema.md)
    of the pfharden repository (schema version 1).
  - pfharden's exit status 2 (could not complete) and 64 (usage error) fail
    the task with pfharden's own message.
seealso:
  - module: pfharden.postfix.pfharden_check
  - module: pfharden.postfix.pfharden_probe
'''

EXAMPLES = r'''
- name: Harden a relay for the office network
  pfharden.postfix.pfharden_apply:
    profile: relay
    network:
      - 192.0.2.0/24
    reload: true

- name: Harden an MX with its certificate
  pfharden.postfix.pfharden_apply:
    profile: mx
    domain:
      - example.org
    cert: /etc/ssl/certs/mx.pem
    key: /etc/ssl/private/mx.key
    tls: intermediate
    reload: true

- name: What would change (writes nothing)
  pfharden.postfix.pfharden_apply:
    profile: send-only
    config_dir: /etc/postfix
  check_mode: true
  diff: true
  register: pending

- name: Show the pending changes
  ansible.builtin.debug:
    msg: "{{ pending.plan.changes | map(attribute='name') | list }}"
'''

RETURN = r'''
plan:
  description:
    - The object C(pfharden apply --format json) printed (schema version 1,
      C(docs/apply-json-schema.md)).
  returned: success
  type: dict
  contains:
    schemaVersion:
      description: The schema version.
      type: int
      sample: 1
    profile:
      description: The profile applied.
      type: str
      sample: relay
    configDirectory:
      description: The configuration directory.
      type: str
      sample: /etc/postfix
    mode:
      description: V(check), V(dry-run) or V(apply).
      type: str
      sample: apply
    hasChanges:
      description: Whether main.cf or master.cf differ from what the profile wants.
      type: bool
    changes:
      description: One entry per parameter changed, with C(scope), C(name), C(old), C(new), C(transform).
      type: list
      elements: dict
      sample:
        - scope: main.cf
          name: disable_vrfy_command
          old: null
          new: "yes"
          transform: disable-vrfy
    reasons:
      description: Why each transform that changed something does so (C(transform), C(summary)).
      type: list
      elements: dict
    kept:
      description: What the profile deliberately left as it is, and why.
      type: list
      elements: str
    notes:
      description: Notes, such as server TLS left as it is for want of a certificate.
      type: list
      elements: str
    activation:
      description: What Postfix needs, V(none), V(reload) or V(restart).
      type: str
      sample: reload
    needs:
      description: The same in words.
      type: str
      sample: postfix reload
    diff:
      description: The unified diff of main.cf and master.cf.
      type: str
    applied:
      description: Whether the files were written.
      type: bool
    backup:
      description: The backup written before the files (C(archive), C(snapshot)), or null.
      type: dict
    undo:
      description: The command that puts the previous files back, or null.
      type: str
      sample: pfharden restore /var/backups/pfharden/postfix-2025-01-31.tar.gz -c /etc/postfix --yes
    validated:
      description: Whether the installed postconf validated the written files.
      type: bool
    reloaded:
      description: Whether Postfix was reloaded (or restarted) and every listener verified.
      type: bool
    verified:
      description: The listeners verified after the reload.
      type: list
      elements: str
changes:
  description: The same as RV(plan.changes), for convenience.
  returned: success
  type: list
  elements: dict
backup:
  description: The backup archive and snapshot paths, when written.
  returned: when files were written
  type: dict
  sample:
    archive: /var/backups/pfharden/postfix-2025-01-31.tar.gz
    snapshot: /var/backups/pfharden/postconf-2025-01-31
cmd:
  description: The command run.
  returned: always
  type: list
  elements: str
stderr:
  description: What pfharden wrote on standard error (notes, progress).
  returned: always
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pfharden.postfix.plugins.module_utils.pfharden import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    executable_argument_spec,
    fail,
    parse_json,
    run,
)


def arguments(params, check_mode):
    """The pfharden command line for the module's parameters."""
    argv = ['apply', '--profile', params['profile'], '--format', 'json']
    if params['config_dir']:
        argv += ['-c', params['config_dir']]
    for option, name in (('--network', 'network'), ('--relay-domain', 'relay_domain'),
                         ('--domain', 'domain')):
        for value in params[name] or []:
            argv += [option, value]
    for option, name in (('--tls', 'tls'), ('--cert', 'cert'), ('--key', 'key'),
                         ('--sasl', 'sasl'), ('--sasl-path', 'sasl_path'),
                         ('--postfix-version', 'postfix_version'),
                         ('--backup-dir', 'backup_dir')):
        if params[name]:
            argv += [option, params[name]]
    if check_mode:
        argv.append('--check')
    else:
        argv.append('--yes')
        if params['reload']:
            argv.append('--reload')
    return argv


def main():
    argument_spec = dict(
        profile=dict(type='str', required=True),
        network=dict(type='list', elements='str', default=[]),
        relay_domain=dict(type='list', elements='str', default=[]),
        domain=dict(type='list', elements='str', default=[]),
        tls=dict(type='str', choices=['compatible', 'intermediate', 'modern']),
        cert=dict(type='path'),
        key=dict(type='path', no_log=False),
        sasl=dict(type='str', choices=['dovecot', 'cyrus']),
        sasl_path=dict(type='str'),
        postfix_version=dict(type='str'),
        config_dir=dict(type='path'),
        backup_dir=dict(type='path'),
        reload=dict(type='bool', default=False),
    )
    argument_spec.update(executable_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_together=[('cert', 'key')],
        supports_check_mode=True,
    )

    command, rc, stdout, stderr = run(module, arguments(module.params, module.check_mode))
    plan = parse_json(stdout)
    if rc not in (EXIT_CLEAN, EXIT_FINDINGS) or plan is None:
        fail(module, command, rc, stdout, stderr)

    if module.check_mode:
        changed = bool(plan.get('hasChanges'))
    else:
        changed = bool(plan.get('applied'))
    result = dict(
        changed=changed,
        plan=plan,
        changes=plan.get('changes', []),
        cmd=command,
        stderr=stderr,
    )
    if plan.get('backup'):
        result['backup'] = plan['backup']
    if module._diff and plan.get('diff'):
        result['diff'] = dict(prepared=plan['diff'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
