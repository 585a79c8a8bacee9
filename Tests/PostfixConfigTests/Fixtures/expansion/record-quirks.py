#!/usr/bin/env python3
"""Records quirks.json from real Postfix: each case's main.cf is run through
`postconf -c DIR -xh smtpd_banner`; stdout, stderr (DIR -> $CONFDIR, argv[0]
-> postconf) and the exit status are stored. Re-run after editing CASES."""
import json, os, subprocess, tempfile

MAIL = " $mail_name" * 110
CHAIN = "".join(f"c{i} = $c{i+1}\n" for i in range(1, 100)) + "c100 = ${{a}=={a}}\n"
CASES = {
    "level_climbs_after_error": "smtpd_banner = ${a b}" + MAIL + "\n",
    "braced_reference_stops_after_error": "smtpd_banner = ${a b} ${mail_name} ${mail_name}\n",
    "truncated_still_reported_after_error": "smtpd_banner = ${a b}${x\n",
    "bad_conversion_left_first": "smtpd_banner = ${{99999999999999999998} == {99999999999999999999}}\n",
    "bad_conversion_right": "smtpd_banner = ${{1} < {99999999999999999999}}\n",
    "long_fits": "smtpd_banner = ${{9223372036854775807} > {0}}\n",
    "level_strtol_forms": "smtpd_banner = [${{ 3} ==level {+3.0.0}}] [${{3. 5} ==level {3.5}}] [${{-0} ==level {0}}] [${{3.1023.1023} <level {4}}]\n",
    "level_malformed": "smtpd_banner = ${{0x1} ==level {0}}\n",
    "level_malformed_right": "smtpd_banner = ${{3} >=level {3.1024}}\n",
    "level_bad_suffix": "smtpd_banner = ${{a} ==foo {b}}\n",
    "level_detached_suffix": "smtpd_banner = ${{a} == level {b}}\n",
    "level_suffix_then_no_brace": "smtpd_banner = ${{a} ==level x}\n",
    "empty_names_are_looked_up": "smtpd_banner = [${ }] [${?x}] [${:y}] [${ :z}]\n",
    "paren_body_unbalanced_brace": "v_set = hello\nsmtpd_banner = $(v_set?{a)\n",
    "paren_body_with_brace": "v_set = hello\nsmtpd_banner = [$(v_set?{a}:{b})] [$(v_set:{a})]\n",
    "partial_operand_compared": "smtpd_banner = ${{99999999999999999999${a b}} == {1}}\n",
    "relational_true_is_a_level": "smtpd_banner = $c1\n" + CHAIN,
    "tab_in_warning": "smtpd_banner = ${a\tb}\n",
    "rest_limited_to_20_bytes": "v_set = hello\nsmtpd_banner = ${v_set?{a}xxxxxxxxxxyyyyyyyyyyzzzzzzzzzz}\n",
    "both_branches_scanned": "smtpd_banner = ${mail_name?{$nosuch1}:{$nosuch2}}\n",
    "scan_stops_at_error": "smtpd_banner = $nosuch1 ${a b} $nosuch2\n",
    "relational_operands_scanned": "smtpd_banner = ${{$nosuch1} == {$nosuch2} ? {$nosuch3} : {$nosuch4}}\n",
    "question_rest_keeps_colon_and_blanks": "v_set = hello\nsmtpd_banner = [${v_set? a : b }] [${v_set ?  {x} }]\n",
    "operator_glued_to_operands": "smtpd_banner = [${{a}=={a}?{y}:{n}}] [${{b}!={a}:{same}}] [${{}<{a}}]\n",
    "numeric_versus_text": "smtpd_banner = [${{10}>{9}}] [${{10}>{9 }}] [${{ 10}>{9}}] [${{007}=={7}}]\n",
    "dollar_dollar_in_operand": "smtpd_banner = ${{$$a} == {$$a}}\n",
    "eight_bit_literal_nesting": "smtpd_banner = $c1\n" + "".join(f"c{i} = $c{i+1}\n" for i in range(1, 101)) + "c101 = \u00e9t\u00e9\n",
}

MASTER = "smtp      inet  n       -       y       -       -       smtpd\n"

def run(name, main_cf):
    with tempfile.TemporaryDirectory() as d:
        for f, text in (("main.cf", main_cf), ("master.cf", MASTER)):
            p = os.path.join(d, f)
            with open(p, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.utime(p, (1577836800, 1577836800))
        r = subprocess.run(["postconf", "-c", d, "-xh", "smtpd_banner"], capture_output=True,
                           env={"NORANDOMIZE": "1", "PATH": "/usr/sbin:/usr/bin:/bin"})
        err = r.stderr.decode("utf-8", "replace").replace(d, "$CONFDIR")
        return {"name": name, "mainCf": main_cf, "stdout": r.stdout.decode("utf-8"),
                "stderr": err, "status": r.returncode}

if __name__ == "__main__":
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda kv: run(*kv), CASES.items()))
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "quirks.json"), "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, ensure_ascii=True)
        fh.write("\n")
