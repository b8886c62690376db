"""What Python's json.loads makes of every file in test_parsing/, one line
each: the file name, a tab, then `not-utf8` (bytes.decode() fails, as in
django-redis's JSONSerializer and cachalot's settings loader), `reject`
(json.loads raises) or the value in the canonical form JSONTestSuiteTests
writes for a JSONTree:

    null true false   i:<int>   f:<IEEE 754 bits, 16 hex digits>
    "<text>" with every character outside printable ASCII, and " and \\,
             written \\u{<hex>}
    [a,b]    {"key":value,...} in document order, a repeated key at its first
             place with its last value (dict semantics)

Regenerate with: python3 Tests/data/JSONTestSuite/python_outcomes.py > Tests/data/JSONTestSuite/python-json-loads.txt
"""
import json
import os
import struct
import sys


def canon(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return "i:%d" % value
    if isinstance(value, float):
        return "f:" + struct.pack(">d", value).hex()
    if isinstance(value, str):
        return '"' + "".join(c if 0x20 <= ord(c) < 0x7F and c not in '\\"' else "\\u{%x}" % ord(c) for c in value) + '"'
    if isinstance(value, list):
        return "[" + ",".join(canon(item) for item in value) + "]"
    return "{" + ",".join(canon(key) + ":" + canon(item) for key, item in value.items()) + "}"


def main():
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_parsing")
    sys.setrecursionlimit(10000)  # canon() on the 500-deep array; json.loads has its own C limit
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as file:
            data = file.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            print(name + "\tnot-utf8")
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            print(name + "\treject")
            continue
        print(name + "\t" + canon(value))


main()
