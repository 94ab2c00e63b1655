#!/usr/bin/env python3
"""Per-function code size of a .wasm built with --profiling-funcs (names section kept).

Usage: wasm-sizes.py FILE.wasm [TOP]  -> section sizes, then the TOP largest functions and a
grouping by origin (binding, nlohmann, libc++, libc, embind, tracker core).
"""
import sys


def leb(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def main():
    data = open(sys.argv[1], "rb").read()
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    pos = 8
    sections, imports, bodies, names = {}, 0, [], {}
    while pos < len(data):
        sid = data[pos]
        size, pos = leb(data, pos + 1)
        body = data[pos:pos + size]
        label = {1: "type", 2: "import", 3: "function", 5: "memory", 6: "global", 7: "export",
                 9: "elem", 10: "code", 11: "data"}.get(sid, str(sid))
        if sid == 0:
            nlen, p = leb(body, 0)
            label = "custom:" + body[p:p + nlen].decode()
            if label == "custom:name":
                p += nlen
                while p < len(body):
                    sub, p = leb(body, p + 1) if False else (body[p], p + 1)
                    ssize, p = leb(body, p)
                    if sub == 1:
                        q = p
                        count, q = leb(body, q)
                        for _ in range(count):
                            idx, q = leb(body, q)
                            ln, q = leb(body, q)
                            names[idx] = body[q:q + ln].decode(errors="replace")
                            q += ln
                    p += ssize
        if sid == 2:
            count, p = leb(body, 0)
            for _ in range(count):
                for _ in range(2):
                    ln, p = leb(body, p)
                    p += ln
                kind = body[p]
                p += 1
                if kind == 0:
                    _, p = leb(body, p)
                    imports += 1
                elif kind == 1:
                    p += 1
                    flags, p = leb(body, p)
                    _, p = leb(body, p)
                    if flags & 1:
                        _, p = leb(body, p)
                elif kind == 2:
                    flags, p = leb(body, p)
                    _, p = leb(body, p)
                    if flags & 1:
                        _, p = leb(body, p)
                elif kind == 3:
                    p += 2
        if sid == 10:
            count, p = leb(body, 0)
            for i in range(count):
                fsize, p2 = leb(body, p)
                bodies.append((imports + i, fsize + (p2 - p)))
                p = p2 + fsize
        sections[label] = sections.get(label, 0) + size
        pos += size
    print("| section | bytes |\n|---|---:|")
    for k, v in sorted(sections.items(), key=lambda kv: -kv[1]):
        print(f"| {k} | {v:,} |")
    groups = {}
    for idx, size in bodies:
        n = names.get(idx, f"f{idx}")
        # The binding's functions (wasm/bindings/embind.cpp) carry the core inlined into them.
        binding = "TrackerCore" in n or n.startswith("(anonymous namespace)::create(") \
            or n.startswith("(anonymous namespace)::destroy(")
        g = ("binding (core inlined)" if binding else "nlohmann" if "nlohmann" in n
             else "tracker core" if "tracker" in n
             else "embind" if ("emscripten" in n or "embind" in n or "EmBind" in n) else
             "libc++" if ("std::" in n or "__2" in n) else "libc/other")
        groups[g] = groups.get(g, 0) + size
    print("\n| origin | code bytes |\n|---|---:|")
    for k, v in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"| {k} | {v:,} |")
    print(f"\n| top {top} functions | bytes |\n|---|---:|")
    for idx, size in sorted(bodies, key=lambda b: -b[1])[:top]:
        print(f"| {names.get(idx, f'f{idx}')[:110].replace('|', '/')} | {size:,} |")


if __name__ == "__main__":
    main()
