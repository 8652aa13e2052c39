#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-3.0-or-later
"""Lists the longest function definitions of C++ sources, counted in lines from the first line of the
signature to the closing brace (lambdas count inside the function that holds them).

    scripts/function-lengths.py [--top N] [--limit L] [paths...]   (default: qtws/src, top 10)

A brace counter, not a parser: comments, string and character literals (raw strings too) are blanked
first; a brace opens a function body when it follows a parenthesised signature at namespace or class
scope. With --limit, the exit status is 1 when a function is longer than L lines.
"""
import argparse
import os
import re
import sys

SOURCE_SUFFIXES = ('.cpp', '.h', '.hpp', '.cc')


def blank(text):
    """Replaces comments and literals by spaces, keeping newlines (and so line numbers)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c == 'R' and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == '_')):
            m = re.match(r'R"([^()\\ ]{0,16})\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ')' + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c in '"\'':
            # a digit separator (1'000) is not a character literal
            if c == '\'' and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(c)
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r'[^\n]', ' ', text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return ''.join(out)


CONTAINER = re.compile(r'(^|[\s;}])(namespace|class|struct|union|extern\s+"")\b')
SIGNATURE_END = re.compile(
    r'\)\s*(const|noexcept(\s*\([^)]*\))?|override|final|mutable|&|&&|->\s*[\w:<>,\s*&]+|\s)*$')


def functions(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        text = blank(f.read())
    results = []
    stack = []  # 'container', 'function' or 'other'; a function carries (name, first line)
    header = []  # text since the last statement end at container scope
    header_line = None
    line = 1
    for c in text:
        in_function = any(kind == 'function' for kind, *_ in stack)
        if c == '\n':
            line += 1
        if in_function:
            if c == '{':
                stack.append(('other',))
            elif c == '}':
                kind, *rest = stack.pop()
                if kind == 'function':
                    name, first = rest
                    results.append((line - first + 1, path, first, name))
                    header, header_line = [], None
            continue
        if c == '{':
            h = ''.join(header)
            flat = ' '.join(h.split())
            if SIGNATURE_END.search(flat) or re.search(r'\)\s*:\s*.*\)\s*$', flat):
                # a function body (a constructor's initialiser list ends with ')' too)
                sig = flat.split('(')[0].split()
                name = sig[-1] if sig else '?'
                stack.append(('function', name, header_line or line))
            elif CONTAINER.search(' ' + flat) and '=' not in flat:
                stack.append(('container',))
                header, header_line = [], None
            else:
                stack.append(('other',))  # brace initialiser, enum body: the statement goes on
                header.append(c)
            continue
        if c == '}':
            if stack:
                kind = stack.pop()[0]
                if kind == 'other':
                    header.append(c)
                    continue
            header, header_line = [], None
            continue
        if c == ';' and not (stack and stack[-1][0] == 'other'):
            header, header_line = [], None
            continue
        if stack and stack[-1][0] == 'other':
            header.append(c)
            continue
        # access specifiers and preprocessor lines end a header too
        header.append(c)
        if c == ':' and re.search(r'\b(public|private|protected|signals|Q_SIGNALS|slots|Q_SLOTS)\s*:$',
                                  ''.join(header[-20:])):
            header, header_line = [], None
            continue
        if not c.isspace() and header_line is None:
            header_line = line
        if c == '\n' and ''.join(header).lstrip().startswith('#'):
            header, header_line = [], None
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--top', type=int, default=10)
    parser.add_argument('--limit', type=int, default=0)
    parser.add_argument('paths', nargs='*', default=['qtws/src'])
    args = parser.parse_args()
    files = []
    for p in args.paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, n) for n in names if n.endswith(SOURCE_SUFFIXES)]
        else:
            files.append(p)
    found = []
    for f in sorted(files):
        found += functions(f)
    found.sort(key=lambda r: (-r[0], r[1], r[2]))
    for length, path, first, name in found[:args.top]:
        print(f'{length:5d}  {path}:{first}  {name}')
    if args.limit:
        over = [r for r in found if r[0] > args.limit]
        print(f'{len(over)} function(s) longer than {args.limit} lines')
        return 1 if over else 0
    return 0


if __name__ == '__main__':
    sys.exit(main())
