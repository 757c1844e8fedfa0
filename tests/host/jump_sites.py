#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks every static-key site of rtrace modules in their object code (TAP output).

For each entry of a module's __jump_table (struct jump_entry: code, target, key; each relative
to itself, resolved here through the entry's relocations), the site must be the 5-byte NOP
0f 1f 44 00 00 in .text, the target must lie in .text, and the key must be the `key` field of a
tracepoint static (`__tracepoint_*`) or of a marker static (`__marker_*`), at the offsets of
KEY_OFFSETS. Modules listed with a count must have exactly that many sites.

Usage: jump_sites.py MODULE.ko[:SITES] ...
"""
import struct
import sys

NOP5 = bytes([0x0F, 0x1F, 0x44, 0x00, 0x00])
# offset_of!(RawTracepoint, key): after the name and signature pointers and the argument-type
# function; offset_of!(RawMarker, key): after subsystem, event, fields, nfields and id.
KEY_OFFSETS = {"__tracepoint_": 24, "__marker_": 32}
R_X86_64_PC32 = 2
R_X86_64_PC64 = 24


class Elf:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2:
            raise ValueError(f"{path}: not an ELF64 file")
        (shoff,) = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
        self.sections = []
        for i in range(shnum):
            name, typ, _flags, _addr, off, size, link, info, _align, entsize = struct.unpack_from(
                "<IIQQQQIIQQ", d, shoff + i * shentsize
            )
            self.sections.append(dict(name=name, type=typ, off=off, size=size, link=link,
                                      info=info, entsize=entsize))
        strtab = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self.cstr(strtab["off"] + s["name"])

    def cstr(self, off):
        return self.data[off:self.data.index(b"\0", off)].decode()

    def index(self, name):
        for i, s in enumerate(self.sections):
            if s["name"] == name:
                return i
        return None

    def contents(self, i):
        s = self.sections[i]
        return self.data[s["off"]:s["off"] + s["size"]]

    def symbols(self):
        i = next(i for i, s in enumerate(self.sections) if s["type"] == 2)  # SHT_SYMTAB
        sym, strtab = self.sections[i], self.sections[self.sections[i]["link"]]
        out = []
        for n in range(sym["size"] // 24):
            name, _info, _other, shndx, value, _size = struct.unpack_from(
                "<IBBHQQ", self.data, sym["off"] + n * 24)
            out.append((self.cstr(strtab["off"] + name), shndx, value))
        return out

    def relocations(self, target):
        """{offset in target section: (type, symbol index, addend)}"""
        for s in self.sections:
            if s["type"] == 4 and s["info"] == target:  # SHT_RELA
                out = {}
                for n in range(s["size"] // 24):
                    off, info, addend = struct.unpack_from("<QQq", self.data, s["off"] + n * 24)
                    out[off] = (info & 0xFFFFFFFF, info >> 32, addend)
                return out
        return {}


def check(path, want):
    """Yields (ok, description) for every check of one module."""
    name = path.rsplit("/", 1)[-1]
    elf = Elf(path)
    jt = elf.index("__jump_table")
    if jt is None:
        yield want in (None, 0), f"{name}: no static-key site"
        return
    # A site is code in a text section: `.text`, or `.text.unlikely.` where the compiler put a
    # cold function (the bridge's probes keep their body out of line).
    texts = {i for i, s in enumerate(elf.sections) if s["name"].startswith(".text")}
    syms = elf.symbols()
    relocs = elf.relocations(jt)
    entries = elf.sections[jt]["size"] // 16
    if want is not None:
        yield entries == want, f"{name}: {entries} static-key sites (expected {want})"
    for e in range(entries):
        base = e * 16
        site_t, site_sym, site_at = relocs.get(base, (None, None, None))
        tgt_t, tgt_sym, tgt_at = relocs.get(base + 4, (None, None, None))
        key_t, key_sym, key_at = relocs.get(base + 8, (None, None, None))
        site = syms[site_sym][2] + site_at if site_t == R_X86_64_PC32 else None
        text = syms[site_sym][1] if site is not None else None
        in_text = text in texts
        code = elf.contents(text) if in_text else b""
        where = elf.sections[text]["name"] if in_text else "?"
        yield (in_text and code[site:site + 5] == NOP5,
               f"{name}: site {e} at {where}+{site:#x} is a 5-byte NOP" if site is not None
               else f"{name}: site {e} has a code relocation")
        target = syms[tgt_sym][2] + tgt_at if tgt_t == R_X86_64_PC32 else -1
        yield (syms[tgt_sym][1] == text and 0 <= target < len(code) if tgt_t else False,
               f"{name}: site {e} jumps within its text section ({where})")
        ok = False
        if key_t == R_X86_64_PC64:
            section = syms[key_sym][1]
            addr = syms[key_sym][2] + key_at
            ok = any(s[1] == section and s[2] == addr - off and prefix in s[0]
                     for s in syms for prefix, off in KEY_OFFSETS.items())
        yield ok, f"{name}: site {e} uses the key of a tracepoint or marker static"


def main(args):
    failed = 0
    for arg in args:
        path, _, want = arg.partition(":")
        for ok, desc in check(path, int(want) if want else None):
            print(("ok - " if ok else "not ok - ") + "jump sites: " + desc)
            failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
