#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-3.0-or-later
"""Writes the seed corpora of fuzz_proxy_auth, fuzz_socks_reply and fuzz_proxy_reply
(run once; the files are committed). Squid and Dante bytes were captured on loopback."""
import base64
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# proxy_auth: flags byte (credentials, max rounds, method, target), then fields separated by \n.
SPEC_TYPE2 = bytes.fromhex(
    "4e544c4d53535000" "02000000" "0c000c0038000000" "33828ae2" "0123456789abcdef" "0000000000000000"
    "2400240044000000" "060070170000000f" "530065007200760065007200"
    "02000c0044006f006d00610069006e00" "01000c00530065007200760065007200" "00000000")
TIMESTAMP_TYPE2 = (SPEC_TYPE2[:0x28] + bytes.fromhex("3000300044000000") + SPEC_TYPE2[0x30:0x44]
                   + SPEC_TYPE2[0x44:0x44 + 32] + bytes.fromhex("07000800") + bytes(range(1, 9))
                   + bytes(4))
FAKE_TYPE2 = b"TlRMTVNTUAACAAAACQAJAK6qqqoHgggAeahH6sJac9wAAAAAAAA6AFdPUktHUk9VUA=="
NONCE = b"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
OPAQUE = b"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"


def rfc7616(alg):
    return (b'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=' + alg
            + b', nonce="' + NONCE + b'", opaque="' + OPAQUE + b'"')


write("proxy_auth", "basic", b"\x00" + b'Basic realm="corp", charset="UTF-8"')
write("proxy_auth", "rfc7616", b"\x14" + rfc7616(b"SHA-256") + b"\n" + rfc7616(b"MD5"))
write("proxy_auth", "squid-three", b"\x01" + b'Digest realm="qtws-digest", nonce="6772b1ba48134a2b8cc8eb8128b2c899", '
      b'qop="auth", stale=false\nNTLM\nBasic realm="Squid proxy-caching web server"')
write("proxy_auth", "stale-sess", b"\x25" + b'Digest realm=r, nonce="n2", qop=auth, stale=TRUE, algorithm=SHA-256-sess, '
      b'userhash=true, charset=UTF-8')
write("proxy_auth", "rfc7235-example", b"\x3c" + b'Newauth realm="apps", type=1, title="Login to \\"apps\\"", '
      b'Basic realm="simple"')
write("proxy_auth", "ntlm-spec", b"\x02" + b"NTLM " + base64.b64encode(SPEC_TYPE2))
write("proxy_auth", "ntlm-timestamp", b"\x06" + b"NTLM " + base64.b64encode(TIMESTAMP_TYPE2))
write("proxy_auth", "ntlm-fake-auth", b"\x42" + b"NTLM " + FAKE_TYPE2)
write("proxy_auth", "negotiate", b"\x00" + b"Negotiate\nNegotiate YIIBhgYGKwYBBQUCoIIBejCCAXag, Bearer realm=x")
write("proxy_auth", "rfc2069", b"\x80" + b'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
      b'opaque="5ccc069c403ebaf9f0171e9517f40e41"')
write("proxy_auth", "raw-type2", b"\x00" + SPEC_TYPE2)

