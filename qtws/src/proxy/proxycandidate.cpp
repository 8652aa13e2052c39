// SPDX-License-Identifier: LGPL-3.0-or-later
#include <qtws/proxycandidate.h>

namespace QtWs {

QString ProxyCandidate::toPacString() const
{
    QString keyword;
    switch (m_type) {
    case Type::Direct:
        return QStringLiteral("DIRECT");
    case Type::Http:
        keyword = QStringLiteral("PROXY");
        break;
    case Type::Https:
        keyword = QStringLiteral("HTTPS");
        break;
    case Type::Socks4:
        keyword = QStringLiteral("SOCKS4");
        break;
    case Type::Socks5:
        keyword = QStringLiteral("SOCKS5");
        break;
    }
    const QString host = m_host.contains(QLatin1Char(':')) ? u'[' + m_host + u']' : m_host;
    return keyword + u' ' + host + u':' + QString::number(m_port);
}

QDebug operator<<(QDebug debug, const ProxyCandidate &candidate)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "ProxyCandidate(" << candidate.toPacString() << ", " << candidate.source();
    if (!candidate.origin().isEmpty())
        debug << ", " << candidate.origin();
    debug << ')';
    return debug;
}

} // namespace QtWs
