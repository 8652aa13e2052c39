// SPDX-License-Identifier: LGPL-3.0-or-later
#include "scenarios.h"

namespace QtWsBench {

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * 1024;

Scenario make(const char *name, const char *description, Kind kind, Payload payload, qint64 size,
    int inflight, const char *path = "/echo")
{
    Scenario s;
    s.name = QString::fromLatin1(name);
    s.description = QString::fromUtf8(description);
    s.params.kind = kind;
    s.params.payload = payload;
    s.params.size = size;
    s.params.inflight = inflight;
    s.params.path = QString::fromLatin1(path);
    return s;
}

std::vector<Scenario> build()
{
    std::vector<Scenario> v;
    v.push_back(
        make("echo32", "32 B binary echo, 64 in flight", Kind::Echo, Payload::Binary, 32, 64));
    v.push_back(make(
        "echo32-256", "32 B binary echo, 256 in flight", Kind::Echo, Payload::Binary, 32, 256));
    v.push_back(
        make("echo1k", "1 KiB binary echo, 64 in flight", Kind::Echo, Payload::Binary, KiB, 64));
    {
        Scenario s = make("latency32",
            "32 B ping-pong, one in flight, warmed; server and client pinned to one CPU",
            Kind::Latency, Payload::Binary, 32, 1);
        s.placement = Placement::SameCpu;
        v.push_back(s);
    }
    {
        Scenario s = make("latency32-cross",
            "32 B ping-pong, one in flight, warmed; server and client pinned to different CPUs",
            Kind::Latency, Payload::Binary, 32, 1);
        s.placement = Placement::OtherCpu;
        s.inQuick = false;
        v.push_back(s);
    }
    v.push_back(make(
        "binary1m", "1 MiB masked binary echo, 4 in flight", Kind::Echo, Payload::Binary, MiB, 4));
    {
        Scenario s = make("binary16m", "16 MiB masked binary echo, 2 in flight", Kind::Echo,
            Payload::Binary, 16 * MiB, 2);
        s.durationScale = 2;
        s.inQuick = false;
        v.push_back(s);
    }
    v.push_back(make("text64k-ascii", "64 KiB ASCII text echo, 16 in flight", Kind::Echo,
        Payload::Ascii, 64 * KiB, 16));
    v.push_back(make("text64k-utf8", "64 KiB mixed UTF-8 text echo, 16 in flight", Kind::Echo,
        Payload::Utf8, 64 * KiB, 16));
    v.push_back(make(
        "text1m-ascii", "1 MiB ASCII text echo, 4 in flight", Kind::Echo, Payload::Ascii, MiB, 4));
    v.push_back(make("text1m-utf8", "1 MiB mixed UTF-8 text echo, 4 in flight", Kind::Echo,
        Payload::Utf8, MiB, 4));
    {
        Scenario s = make("burst512x30",
            "parser stress: each 1 B request answered by 512 x 30 B frames in one write, 2 "
            "requests in flight",
            Kind::Burst, Payload::Binary, 30, 2, "/burst?n=512&size=30");
        s.params.burstCount = 512;
        v.push_back(s);
    }
    {
        Scenario s = make("frag2m-64", "2 MiB echoed as 32768 fragments of 64 B", Kind::Frag,
            Payload::Binary, 2 * MiB, 1, "/frag?size=64");
        s.durationScale = 1.5;
        v.push_back(s);
    }
    {
        Scenario s
            = make("frag4m-64", "4 MiB echoed as 65536 fragments of 64 B (linearity: vs frag2m-64)",
                Kind::Frag, Payload::Binary, 4 * MiB, 1, "/frag?size=64");
        s.durationScale = 1.5;
        s.inQuick = false;
        v.push_back(s);
    }
    v.push_back(make("connect", "connection setup rate, direct (open until connected, then abort)",
        Kind::Connect, Payload::Binary, 0, 1));
    {
        Scenario s = make("connect-squid",
            "connection setup rate through a local Squid (CONNECT to the echo port)", Kind::Connect,
            Payload::Binary, 0, 1);
        s.viaSquid = true;
        s.inQuick = false;
        v.push_back(s);
    }
    {
        Scenario s
            = make("idle1000", "memory per idle connection, 1000 connections (RSS delta / N)",
                Kind::Idle, Payload::Binary, 0, 1);
        s.params.count = 1000;
        v.push_back(s);
    }
#ifdef QTWS_BENCH_HAVE_SPECIAL
    const auto special = [&v](const char *name, const char *description, bool inQuick) {
        Scenario s = make(name, description, Kind::Echo, Payload::Binary, 0, 1);
        s.special = s.name;
        s.inQuick = inQuick;
        v.push_back(s);
    };
    special("relay-ws",
        "qtws-relay WebSocket pass-through to the echo server vs direct: 64 KiB x 16 in flight "
        "MB/s, 32 B p50 (qtws and QWebSocket clients)",
        true);
    special("relay-polling",
        "Engine.IO long-polling (node engine.io-client): qtws-relay -> echo server vs a stock node "
        "engine.io echo server; 1 KiB x 64 in flight msg/s, 32 B p50",
        true);
    special("relay-idle",
        "server RSS per idle session, 1000 WebSocket and polling sessions: qtws-relay vs node "
        "engine.io",
        false);
    special("pac",
        "PAC evaluations/s, qtws PacEngine vs pacparser (interleaved); ProxyResolver::"
        "resolveCached() ns per call",
        true);
#ifdef QTWS_BENCH_HAVE_FIRST_MESSAGE
    special("first-message",
        "time to first message through local Squids per strategy (CONNECT; forwarded upgrade), "
        "cold and with the strategy cache warm, vs the working strategy alone and QWebSocket; "
        "racing behind a proxy that blackholes CONNECT",
        false);
    special("polling-client",
        "polling clients: QtWs::WebSocket (Strategy::Polling) vs node engine.io-client (polling "
        "only) to qtws-relay -> echo server, direct and through a local Squid (default rules); "
        "1 KiB x 64 in flight msg/s, 32 B p50, client CPU per message",
        false);
#endif
#endif
    return v;
}

} // namespace

const std::vector<Scenario> &scenarios()
{
    static const std::vector<Scenario> table = build();
    return table;
}

} // namespace QtWsBench
