#!/usr/bin/env python3
"""Times `pfharden postconf -n` and `pfharden check` against the installed
`postconf -n` on real configuration files: Debian's stock main.cf and the
largest files of the corpus of real configurations. Each command runs
ROUNDS times in turn with the others (so all meet the same load) and its best
time is kept; the ratio is postconf's time over pfharden's (higher is better,
goal >= 1: never slower than postconf).

Usage: Benchmarks/real-files.py PFHARDEN [ROUNDS]

PFHARDEN is a binary built as the README's "Installing" says (release,
Swift runtime linked in, the compiler flag given there).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

binary = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.path.join(root, "Tests/PostfixHardeningTests/Fixtures/corpus")
sources = [("debian-stock", os.path.join(root, "Examples/debian"))]
sized = []
for name in sorted(os.listdir(corpus)):
    path = os.path.join(corpus, name, "main.cf")
    if os.path.isfile(path):
        sized.append((os.path.getsize(path), name, os.path.join(corpus, name)))
sources += [(name, path) for _, name, path in sorted(sized)[-3:]]

work = tempfile.mkdtemp()
try:
    print("%-22s %8s %10s %12s %7s %10s %7s" % (
        "file", "bytes", "postconf_s", "pf_postconf", "ratio", "pf_check", "ratio"))
    for name, source in sources:
        directory = os.path.join(work, name)
        os.mkdir(directory)
        shutil.copy(os.path.join(source, "main.cf"), directory)
        master = os.path.join(source, "master.cf")
        shutil.copy(master if os.path.isfile(master)
                    else os.path.join(root, "Examples/debian/master.cf"), directory)
        for file in ("main.cf", "master.cf"):
            os.utime(os.path.join(directory, file), (1577836800, 1577836800))
        commands = [
            ["postconf", "-c", directory, "-n"],
            [binary, "postconf", "-c", directory, "-n"],
            [binary, "check", "-c", directory, "--config-only"],
        ]
        best = [float("inf")] * len(commands)
        env = dict(os.environ, RES_OPTIONS="attempts:0")
        for _ in range(rounds):
            for index, command in enumerate(commands):
                start = time.perf_counter()
                subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                best[index] = min(best[index], time.perf_counter() - start)
        size = os.path.getsize(os.path.join(directory, "main.cf"))
        print("%-22s %8d %10.4f %12.4f %6.2fx %10.4f %6.2fx" % (
            name, size, best[0], best[1], best[0] / best[1], best[2], best[0] / best[2]))
finally:
    shutil.rmtree(work)
