#!/usr/bin/env python3
# Made tests/golden/decode/table-*.bin once, before MSR ids: never rerun it to "update" a golden,
# the .msr files are what version 1 decoded (msrexit disasm --binary) and must stay so.
# Hand-made binary inputs hitting every table-dependent choice of the decoder (version 1).
import sys
SEP, ESC = 0x7e, 0x7d
def frame(bs):
    out = []
    for b in bs:
        if b in (SEP, ESC):
            out += [ESC, b ^ 0x20]
        else:
            out.append(b)
    return out
def prog(setup, frames):
    data = [0x4d, 0x58, 0x01] + frame(setup)
    for f in frames:
        data += [SEP] + frame(f)
    return bytes(data)
NV1 = [(4,2),(2,0),(2,2),(2,2),(2,0),(2,2),(2,2),(2,2),(2,0),(2,0),(2,0),(2,0),(1,0),(2,0),(0,1),(2,1),(0,0),(1,0),(0,0),(0,0),(0,0),(0,0),(0,0),(0,0)]
out = {}
# 1. INDEX: class 0 every id of version 1 (the class byte's upper bits vary), class 1 each unknown, class 2, class 3
f = []
for u in range(24):
    f.append([0x00, (u * 4 * 7) & 0xfc, u])
for u in (0, 1, 2, 3, 0xc5, 0xff):
    f.append([0x00, 0x01 | ((u & 3) << 4), u])
for u in (0xc0, 0xd7, 0xe9, 0xff):                # never an id: as version 1, u % 24
    f.append([0x00, 0x00, u])
f.append([0x00, 0x02, 0x02])
f.append([0x00, 0x06, 0x08])
f.append([0x00, 0x03, 0x78, 0x56, 0x34, 0x12])
f.append([0x06, 0x00, 0x07, 0x00])    # wrmsr TSC_AUX small
out['table-index'] = prog([0, 0, 0], f)
# 2/3. MVALUE: every listed valid and invalid value of each version-1 row, class 0 and 3, rows without lists
f2, f3, f4 = [], [], []
for u, (nv, ni) in enumerate(NV1):
    dst = f2 if u < 8 else f3 if u < 16 else f4
    for s in range(nv):
        dst.append([0x06, 0x00, u, (s << 2) | 1])
    for s in range(ni):
        dst.append([0x06, 0x00, u, (s << 2) | 2])
    if nv == 0:
        dst.append([0x06, 0x00, u, (57 << 2) | 1])    # no valid list: the selector itself
    if ni == 0:
        dst.append([0x06, 0x00, u, (61 << 2) | 2])    # no invalid list: INTERESTING[61 % 16]
    dst.append([0x06, 0x00, u, (21 << 2) | 0])        # class 0: 21
    if nv:
        dst.append([0x06, 0x00, u, (59 << 2) | 1])    # past any new entry: valid[59 % n]
    if ni:
        dst.append([0x06, 0x00, u, (62 << 2) | 2])
f4.append([0x06, 0x00, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8])  # class 3 le64
f4.append([0x06, 0x03, 0x78, 0x56, 0x34, 0x12, (58 << 2) | 1])  # not in the table: selector
f4.append([0x06, 0x03, 0x78, 0x56, 0x34, 0x12, (5 << 2) | 2])  # not in the table: INTERESTING
out['table-values-a'] = prog([0, 0, 0], f2)
out['table-values-b'] = prog([0, 0, 0], f3)
out['table-values-c'] = prog([0, 0, 0], f4)
assert max(len(f2), len(f3), len(f4)) <= 64
# 4. host get/set lists with table indices and values; wrmsrns and fep forms
f = []
for base in range(0, 24, 8):
    lst = []
    for u in range(base, base + 8):
        nv, ni = NV1[u]
        lst += [0x00, u, 0x01 if nv else 0x02]
    f.append([0x13, 0x00, 8, 0] + lst)
    f.append([0x12, 0x00, 8, 0] + [x for u in range(base, base + 8) for x in (0x00, u, 0x00)])
f.append([0x0c, 0x00, 2, 0x01])
f.append([0x0f, 0x00, 0, 0x05])
f.append([0x0d, 0x00, 14])
out['table-host'] = prog([0, 0, 0], f)
# 5. filters whose ranges name table MSRs, INTERESTING values through VALUE class 3
flt = [0, 8]
for u in range(8):
    flt += [u % 3, 0x00, u * 3, (u << 2), (u % 4)]
    if u % 4 == 3:
        flt += [0x0b]
f = [flt]
steps = []
for i in range(16):
    steps.append([0x00, 0x00, 0, 0x00, 0x00, (i << 2) | 3])
out['table-filter'] = prog([0x02, 0x01, 0x01], f + steps)
for k, v in out.items():
    open(k + '.bin', 'wb').write(v)
