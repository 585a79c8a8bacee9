#!/usr/bin/env python3
"""Times pfharden against the installed postconf on several shapes of
configuration, from one run, and prints for each shape the time ratio
(postconf / pfharden, higher is better) and pfharden's peak memory per input
byte for `postconf`, `check` and `apply --dry-run`. Rows are sorted by the
postconf ratio, worst shape last.

Shapes (each about SIZE bytes of main.cf, or of master.cf for master-o and
many-services):
  many-short     many parameters of a few lines (restriction classes)
  long-refs      four values over tens of thousands of continuation lines,
                 with a $name and a ${name} reference on each line
  long-plain     the same without references
  unused-params  many parameters no program uses (postconf warns per name)
  master-o       many master.cf services, each with many -o overrides
  chained-refs   values that refer to one another in chains of up to 50
                 (postconf -nx: every value expanded in full)
  many-services  tens of thousands of master.cf services with one unknown
                 -o each (postconf warns about each)
  chained-conds  chained-refs with a conditional (${name:value}) in every
                 value: the whole chain goes through the full expander

With --core, only the first five (those the speed goal names).

The postconf-mode ratio is also given paired: the median, over the rounds,
of postconf's time over pfharden's in two runs made back to back, which a
machine whose speed drifts from one moment to the next moves less than a
ratio of two best times taken apart. The two take turns at running first:
on this kind of machine a run is measurably faster or slower for coming
right after the other program's, by several per cent.

Peak memory is the maximum resident set size (/usr/bin/time) minus that of
the same command on an empty main.cf, divided by the file size.

With --instructions (needs valgrind), it also counts the instructions each
of the two runs in postconf mode executes (callgrind, all threads together)
and prints their ratio: a figure this machine's load does not move, for
comparing two builds; it says nothing of pfharden's second thread or of
cache misses, which the time ratio includes.

With --malloc-defaults (needs a C compiler), every command runs with a
`mallopt` that does nothing preloaded: pfharden then keeps glibc's malloc
defaults (several arenas, freed memory given back), as a program that uses
the libraries without the command line's settings does. (postconf never
calls mallopt.) The command line's other setting, huge pages for the heap in
the master.cf modes, stays.

Usage: Benchmarks/shapes.py PFHARDEN [SIZE] [ROUNDS] [--instructions] [--core] [--malloc-defaults]

PFHARDEN is a binary built as the README's "Installing" says (release,
Swift runtime linked in, the compiler flag given there).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

count_instructions = "--instructions" in sys.argv[1:]
core_only = "--core" in sys.argv[1:]
malloc_defaults = "--malloc-defaults" in sys.argv[1:]
arguments = [argument for argument in sys.argv[1:]
             if argument not in ("--instructions", "--core", "--malloc-defaults")]
binary = arguments[0]
size = int(arguments[1]) if len(arguments) > 1 else 10_000_000
rounds = int(arguments[2]) if len(arguments) > 2 else 3
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
stock_master = open(os.path.join(root, "Examples/debian/master.cf")).read()
head = "myhostname = mail.example.com\nmydomain = example.com\n"


def many_short():
    parts, classes, total, i = [head], [], len(head), 0
    while total < size:
        name = "zz_class_%06d" % i
        classes.append(name)
        entry = ("%s = check_client_access hash:/etc/postfix/access_%d,\n"
                 "    permit_mynetworks, reject_unauth_destination, $mydomain\n" % (name, i))
        parts.append(entry)
        total += len(entry)
        i += 1
    lines = ["smtpd_restriction_classes ="]
    for j in range(0, len(classes), 8):
        lines.append("    " + " ".join(classes[j:j + 8]))
    return "".join(parts) + "\n".join(lines) + "\n", stock_master


def long_values(references):
    names = ["relay_domains", "mydestination", "smtpd_client_restrictions",
             "smtpd_recipient_restrictions"]
    per = size // len(names)
    parts, i = [head], 0
    for name in names:
        parts.append(name + " =\n")
        written = 0
        while written < per:
            if name.endswith("restrictions"):
                line = "    check_client_access hash:/etc/postfix/c%d%s\n" % (
                    i, ", $mydomain ${myhostname}" if references else "")
            else:
                line = "    d%d.example.com%s\n" % (i, " $mydomain ${myhostname}" if references else "")
            parts.append(line)
            written += len(line)
            i += 1
    return "".join(parts), stock_master


def grown(start, piece):
    """`start` (a list of texts) followed by piece(0), piece(1), … until the
    whole is at least SIZE bytes."""
    parts, total, i = list(start), sum(len(text) for text in start), 0
    while total < size:
        text = piece(i)
        parts.append(text)
        total += len(text)
        i += 1
    return "".join(parts)


def unused_params():
    return grown([head], lambda i: "zz_unused_%07d = value %d $myhostname\n" % (i, i)), stock_master


def master_overrides():
    def service(i):
        lines = ["127.0.0.%d:%d inet n - n - - smtpd\n" % (1 + i % 250, 10000 + i)]
        for j in range(40):
            lines.append("  -o smtpd_client_restrictions=check_client_access,hash:/etc/postfix/o%d_%d\n" % (i, j))
        return "".join(lines)
    return head, grown([stock_master], service)


def chained_references():
    # Every 50th value starts a new chain, so a full expansion of each value
    # follows at most 50 references.
    return grown([head, "zz_chain_0000000 = x\n"], lambda i: "zz_chain_%07d = $zz_chain_%07d y\n" % (
        i + 1, i if (i + 1) % 50 else 0)), stock_master


def chained_conditionals():
    # As chained_references, with a `${name:value}` in each value: values
    # the shortcut leaves to the full expander, 50 levels deep at most.
    return grown([head, "zz_cond_0000000 = x\n"], lambda i: "zz_cond_%07d = $zz_cond_%07d ${myhostname:y}\n" % (
        i + 1, i if (i + 1) % 50 else 0)), stock_master


def many_services():
    return head, grown([stock_master], lambda i: "127.%d.%d.%d:2525 inet n - n - - smtpd\n  -o zz_unknown_%07d=x\n" % (
        i // 62500 % 250, i // 250 % 250, i % 250 + 1, i))


shapes = [
    ("many-short", many_short, "-n"),
    ("long-refs", lambda: long_values(True), "-n"),
    ("long-plain", lambda: long_values(False), "-n"),
    ("unused-params", unused_params, "-n"),
    ("master-o", master_overrides, "-M"),
]
if not core_only:
    shapes += [
        ("chained-refs", chained_references, "-nx"),
        ("many-services", many_services, "-M"),
        ("chained-conds", chained_conditionals, "-nx"),
    ]


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def best(command):
    return min(timed(command) for _ in range(rounds))


def paired(ours, reference):
    """The median, over the rounds, of the ratio of two runs made back to back:
    a machine whose speed drifts between runs moves both alike. The two take
    turns at running first, so that neither gains by its place. Also returns
    each one's best time of these runs."""
    ratios, best_mine, best_theirs = [], float("inf"), float("inf")
    for round in range(rounds):
        if round % 2 == 0:
            theirs = timed(reference)
            mine = timed(ours)
        else:
            mine = timed(ours)
            theirs = timed(reference)
        ratios.append(theirs / mine)
        best_mine, best_theirs = min(best_mine, mine), min(best_theirs, theirs)
    return statistics.median(ratios), best_mine, best_theirs


