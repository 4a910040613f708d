#!/usr/bin/env python3
"""Flash and RAM footprint of a firmware image, split by where bytes come from.

Reads the GNU ld map file of an examples/firmware image (fw_<model>.map,
written next to the .elf) and attributes every input section to one of:
model code, weights (the model's read-only data), runtime (Kiln's C99
runtime) and its math (math.c, linked only where the model calls it),
startup/app (startup.c, semihosting.c, main.c), inputs/outputs (main.c's
buffer pool), libc/libgcc (newlib's memcpy/memset, the __aeabi_* helpers) or
padding. Flash is
.text + .rodata + weights + .ARM.exidx + the .data load image; RAM is .data +
.bss + the arena + the stack.

  scripts/footprint.py build/fw/fw_lenet.map [--stack-used BYTES] [--markdown]
"""
import argparse
import re
import sys

FLASH_SECTIONS = {".text": "code", ".rodata": "rodata",
                  ".kiln_weights": "rodata", ".ARM.exidx": "rodata"}
RAM_SECTIONS = {".data", ".bss", ".kiln_arena", ".stack"}
CATEGORIES = ["model code", "weights", "runtime", "runtime math",
              "startup/app", "inputs/outputs", "libc/libgcc", "padding"]


def category(origin, kind, name=""):
    """The category of input section `name` from `origin` (an object or
    archive member) holding code ('code') or data."""
    if origin == "*fill*":
        return "padding"
    if name.startswith(".bss.io_pool"):  # examples/firmware/main.c's buffers
        return "inputs/outputs"
    if re.search(r"_model\.a\(|\.o$", origin) and "CMakeFiles" not in origin:
        return "model code" if kind == "code" else "weights"
    if "fw_runtime" in origin or "KilnRuntime" in origin:
        return "runtime math" if "math.c" in origin else "runtime"
    if re.search(r"lib(c|c_nano|g|g_nano|gcc|m|nosys)\.a\(", origin) or \
            "crt" in origin:
        return "libc/libgcc"
    return "startup/app"


def parse_map(path):
    """{output section: [(input section, size, origin)]}."""
    with open(path) as f:
        text = f.read()
    start = text.find("Linker script and memory map")
    if start < 0:
        sys.exit("footprint: %s is not a GNU ld map file" % path)
    sections, current, pending = {}, None, None
    for line in text[start:].splitlines():
        m = re.match(r"^(\.\S+|/DISCARD/)\s*(0x[0-9a-f]+)?\s*(0x[0-9a-f]+)?",
                     line)
        if m and not line.startswith(" "):
            current = m.group(1)
            sections.setdefault(current, [])
            if m.group(3) is not None and current == ".stack":
                sections[current].append((".stack", int(m.group(3), 16),
                                          "stack"))
            pending = None
            continue
        if current is None or current == ".stack":
            continue
        m = re.match(r"^ (\*fill\*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", line)
        if m:
            sections[current].append(("*fill*", int(m.group(3), 16),
                                      "*fill*"))
            continue
        m = re.match(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$",
                     line)
        if m:
            sections[current].append((m.group(1), int(m.group(3), 16),
                                      m.group(4).strip()))
            pending = None
            continue
        m = re.match(r"^ (\S+)$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m and pending:
            sections[current].append((pending, int(m.group(2), 16),
                                      m.group(3).strip()))
            pending = None
    return sections


def footprint(path):
    sections = parse_map(path)
    flash = {c: 0 for c in CATEGORIES}
    ram = {c: 0 for c in CATEGORIES + ["arena", "stack"]}
    for out, entries in sections.items():
        for name, size, origin in entries:
            if out in FLASH_SECTIONS:
                flash[category(origin, FLASH_SECTIONS[out], name)] += size
            elif out == ".data":
                # Initialized data lives in both: its image in flash.
                flash[category(origin, "data", name)] += size
                ram[category(origin, "data", name)] += size
            elif out == ".bss":
                ram[category(origin, "data", name)] += size
            elif out == ".kiln_arena":
                ram["arena" if origin != "*fill*" else "padding"] += size
            elif out == ".stack":
                ram["stack"] += size
    return flash, ram


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("map", help="the linker map (fw_<model>.map)")
    ap.add_argument("--stack-used", type=int,
                    help="measured stack high-water mark (the firmware "
                         "prints it) to show next to the reserved stack")
    ap.add_argument("--markdown", action="store_true",
                    help="print a Markdown table")
    args = ap.parse_args()
    flash, ram = footprint(args.map)
    rows = []
    for c in CATEGORIES + ["arena", "stack"]:
        f = flash.get(c, 0)
        r = ram.get(c, 0)
        if c == "stack" and args.stack_used is not None:
            label = "stack (%d used)" % args.stack_used
        else:
            label = c
        rows.append((label, f, r))
    total_flash = sum(flash.values())
    total_ram = sum(ram.values())
    if args.markdown:
        print("| part | flash (bytes) | RAM (bytes) |")
        print("|------|------:|----:|")
        for label, f, r in rows:
            print("| %s | %d | %d |" % (label, f, r))
        print("| **total** | **%d** | **%d** |" % (total_flash, total_ram))
    else:
        print("%-22s %10s %10s" % ("part", "flash", "RAM"))
        for label, f, r in rows:
            print("%-22s %10d %10d" % (label, f, r))
        print("%-22s %10d %10d" % ("total", total_flash, total_ram))
    return 0


if __name__ == "__main__":
    sys.exit(main())
