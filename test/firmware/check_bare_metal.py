#!/usr/bin/env python3
"""kilnc's bare-metal objects: no libm, and the --arena/--weights sections.

Compiles math-heavy models for Cortex-M triples and checks with nm that the
only undefined symbols are the runtime's (kiln_*), the Arm EABI helpers of
libgcc (__aeabi_*) and memcpy/memset/memmove; checks that a host object
still calls libm, and that --arena-section gives a NOBITS section holding
<name>_arena that the header declares. Exits 77 without an nm.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

SKIP_CODE = 77
TARGETS = [
    ("thumbv7em-none-eabihf", "cortex-m4"),
    ("thumbv7em-none-eabihf", "cortex-m7"),
    ("thumbv7m-none-eabi", "cortex-m3"),        # no FPU: soft-float calls
    ("thumbv8m.main-none-eabihf", "cortex-m33"),
    ("thumbv8.1m.main-none-eabihf", "cortex-m55"),  # MVE vectors
]
ALLOWED = re.compile(r"^(kiln_\w+|__aeabi_\w+|memcpy|memset|memmove)$")
failures = 0


def check(ok, msg):
    global failures
    print(("ok    " if ok else "FAIL  ") + msg, flush=True)
    if not ok:
        failures += 1


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if p.returncode != 0:
        print("FAIL: %s exited %d:\n%s" % (" ".join(cmd), p.returncode,
                                          p.stdout))
        sys.exit(1)
    return p.stdout


def undefined(nm, obj):
    return sorted(line.split()[-1] for line in
                  run([nm, "-u", obj]).splitlines() if line.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--models", required=True, help="comma-separated")
    ap.add_argument("--section-model", required=True,
                    help="a model with weights, for the section checks")
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    nm = next((shutil.which(t) for t in ("arm-none-eabi-nm", "llvm-nm-14",
                                         "llvm-nm") if shutil.which(t)), None)
    readelf = next((shutil.which(t) for t in ("arm-none-eabi-readelf",
                                              "llvm-readelf-14", "readelf")
                    if shutil.which(t)), None)
    host_nm = shutil.which("llvm-nm-14") or shutil.which("nm")
    if not nm or not readelf or not host_nm:
        print("SKIPPED: no nm/readelf (binutils or llvm-14) found")
        return SKIP_CODE
    os.makedirs(args.work, exist_ok=True)

    for model in args.models.split(","):
        stem = os.path.basename(model).split(".")[0]
        for triple, cpu in TARGETS:
            obj = os.path.join(args.work, "%s-%s.o" % (stem, cpu))
            run([args.kilnc, model, "--name=m", "--target=" + triple,
                 "--mcpu=" + cpu, "-o", obj])
            syms = undefined(nm, obj)
            bad = [s for s in syms if not ALLOWED.match(s)]
            check(not bad and any(s.startswith("kiln_") for s in syms),
                  "%s for %s %s: undefined %s" % (stem, triple, cpu,
                                                  " ".join(syms)))
        # The host keeps libm (x86-64 and AArch64 Linux code is unchanged).
        obj = os.path.join(args.work, "%s-linux.o" % stem)
        run([args.kilnc, model, "--name=m", "--target=x86_64-linux-gnu",
             "-o", obj])
        syms = undefined(host_nm, obj)
        check(not any(s.startswith("kiln_") and s != "kiln_parallel_for"
                      for s in syms),
              "%s for x86_64-linux-gnu calls no kiln_* math: %s" %
              (stem, " ".join(syms)))

    # --arena-section / --weights-section on ELF Arm.
    model = args.section_model
    obj = os.path.join(args.work, "sections.o")
    run([args.kilnc, model, "--name=net", "--target=thumbv7em-none-eabihf",
         "--mcpu=cortex-m4", "--arena-section=.fw_arena",
         "--weights-section=.fw_weights", "-o", obj])
    sections = run([readelf, "-S", "-W", obj])
    arena = re.search(r"\.fw_arena\s+NOBITS\s+\S+\s+\S+\s+(\S+)\s+\S+\s+WA",
                      sections)
    check(arena is not None, "--arena-section: .fw_arena is NOBITS, WA")
    check(re.search(r"\.fw_weights\s+PROGBITS\s+\S+\s+\S+\s+\S+\s+\S+\s+A",
                    sections) is not None,
          "--weights-section: .fw_weights is PROGBITS, read-only")
    symbols = run([nm, obj])
    check(re.search(r"^\S+ B net_arena$", symbols, re.M) is not None,
          "net_arena is a global .bss-like symbol")
    header = open(os.path.join(args.work, "sections.h")).read()
    size = re.search(r"#define NET_ARENA_SIZE (\d+)", header).group(1)
    check(arena is not None and int(arena.group(1), 16) == max(int(size), 1),
          "the arena section holds NET_ARENA_SIZE (%s) bytes" % size)
    check('#define NET_ARENA_SECTION ".fw_arena"' in header and
          "extern unsigned char net_arena[];" in header,
          "the header declares net_arena and NET_ARENA_SECTION")
    p = subprocess.run([args.kilnc, model, "--arena-section=bad\"name",
                        "-o", os.path.join(args.work, "bad.o")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    check(p.returncode != 0 and "invalid linker section name" in p.stdout,
          "a section name with a quote is rejected")

    if failures:
        print("%d check(s) failed" % failures)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