def peak_kb(command):
    """The median peak RSS of five runs: one run's peak moves by most of a
    megabyte (the empty configuration's own peak does), which is a tenth of a
    byte per input byte at 10 MB."""
    peaks = []
    for _ in range(5):
        run = subprocess.run(["/usr/bin/time", "-f", "%M"] + command,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peaks.append(int(run.stderr.strip().splitlines()[-1]))
    return statistics.median(peaks)


def instructions(command):
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + command,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in run.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1].strip())
    raise SystemExit("valgrind gave no instruction count for " + " ".join(command))


def backdate(directory):
    for name in ("main.cf", "master.cf"):
        os.utime(os.path.join(directory, name), (1577836800, 1577836800))


work = tempfile.mkdtemp()
try:
    if malloc_defaults:
        shim = os.path.join(work, "mallopt.c")
        open(shim, "w").write("int mallopt(int parameter, int value) { (void)parameter; (void)value; return 1; }\n")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim[:-2] + ".so", shim], check=True)
        os.environ["LD_PRELOAD"] = shim[:-2] + ".so"
    empty = os.path.join(work, "empty")
    os.mkdir(empty)
    open(os.path.join(empty, "main.cf"), "w").close()
    open(os.path.join(empty, "master.cf"), "w").write(stock_master)
    backdate(empty)
    rows = []
    for name, make, mode in shapes:
        directory = os.path.join(work, name)
        os.mkdir(directory)
        main, master = make()
        open(os.path.join(directory, "main.cf"), "w").write(main)
        open(os.path.join(directory, "master.cf"), "w").write(master)
        backdate(directory)
        # The files just written go to disk now, not while the programs are
        # timed: writeback takes a core from pfharden's second thread.
        os.sync()
        measured = len(main.encode()) + (len(master.encode()) if mode.startswith("-M") else 0)
        commands = {
            "postconf": ([binary, "postconf", "-c", directory, mode], ["postconf", "-c", directory, mode]),
            "check": ([binary, "check", "-c", directory], None),
            "apply": ([binary, "apply", "--profile", "send-only", "--dry-run", "-c", directory], None),
        }
        real = best(["postconf", "-c", directory, mode])
        row = {"shape": name, "bytes": measured}
        # The best times count the paired runs too: a slow stretch of the
        # machine during one program's own rounds then moves its best less.
        row["paired"], paired_ours, paired_real = paired(commands["postconf"][0], commands["postconf"][1])
        real = min(real, paired_real)
        row["reference_s"] = real
        if count_instructions:
            row["postconf_ir"] = instructions(["postconf", "-c", directory, mode])
            row["pf_ir"] = instructions([binary, "postconf", "-c", directory, mode])
        for key, (ours, _) in commands.items():
            seconds = best(ours)
            if key == "postconf":
                seconds = min(seconds, paired_ours)
            base = [empty if part == directory else part for part in ours]
            extra = peak_kb(ours) - peak_kb(base)
            row[key + "_s"] = seconds
            row[key + "_ratio"] = real / seconds
            row[key + "_mem"] = extra * 1024 / measured
        rows.append(row)
    rows.sort(key=lambda r: -r["postconf_ratio"])
    print("%-14s %9s %10s | %10s %7s %7s %6s | %8s %7s %6s | %8s %7s %6s" % (
        "shape", "MB", "postconf_s", "pf_pc_s", "ratio", "paired", "mem/B",
        "check_s", "ratio", "mem/B", "apply_s", "ratio", "mem/B"))
    for r in rows:
        print("%-14s %9.1f %10.3f | %10.3f %6.2fx %6.2fx %6.2f | %8.3f %6.2fx %6.2f | %8.3f %6.2fx %6.2f" % (
            r["shape"], r["bytes"] / 1e6, r["reference_s"],
            r["postconf_s"], r["postconf_ratio"], r["paired"], r["postconf_mem"],
            r["check_s"], r["check_ratio"], r["check_mem"],
            r["apply_s"], r["apply_ratio"], r["apply_mem"]))
    if count_instructions:
        print()
        print("%-14s %16s %16s %8s" % ("shape", "postconf_instr", "pfharden_instr", "ratio"))
        for r in rows:
            print("%-14s %16d %16d %7.2fx" % (
                r["shape"], r["postconf_ir"], r["pf_ir"], r["postconf_ir"] / r["pf_ir"]))
    if malloc_defaults:
        print("--malloc-defaults: pfharden ran with glibc's malloc defaults (mallopt preloaded as a no-op).")
    print("ratio = postconf's time / pfharden's (postconf mode: same flags; check and "
          "apply --dry-run: against postconf's mode for the shape), best of the rounds "
          "(in postconf mode, the paired runs count too); "
          "paired = median of the ratios of runs made back to back. mem/B = extra peak RSS "
          "per input byte. Goals: postconf ratio >= 5 at 10 MB, memory < 3 (postconf mode), "
          "< 10 (check, apply), for the first five shapes; chained-refs, many-services "
          "and chained-conds are measured beyond them.")
finally:
    shutil.rmtree(work)
