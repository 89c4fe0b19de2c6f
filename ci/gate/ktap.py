#!/usr/bin/env python3
"""ktap.py - ci/gate-kernel's KTAP reader: JUnit, the base comparison and ci/matrix's tables.

The gate's KTAP (ci/gate/init) is nested: the top level has one test per part (conform,
regressions, fuzz, kernel_health), each part's own KTAP indented by four spaces before its
result line. A result is named PART/CASE (conform/gp.lstar_noncanonical) or PART for a part
without subtests. Diagnostic lines ("# ...") belong to the result that follows them.
"""
import argparse
import fnmatch
import html
import json
import re
import sys
from xml.sax.saxutils import escape, quoteattr

RESULT = re.compile(r"^(ok|not ok) (\d+) ([^#]*?)\s*(?:#\s*(.*))?$")


class Result:
    def __init__(self, name, status, reason, diag):
        self.name, self.status, self.reason, self.diag = name, status, reason, diag

    def why(self):
        """One line saying why: the skip reason, or the first diagnostic of a failure."""
        if self.status == "skip":
            return self.reason
        if self.status == "fail":
            lines = [d for d in self.diag if d and ": note:" not in d
                     and not d.startswith(("kernel log:", "expectation:"))]
            return (lines or self.diag or [self.reason or "failed"])[0]
        return ""

    def as_dict(self):
        return {"status": self.status, "reason": self.reason, "diag": self.diag}


def parse(text, flat=False):
    """Results in stream order. flat: a plain (not nested) KTAP, e.g. `msrexit conform`'s own."""
    results, pending, part = [], {}, "unfinished"
    for raw in text.replace("\r", "").splitlines():
        stripped = raw.lstrip(" ")
        depth = (len(raw) - len(stripped)) // 4
        m = RESULT.match(stripped)
        started = re.match(r"^# part \d+ (\S+)$", stripped) if depth == 0 else None
        if started:
            part = started.group(1)
            continue
        if not m:
            if stripped.startswith("KTAP version") or re.match(r"^\d+\.\.\d+", stripped):
                pending.pop(depth, None)  # a header's comments belong to no case
            elif stripped.startswith("#"):
                pending.setdefault(depth, []).append(stripped[1:].strip())
            continue
        ok, name, comment = m.group(1) == "ok", m.group(3).strip(), m.group(4) or ""
        status = "pass" if ok else "fail"
        reason = ""
        if comment.upper().startswith("SKIP"):
            status, reason = "skip", comment[4:].strip()
        elif not ok:
            reason = comment
        diag = pending.pop(depth, [])
        if flat:
            results.append(Result(name, status, reason, diag))
        elif depth == 1:
            results.append(Result("%s/%s" % ("{part}", name), status, reason, diag))
        elif depth == 0:
            # a part's cases came just before its own line: name them now
            cases = [r for r in results if r.name.startswith("{part}/")]
            for r in cases:
                r.name = name + r.name[6:]
            if not cases:  # a part without cases: its comments are its own
                diag += pending.get(1, [])
            pending = {}
            results.append(Result(name, status, reason, diag))
    for r in results:  # the cases of a part that never ended (the run was cut short)
        if r.name.startswith("{part}/"):
            r.name = part + r.name[6:]
    return results


def read(path, flat=False):
    try:
        with open(path, errors="replace") as f:
            return parse(f.read(), flat)
    except FileNotFoundError:
        return []


