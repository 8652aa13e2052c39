// SPDX-License-Identifier: LGPL-3.0-or-later
// The registry of client adapters compiled into qtws-bench.
#include "clientadapter.h"

namespace QtWsBench {

std::unique_ptr<ClientAdapter> createQWebSocketAdapter();
#ifdef QTWS_BENCH_HAVE_QTWS
std::unique_ptr<ClientAdapter> createQtWsAdapter();
#endif

QStringList adapterNames()
{
    QStringList names {QStringLiteral("qt")};
#ifdef QTWS_BENCH_HAVE_QTWS
    names.append(QStringLiteral("qtws"));
#endif
    return names;
}

std::unique_ptr<ClientAdapter> createAdapter(const QString &impl)
{
    if (impl == QLatin1String("qt"))
        return createQWebSocketAdapter();
#ifdef QTWS_BENCH_HAVE_QTWS
    if (impl == QLatin1String("qtws"))
        return createQtWsAdapter();
#endif
    return nullptr;
}

} // namespace QtWsBench
