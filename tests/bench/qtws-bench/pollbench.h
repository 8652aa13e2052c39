// SPDX-License-Identifier: LGPL-3.0-or-later
// The polling-client scenario (issue 10): QtWs::WebSocket on Strategy::Polling against node
// engine.io-client (polling only), both against one qtws-relay in front of the echo server,
// directly and through a local Squid with Debian's default rules.
#ifndef QTWS_BENCH_POLLBENCH_H
#define QTWS_BENCH_POLLBENCH_H

#include <QtCore/QStringList>

namespace QtWsBench {

/*! The qtws side of the polling-client scenario (`qtws-bench --poll-worker URL SIZE INFLIGHT
   WARMUP_MS DURATION_MS [PROXY_PORT]`): one QtWs::WebSocket restricted to Strategy::Polling keeps
   INFLIGHT text messages of SIZE bytes in flight to the echo behind \a URL (through the HTTP proxy
   on 127.0.0.1:PROXY_PORT when given) and prints one JSON line in the format of relay-peer.js
   `poll` (messages, bytes, totalMessages, seconds, procCpuSeconds from /proc/self/stat, p50Us,
   p99Us) or {"error": ...}. */
int runPollWorker(const QStringList &args);

} // namespace QtWsBench

#endif // QTWS_BENCH_POLLBENCH_H