def junit(results, suite_name, error=None):
    """JUnit XML: a testsuite per part, a testcase per case; error: the run did not finish."""
    suites = {}
    for r in results:
        part, _, case = r.name.partition("/")
        if case:
            suites.setdefault(part, []).append((case, r))
        elif not any(x.name.startswith(part + "/") for x in results):
            suites.setdefault(part, []).append((part, r))
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites name=%s>" % quoteattr(suite_name)]
    if error:
        out.append('<testsuite name="gate" tests="1" failures="0" errors="1" skipped="0">')
        out.append('<testcase classname="gate" name="run"><error message=%s/></testcase>'
                   % quoteattr(error))
        out.append("</testsuite>")
    for part, cases in suites.items():
        fails = sum(r.status == "fail" for _, r in cases)
        skips = sum(r.status == "skip" for _, r in cases)
        out.append('<testsuite name=%s tests="%d" failures="%d" errors="0" skipped="%d">'
                   % (quoteattr(part), len(cases), fails, skips))
        for case, r in cases:
            out.append("<testcase classname=%s name=%s>" % (quoteattr(part), quoteattr(case)))
            if r.status == "fail":
                out.append("<failure message=%s>%s</failure>"
                           % (quoteattr(r.why()), escape("\n".join(r.diag))))
            elif r.status == "skip":
                out.append("<skipped message=%s/>" % quoteattr(r.reason))
            out.append("</testcase>")
        out.append("</testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def comparable(results):
    """The results a base comparison looks at: cases, and parts without cases."""
    names = {r.name for r in results}
    return {r.name: r for r in results
            if "/" in r.name or not any(n.startswith(r.name + "/") for n in names)}


def compare(cand, base):
    """(new failures, fixed, still failing, other changes): lists of (name, cand, base)."""
    c, b = comparable(cand), comparable(base)
    new, fixed, old, other = [], [], [], []
    for name in list(c) + [n for n in b if n not in c]:
        rc, rb = c.get(name), b.get(name)
        sc, sb = rc.status if rc else "absent", rb.status if rb else "absent"
        if name.startswith("fuzz/") and "absent" in (sc, sb):
            continue  # a batch one kernel had no time for: nothing to compare
        if sc == "fail" and sb == "fail":
            old.append((name, rc, rb))
        elif sc == "fail":
            new.append((name, rc, rb))
        elif sb == "fail":
            fixed.append((name, rc, rb))
        elif sc != sb and not name.startswith("fuzz/"):
            other.append((name, rc, rb))
    return new, fixed, old, other


def status_of(r):
    return r.status if r else "absent"


def cmd_junit(a):
    results = read(a.ktap)
    with open(a.output, "w") as f:
        f.write(junit(results, a.name, a.error))


def cmd_summary(a):
    """Counts per part, one line each, and the failures with their first diagnostic."""
    results = read(a.ktap)
    parts = [r for r in results if "/" not in r.name]
    for p in parts:
        cases = [r for r in results if r.name.startswith(p.name + "/")]
        n = {s: sum(r.status == s for r in cases) for s in ("pass", "fail", "skip")}
        detail = ", %d pass, %d fail, %d skip" % (n["pass"], n["fail"], n["skip"]) if cases else ""
        print("  %-14s %s%s" % (p.name, p.status.upper(), detail))
    for r in results:
        if r.status == "fail" and "/" in r.name:
            print("    FAIL %s: %s" % (r.name, r.why()[:160]))


def read_known(path):
    """(pattern, signatures, reason) per line of a known-failures file, # comments:
    "PATTERN  reason", or "PATTERN sig=SIG,SIG...  reason": known only while each mismatch
    signature ("[...]" in the diagnostics) the failure shows is one of them (for fuzz batches)."""
    known = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                pattern, _, rest = line.partition(" ")
                rest = rest.strip()
                sigs = None
                if rest.startswith("sig="):
                    sig, _, rest = rest.partition(" ")
                    sigs = set(sig[4:].split(","))
                known.append((pattern, sigs, rest.strip()))
    return known


SIGNATURE = re.compile(r"\[([^\]]+)\]\s*$")


def known_reason(known, r):
    """The reason a known-failures entry gives for failing result r, or None."""
    for pattern, sigs, reason in known:
        if not fnmatch.fnmatchcase(r.name, pattern):
            continue
        if sigs is not None:
            seen = {m.group(1) for m in map(SIGNATURE.search, r.diag) if m}
            if not seen or not seen <= sigs:
                continue
        return reason
    return None


def print_rows(title, rows):
    print("  %s: %d" % (title, len(rows)))
    for name, rc, rb in rows:
        why = (rc.why() if rc and rc.status == "fail" else rb.why() if rb else "") or ""
        change = "%s -> %s" % (status_of(rb), status_of(rc)) if rb or rc is None else status_of(rc)
        print("    %s: %s%s" % (name, change, ("  (" + why[:140] + ")") if why else ""))


def cmd_verdict(a):
    """The gate's verdict: failures not on a base and not known fail it (exit 1)."""
    cand = read(a.candidate)
    failing = [(n, r, None) for n, r in comparable(cand).items() if r.status == "fail"]
    for spec in a.base or []:
        label, _, path = spec.partition("=")
        new, fixed, old, other = compare(cand, read(path))
        print_rows("failing on %s too (reported, not gating)" % label, old)
        print_rows("fixed against %s" % label, fixed)
        print_rows("other changes against %s" % label, other)
        was = {n: (n, rc, rb) for n, rc, rb in new}
        failing = [was[f[0]] for f in failing if f[0] in was]
    if a.known:
        known = read_known(a.known)
        print_rows("known failures (%s; reported, not gating)" % a.known,
                   [f for f in failing if known_reason(known, f[1])])
        fails = [r for r in comparable(cand).values() if r.status == "fail"]
        stale = [p for p, _, _ in known if not any(fnmatch.fnmatchcase(r.name, p) for r in fails)]
        if stale:
            print("  known failures that do not fail here (remove them from %s once they pass on"
                  " every kernel): %d: %s" % (a.known, len(stale), ", ".join(stale)))
        failing = [f for f in failing if not known_reason(known, f[1])]
    print_rows("failures that fail the gate", failing)
    sys.exit(1 if failing else 0)


def load_runs(specs):
    """LABEL=FILE[:flat] specs, in column order."""
    runs = []
    for spec in specs:
        label, _, path = spec.partition("=")
        flat = path.endswith(":flat")
        runs.append((label, read(path[:-5] if flat else path, flat)))
    return runs


def matrix_rows(runs, known=()):
    """(name, [result per run], reason) per case; reason says why the results differ."""
    names, seen = [], set()
    tables = []
    for _, results in runs:
        t = comparable(results)
        tables.append(t)
        for n in t:
            if n not in seen and not n.startswith(("fuzz", "kernel_health")):  # gate-only parts
                seen.add(n)
                names.append(n)
    rows = []
    for n in names:
        cells = [t.get(n) for t in tables]
        statuses = {status_of(r) for r in cells}
        reason = ""
        if len(statuses) > 1:
            why = {}  # the same reason on several kernels is said once
            for (label, _), r in zip(runs, cells):
                if r is None or r.status != "pass":
                    text = (r.why() if r else "not run")[:200]
                    k = known_reason(known, r) if r and r.status == "fail" else None
                    why.setdefault("%s (seen: %s)" % (k, text) if k else text, []).append(label)
            reason = "; ".join("%s: %s" % (", ".join(labels), text)
                               for text, labels in why.items())
        rows.append((n, cells, reason))
    return rows


def cmd_matrix(a):
    runs = load_runs(a.run)
    rows = matrix_rows(runs, read_known(a.known) if a.known else ())
    labels = [label for label, _ in runs]
    totals = []
    for i, label in enumerate(labels):
        n = {s: sum(status_of(c[i]) == s for _, c, _ in rows) for s in ("pass", "fail", "skip")}
        totals.append("%s: %d pass, %d fail, %d skip" % (label, n["pass"], n["fail"], n["skip"]))
    differ = [r for r in rows if r[2]]
    md = ["# msrexit: case x kernel", "", a.title or "", ""]
    md += ["- " + t for t in totals]
    md += ["", "%d cases, %d with results that differ between kernels (their reason is in the "
           "last column)." % (len(rows), len(differ)), ""]
    for title, subset in (("Cases whose results differ", differ), ("All cases", rows)):
        md += ["## " + title, ""]
        md.append("| case | " + " | ".join(labels) + " | why they differ |")
        md.append("|---|" + "---|" * len(labels) + "---|")
        for n, cells, reason in subset:
            md.append("| %s | %s | %s |" % (n, " | ".join(status_of(c) for c in cells),
                                            reason.replace("|", "\\|")))
        md.append("")
    with open(a.markdown, "w") as f:
        f.write("\n".join(md) + "\n")
    colour = {"pass": "#c8f0c8", "fail": "#f4c0c0", "skip": "#f0e8b0", "absent": "#ddd"}
    h = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>msrexit matrix</title>",
         "<style>td,th{border:1px solid #999;padding:2px 6px;font:13px monospace}"
         "table{border-collapse:collapse}</style></head><body>",
         "<h1>msrexit: case x kernel</h1><p>%s</p><ul>" % html.escape(a.title or "")]
    h += ["<li>%s</li>" % html.escape(t) for t in totals]
    h.append("</ul>")
    for title, subset in (("Cases whose results differ", differ), ("All cases", rows)):
        h.append("<h2>%s</h2><table><tr><th>case</th>%s<th>why they differ</th></tr>"
                 % (title, "".join("<th>%s</th>" % html.escape(l) for l in labels)))
        for n, cells, reason in subset:
            tds = "".join("<td style='background:%s' title=%s>%s</td>"
                          % (colour[status_of(c)], quoteattr(c.why() if c else ""), status_of(c))
                          for c in cells)
            h.append("<tr><td>%s</td>%s<td>%s</td></tr>"
                     % (html.escape(n), tds, html.escape(reason)))
        h.append("</table>")
    h.append("</body></html>")
    with open(a.html, "w") as f:
        f.write("\n".join(h) + "\n")
    print("\n".join(totals))
    print("%d cases, %d differ; written %s and %s" % (len(rows), len(differ), a.markdown, a.html))


