#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-3.0-or-later
"""A wss:// echo server on Python's asyncio TLS, standard library only, for tst_websocket_python.

It ends connections the way servers built on asyncio (the popular websockets library among them)
do: after the WebSocket close handshake it closes its transport, which sends a TLS close_notify and
closes TCP only once the client answers with its own close_notify or closes TCP (asyncio's
ssl_shutdown_timeout, 30 s by default, otherwise). A text message "close" makes the server start
the close handshake itself (code 1000); any other message is echoed.

Usage: tlspeer.py CERT KEY. Prints one JSON line per event on stdout: {"ready": port} once
listening on 127.0.0.1, then {"event": "close-received", "code": N},
{"event": "close-sent", "code": N} and {"event": "tls-closed", "seconds": S} per connection.
Ends when stdin closes.
"""
import asyncio
import base64
import hashlib
import json
import ssl
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def say(**event):
    print(json.dumps(event), flush=True)


def frame(opcode, payload):
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload


async def read_frame(reader):
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack(">H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack(">Q", await reader.readexactly(8))
    key = await reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
    data = bytes(c ^ key[i % 4] for i, c in enumerate(await reader.readexactly(n)))
    return b0 & 0x0F, data


async def session(reader, writer):
    head = await reader.readuntil(b"\r\n\r\n")
    key = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
               if line.lower().startswith(b"sec-websocket-key:"))
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    close_sent = False
    while True:
        opcode, data = await read_frame(reader)
        if opcode == 0x8:
            code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else 1005
            say(event="close-received", code=code)
            if not close_sent:
                writer.write(frame(0x8, data[:2]))
                say(event="close-sent", code=code)
            break
        if opcode == 0x9:
            writer.write(frame(0xA, data))
        elif opcode == 0x1 and data == b"close":
            writer.write(frame(0x8, struct.pack(">H", 1000)))
            close_sent = True
            say(event="close-sent", code=1000)
        elif opcode in (0x1, 0x2):
            writer.write(frame(opcode, data))
    await writer.drain()
    # The TLS shutdown: close_notify, then wait for the client's answer before closing TCP.
    started = time.monotonic()
    writer.close()
    try:
        await writer.wait_closed()
    except (ConnectionError, ssl.SSLError, TimeoutError):
        pass
    say(event="tls-closed", seconds=round(time.monotonic() - started, 3))


async def main():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[1], sys.argv[2])

    async def guarded(reader, writer):
        try:
            await session(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError) as e:
            say(event="error", detail=repr(e))

    server = await asyncio.start_server(guarded, "127.0.0.1", 0, ssl=context)
    say(ready=server.sockets[0].getsockname()[1])
    # Stop when the test closes our stdin.
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
