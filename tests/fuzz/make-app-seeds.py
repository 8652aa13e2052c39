#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-3.0-or-later
"""Writes the seed corpora of fuzz_pac_result, fuzz_pac_eval, fuzz_relay_request and fuzz_bridge_ops
(run once; the files are committed). Regression inputs found by fuzzing are committed next to them as regress-*."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# pac_result: byte 0 even = UTF-8 text, odd = raw UTF-16LE code units.
write("pac_result", "chain", b"\x00PROXY squid.corp:3128; SOCKS5 [::1]:1080; DIRECT")
write("pac_result", "all-types", b"\x00HTTP a:1;HTTPS b;SOCKS c;SOCKS4 d:9;socks5 e_f.example:65535;;direct")
write("pac_result", "bad-entries", b"\x00PROXY; PROXY a b; FTP x:1; PROXY [::1; PROXY ::1:80; PROXY a:0; "
      b"PROXY a:+1; DIRECT x; PROXY [fe80::1%eth0]:8080")
write("pac_result", "utf16-lone-surrogate", b"\x01" + "PROXY a:1; ".encode("utf-16-le") + b"\x00\xd8"
      + "DIRECT".encode("utf-16-le"))
write("pac_result", "whitespace", b"\x00\t PROXY\x0bproxy:80 \r\n;\x0c DIRECT \n")

# pac_eval: the URL, a newline, the script.
write("pac_eval", "classic", b"http://www.example/path?q\n"
      b"function FindProxyForURL(url, host) {\n"
      b"  if (isPlainHostName(host) || dnsDomainIs(host, '.corp')) return 'DIRECT';\n"
      b"  if (isInNet(dnsResolve(host), '192.0.2.0', '255.255.255.0')) return 'PROXY p.corp:3128; DIRECT';\n"
      b"  if (shExpMatch(url, 'https:*')) return 'HTTPS secure.corp';\n"
      b"  return 'SOCKS5 [2001:db8::1]:1080';\n}\n")
write("pac_eval", "ex-helpers", b"wss://chat.example/socket\n"
      b"function FindProxyForURLEx(url, host) {\n"
      b"  var a = dnsResolveEx(host); var me = myIpAddressEx();\n"
      b"  if (isInNetEx(me, '2001:db8::/32')) return sortIpAddressList(a + ';::1') ? 'PROXY v6:8080' : 'DIRECT';\n"
      b"  return 'DIRECT';\n}\n")
write("pac_eval", "time-helpers", b"ws://host:8080/\n"
      b"function FindProxyForURL(u, h) { return (weekdayRange('MON', 'FRI') && timeRange(8, 18)"
      b" && dateRange('JAN', 'DEC')) ? 'PROXY day:1' : 'PROXY night:2'; }\n")
write("pac_eval", "loop-timeout", b"http://a/\nfunction FindProxyForURL(u, h) { for (;;) {} }\n")
write("pac_eval", "throws", b"http://a/\nfunction FindProxyForURL(u, h) { throw new Error('no ' + h); }\n")
write("pac_eval", "top-level-loop", b"http://a/\nwhile (true) {}\nfunction FindProxyForURL() { return 'DIRECT'; }\n")
write("pac_eval", "non-string", b"http://a/\nfunction FindProxyForURL(u, h) { return {toString: function () "
      b"{ return 'DIRECT'; }}; }\n")
write("pac_eval", "big-repeat", b"http://a/\nfunction FindProxyForURL(u, h) { return 'x'.repeat(1 << 30); }\n")
write("pac_eval", "syntax", b"http://a/\nfunction FindProxyForURL(u, h) { return 'DIRECT' \n")
write("pac_eval", "unparsable", b"https://user:pw@h.example:8443/p?q#f\n"
      b"function FindProxyForURL(u, h) { return u + ' ' + h + ' ' + alert(convert_addr('1.2.3.4')); }\n")

# relay_request: byte 0 chunk sizes, byte 1 limits (bit 0: 256-byte heads, bit 1: 16-byte bodies), the stream.
UPGRADE = (b"GET /chat?room=1 HTTP/1.1\r\nHost: relay.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           b"Origin: https://app.example\r\n\r\n")
write("relay_request", "upgrade", b"\x00\x00" + UPGRADE)
write("relay_request", "absolute-form", b"\x07\x00" + UPGRADE.replace(b"GET /chat", b"GET http://relay.example:8080/chat"))
write("relay_request", "options-upgrade", b"\x03\x00" + UPGRADE.replace(b"GET /chat?room=1", b"OPTIONS *"))
write("relay_request", "polling-pipelined", b"\x05\x00"
      b"GET /engine.io/?EIO=4&transport=polling&t=abc HTTP/1.1\r\nHost: r\r\n\r\n"
      b"POST /engine.io/?EIO=4&transport=polling&sid=xyz HTTP/1.1\r\nHost: r\r\nContent-Length: 7\r\n\r\n4hello\x1e"
      b"POST /engine.io/?EIO=4&transport=polling&sid=xyz HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\n"
      b"3\r\n4hi\r\n0\r\nX-Trailer: 1\r\n\r\n"
      b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
write("relay_request", "smuggling", b"\x01\x00POST / HTTP/1.1\r\nHost: r\r\nContent-Length: 4\r\n"
      b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
write("relay_request", "duplicate-length", b"\x02\x00POST / HTTP/1.1\r\nHost: r\r\nContent-Length: 4\r\n"
      b"Content-Length: 5\r\n\r\nabcde")
write("relay_request", "small-limits", b"\x09\x03POST /p HTTP/1.1\r\nHost: r\r\nContent-Length: 17\r\n\r\n"
      b"0123456789abcdefg")
write("relay_request", "head-too-large", b"\x04\x01GET / HTTP/1.1\r\nHost: r\r\nX-Pad: " + b"a" * 300 + b"\r\n\r\n")
write("relay_request", "upgrade-with-body", b"\x06\x00" + UPGRADE[:-2] + b"Content-Length: 2\r\n\r\nhi")
write("relay_request", "garbage", b"\x08\x00\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")


# bridge_ops: the JSON of one post() batch, as websocket.js builds it.
def ops(*batch):
    return json.dumps(list(batch), separators=(",", ":")).encode()


DOC = 3735928559
write("bridge_ops", "session", ops(
    ["hello", DOC],
    ["open", DOC, 1, "wss://chat.example/socket", ["chat", "superchat"], "https://app.example"],
    ["text", DOC, 1, "hello \u00e9"],
    ["binary", DOC, 1, "AAEC/w=="],
    ["pull", DOC, 1, 1],
    ["close", DOC, 1, 1000, "bye", False],
    ["drop", DOC, 1],
    ["resolve", DOC, 2, "ws://chat.example:8080/"],
    ["bye", DOC]))
write("bridge_ops", "refusals", ops(
    ["open", DOC, 1, "http://chat.example/", [], "https://app.example"],
    ["open", DOC, 2, "ws://chat.example:25/", [], "http://app.example"],
    ["open", DOC, 3, "ws://chat.example/", [], "https://app.example"],
    ["open", DOC, 4, "ws://127.0.0.1:9/#frag", ["a", "a", "b c", 7], "https://app.example"]))
write("bridge_ops", "odd-numbers", b'[["hello",1e300],["hello",-1],["hello",0.5],["text",4294967295,1e10,"x"],'
      b'["pull",1,1,-3],["pull",1,1,1e300],["close",1,1,1e20,"r",true],["close",1,1,null],["nope",1]]')
