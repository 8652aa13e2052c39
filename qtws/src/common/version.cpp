// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/global.h>

namespace QtWs {

const char *version() noexcept
{
    return QTWS_VERSION_STRING;
}

namespace {

struct StrategyName
{
    Strategy strategy;
    const char *name;
};

constexpr StrategyName strategyNames[] = {
    {Strategy::Direct, "direct"},
    {Strategy::SocksTunnel, "socks"},
    {Strategy::ConnectTunnel, "connect"},
    {Strategy::ForwardedUpgrade, "get"},
    {Strategy::BareUpgrade, "bare"},
    {Strategy::OptionsUpgrade, "options"},
    {Strategy::Polling, "polling"},
};

} // namespace

QString strategyName(Strategy strategy)
{
    for (const StrategyName &s : strategyNames) {
        if (s.strategy == strategy)
            return QString::fromLatin1(s.name);
    }
    return QString();
}

std::optional<Strategy> strategyFromName(QStringView name)
{
    for (const StrategyName &s : strategyNames) {
        if (name.compare(QLatin1StringView(s.name), Qt::CaseInsensitive) == 0)
            return s.strategy;
    }
    return std::nullopt;
}

QList<Strategy> allStrategies()
{
    QList<Strategy> all;
    for (const StrategyName &s : strategyNames)
        all.append(s.strategy);
    return all;
}

} // namespace QtWs