# socks_reply: kind (0 SOCKS4, 1 method, 2 RFC 1929, 3 SOCKS5 reply; +4 user/pass offered),
# chunk seed, the proxy's bytes.
TLS = bytes.fromhex("160301")
write("socks_reply", "4-granted-dante", b"\x00\x01" + bytes.fromhex("005add637f000001") + TLS)
write("socks_reply", "4a-rejected-dante", b"\x00\x02" + bytes.fromhex("005bd9557f000001"))
write("socks_reply", "method-none", b"\x01\x03" + bytes.fromhex("0500"))
write("socks_reply", "method-userpass", b"\x05\x04" + bytes.fromhex("0502") + bytes.fromhex("0100"))
write("socks_reply", "method-none-acceptable", b"\x05\x05" + bytes.fromhex("05ff"))
write("socks_reply", "auth-ok", b"\x02\x06" + bytes.fromhex("0100"))
write("socks_reply", "auth-failed", b"\x02\x07" + bytes.fromhex("0101"))
write("socks_reply", "5-ipv4-dante", b"\x03\x08" + bytes.fromhex("050000017f000001e415") + TLS)
write("socks_reply", "5-ipv6", b"\x03\x09" + bytes.fromhex("0500000420010db8000000000000000000000001c350"))
write("socks_reply", "5-name", b"\x03\x0a" + bytes.fromhex("050000030b") + b"example.org" + bytes.fromhex("0050") + TLS)
write("socks_reply", "5-refused-dante", b"\x03\x0b" + bytes.fromhex("050500017f0000019df3"))
write("socks_reply", "5-from-http-proxy", b"\x03\x0c" + b"HTTP/1.1 400 Bad Request\r\n\r\n")

# proxy_reply: kind (byte % 3: CONNECT, forwarded GET, OPTIONS) and chunk seed, then the head.
SQUID_403 = (b"HTTP/1.1 403 Forbidden\r\nServer: squid/5.7\r\nMime-Version: 1.0\r\n"
             b"Content-Type: text/html;charset=utf-8\r\nContent-Length: 3054\r\n"
             b"X-Squid-Error: ERR_ACCESS_DENIED 0\r\nVary: Accept-Language\r\nContent-Language: en\r\n"
             b"X-Cache: MISS from pc-squid\r\nX-Cache-Lookup: NONE from pc-squid:39128\r\n"
             b"Via: 1.1 pc-squid (squid/5.7)\r\nConnection: keep-alive\r\n\r\n")
write("proxy_reply", "connect-403-squid", b"\x00" + SQUID_403)
write("proxy_reply", "connect-503-squid", b"\x03" + b"HTTP/1.1 503 Service Unavailable\r\nServer: squid/5.7\r\n"
      b"Content-Type: text/html;charset=utf-8\r\nContent-Length: 3070\r\nX-Squid-Error: ERR_CONNECT_FAIL 111\r\n\r\n")
write("proxy_reply", "connect-200", b"\x06" + b"HTTP/1.0 200 Connection established\r\nProxy-agent: Privoxy\r\n\r\n" + TLS)
write("proxy_reply", "connect-200-body", b"\x09" + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
write("proxy_reply", "connect-407", b"\x0c" + b"HTTP/1.1 407 Proxy Authentication Required\r\nServer: squid/5.7\r\n"
      b"Proxy-Authenticate: Basic realm=\"x\"\r\nX-Squid-Error: ERR_CACHE_ACCESS_DENIED 0\r\n\r\n")
write("proxy_reply", "get-200-via-squid", b"\x01" + b"HTTP/1.1 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\n"
      b"Content-Type: text/html; charset=utf-8\r\nContent-Length: 578\r\nVia: 1.1 pc-squid (squid/5.7)\r\n\r\n")
write("proxy_reply", "get-101-valid", b"\x04" + b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      b"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
write("proxy_reply", "get-101-wrong-key", b"\x07" + b"HTTP/1.1 101 Switching Protocols\r\nServer: squid/5.7\r\n"
      b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
write("proxy_reply", "get-400", b"\x0a" + b"HTTP/1.1 400 Bad Request\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_INVALID_URL 0\r\n\r\n")
write("proxy_reply", "options-501-squid", b"\x02" + b"HTTP/1.1 501 Not Implemented\r\nServer: squid/5.7\r\n"
      b"X-Squid-Error: ERR_UNSUP_REQ 0\r\nVia: 1.1 pc-squid (squid/5.7)\r\nConnection: close\r\n\r\n")
write("proxy_reply", "options-302", b"\x05" + b"HTTP/1.1 302 Found\r\nLocation: http://portal.example/\r\n\r\n")
