#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-3.0-or-later
"""Writes the seed corpora in corpus/<target>/ (run once; the files are committed)."""
import base64
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def frame(first, payload, mask=None):
    n = len(payload)
    if n < 126:
        head = bytes([first, (0x80 if mask else 0) | n])
    elif n < 65536:
        head = bytes([first, (0x80 if mask else 0) | 126]) + struct.pack(">H", n)
    else:
        head = bytes([first, (0x80 if mask else 0) | 127]) + struct.pack(">Q", n)
    if mask:
        head += mask
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + payload


def deflate_raw(data, wbits=15):
    c = zlib.compressobj(6, zlib.DEFLATED, -wbits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# message_reader: flags, chunk seed, stream
M = b"\x37\xfa\x21\x3d"
client_stream = (frame(0x81, b"Hello") + frame(0x01, b"Hel") + frame(0x89, b"ping") + frame(0x80, b"lo")
                 + frame(0x82, bytes(300)) + frame(0x8A, b"") + frame(0x88, b"\x03\xe8bye"))
write("message_reader", "client-basic", b"\x00\x05" + client_stream)
write("message_reader", "client-frame-events", b"\x04\x11" + client_stream)
write("message_reader", "client-direct", b"\x10\x07" + frame(0x82, bytes(range(256)) * 4) + frame(0x81, "κόσμε".encode()))
server_stream = (frame(0x81, b"Hello", M) + frame(0x02, b"ab", M) + frame(0x80, b"cd", M)
                 + frame(0x88, b"\x0f\xa0", M))
write("message_reader", "server-masked", b"\x01\x09" + server_stream)
write("message_reader", "server-small-limits", b"\x09\x03" + frame(0x82, bytes(1001), M))
write("message_reader", "client-64bit", b"\x00\x01" + frame(0x82, bytes(66000))[:200])
comp = deflate_raw(b"Hello Hello Hello Hello")
c = zlib.compressobj(6, zlib.DEFLATED, -15)
m1 = c.compress(b"context takeover") + c.flush(zlib.Z_SYNC_FLUSH)
m2 = c.compress(b"context takeover again") + c.flush(zlib.Z_SYNC_FLUSH)
write("message_reader", "client-deflate", b"\xE2\x02" + frame(0xC1, comp) + frame(0xC1, m1[:-4]) + frame(0xC1, m2[:-4])
      + frame(0x41, comp[:3]) + frame(0x80, comp[3:]) + frame(0xC2, b"\x00"))
write("message_reader", "client-bad-utf8", b"\x00\x04" + frame(0x01, b"ab\xe0") + frame(0x80, b"\x80\x80"))
write("message_reader", "client-bad-close", b"\x00\x02" + frame(0x88, b"\x03\xed"))

# handshake_response: chunk seed, response
ok = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      b"Sec-WebSocket-Accept: " + ACCEPT + b"\r\n")
write("handshake_response", "ok", b"\x01" + ok + b"\r\n" + frame(0x81, b"hi"))
write("handshake_response", "ok-deflate", b"\x02" + ok + b"Sec-WebSocket-Protocol: chat\r\n"
      b"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10; client_max_window_bits=9\r\n\r\n")
write("handshake_response", "squid-403", b"\x03HTTP/1.1 403 Forbidden\r\nServer: squid/5.7\r\n"
      b"X-Squid-Error: ERR_ACCESS_DENIED 0\r\nContent-Length: 5\r\n\r\nerror")
write("handshake_response", "chunked-404", b"\x04HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
      b"5;x=y\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n")
write("handshake_response", "bad-accept", b"\x05HTTP/1.1 101 S\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
      b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
write("handshake_response", "connect-200", b"\x06HTTP/1.0 200 Connection established\r\nProxy-Agent: x\r\n\r\n\x16\x03\x01")

# http_request: chunk seed, request
req = (b"GET /chat?x=1 HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       b"Sec-WebSocket-Key: " + KEY + b"\r\nSec-WebSocket-Version: 13\r\nOrigin: http://example.org\r\n"
       b"Sec-WebSocket-Protocol: mqtt, chat\r\n"
       b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, permessage-deflate\r\n\r\n")
write("http_request", "handshake", b"\x02" + req)
write("http_request", "absolute-form", b"\x03" + req.replace(b"GET /chat", b"GET ws://example.org:80/chat"))
write("http_request", "options", b"\x04" + req.replace(b"GET /chat?x=1", b"OPTIONS *"))
write("http_request", "connect", b"\x05CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n")
write("http_request", "post-chunked", b"\x06POST /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\n"
      b"Transfer-Encoding: chunked\r\n\r\n4\r\n4msg\r\n0\r\n\r\n")
write("http_request", "post-length", b"\x07POST /engine.io/?EIO=4 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n4msg")
write("http_request", "bare-lf", b"\x09GET / HTTP/1.1\nHost: h\n\n")

# inflater: params, chunk seed, messages separated by ff 00
write("inflater", "hello-15", b"\x07\x01" + deflate_raw(b"Hello") + b"\xff\x00" + bytes.fromhex("f200110000"))
write("inflater", "text-9-nct", b"\x09\x02" + deflate_raw(b"The quick brown fox " * 20, 9))
write("inflater", "stored", b"\x07\x03" + bytes.fromhex("000500faff48656c6c6f00"))
write("inflater", "bfinal", b"\x07\x04" + bytes.fromhex("f348cdc9c90700") + b"\xff\x00" + deflate_raw(b"next"))
write("inflater", "zeros-bomb", b"\x07\x05" + deflate_raw(bytes(1 << 20)))
# RFC 7692 §7.2.3.4 as the RFC writes it (the padding octet after the final block), then a message.
write("inflater", "bfinal-rfc", b"\x07\x06" + bytes.fromhex("f348cdc9c9070000") + b"\xff\x00" + deflate_raw(b"next"))
# Issue 15 item 9: 65,537 bytes out of a 65,536-byte cap with chunks of 64 bytes or more.
write("inflater", "regress-cap-off-by-one", base64.b64decode(
    "BwXswTEBAAAAwqD1T20IX6AABAAAAAAAAgAAVMUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWwAAAAAATQM="))

# engineio: selector byte (0 polling payload, 1 WebSocket frame (+4: binary frame), 2 open JSON, 3 close JSON), input
RS = b"\x1e"
write("engineio", "payload-mixed", b"\x00" + b"4hello" + RS + b"bAQID" + RS + b"2probe")
write("engineio", "payload-noop-close", b"\x00" + b"6" + RS + b'1{"code":4001,"reason":"bye"}')
write("engineio", "payload-utf8", b"\x00" + "4κόσμε".encode() + RS + b"4")
write("engineio", "ws-text", b"\x01" + b"4hello")
write("engineio", "ws-binary", b"\x05" + bytes(range(16)))
write("engineio", "open-json", b"\x02" + b'{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,'
      b'"pingTimeout":20000,"maxPayload":1000000}')
write("engineio", "close-json", b"\x03" + b'{"code":4001,"reason":"backend bye"}')