def cmd_json(a):
    json.dump({r.name: r.as_dict() for r in read(a.ktap, a.flat)}, sys.stdout, indent=1)
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("junit")
    p.add_argument("ktap")
    p.add_argument("output")
    p.add_argument("--name", default="msrexit-gate")
    p.add_argument("--error")
    p.set_defaults(fn=cmd_junit)
    p = sub.add_parser("summary")
    p.add_argument("ktap")
    p.set_defaults(fn=cmd_summary)
    p = sub.add_parser("verdict")
    p.add_argument("candidate")
    p.add_argument("--base", action="append", help="LABEL=KTAP of a base kernel")
    p.add_argument("--known", help="a known-failures file")
    p.set_defaults(fn=cmd_verdict)
    p = sub.add_parser("matrix")
    p.add_argument("run", nargs="+", help="LABEL=KTAP (nested) or LABEL=KTAP:flat")
    p.add_argument("--markdown", required=True)
    p.add_argument("--html", required=True)
    p.add_argument("--title")
    p.add_argument("--known", help="a known-failures file: its reasons explain failures")
    p.set_defaults(fn=cmd_matrix)
    p = sub.add_parser("json")
    p.add_argument("ktap")
    p.add_argument("--flat", action="store_true")
    p.set_defaults(fn=cmd_json)
    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
