#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the .BTF section of a bzImage's vmlinux (what /sys/kernel/btf/vmlinux shows
once that kernel runs): vmlinuz_btf.py VMLINUZ OUT. The payload is found by its xz or
zstd magic and decompressed (zstd: the zstd program); exit 1 when there is none."""
import lzma
import struct
import subprocess
import sys


def payloads(data):
    for magic, kind in ((b'\xfd7zXZ\x00', 'xz'), (b'\x28\xb5\x2f\xfd', 'zstd')):
        pos = data.find(magic)
        while pos >= 0:
            try:
                if kind == 'xz':
                    raw = lzma.LZMADecompressor().decompress(data[pos:])
                else:
                    raw = subprocess.run(['zstd', '-dcq'], input=data[pos:],
                                         capture_output=True).stdout
                if raw[:4] == b'\x7fELF':
                    yield raw
            except lzma.LZMAError:
                pass
            pos = data.find(magic, pos + 1)


def section(elf, name):
    shoff, = struct.unpack_from('<Q', elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3a)
    def hdr(i):
        return struct.unpack_from('<IIQQQQIIQQ', elf, shoff + i * shentsize)
    strtab = hdr(shstrndx)
    for i in range(shnum):
        h = hdr(i)
        end = elf.index(b'\0', strtab[4] + h[0])
        if elf[strtab[4] + h[0]:end] == name:
            return elf[h[4]:h[4] + h[5]]
    return None


def main():
    data = open(sys.argv[1], 'rb').read()
    for elf in payloads(data):
        btf = section(elf, b'.BTF')
        if btf:
            open(sys.argv[2], 'wb').write(btf)
            return 0
    print(f'{sys.argv[1]}: no vmlinux with a .BTF section found', file=sys.stderr)
    return 1


sys.exit(main())
